package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

// twoChanges leaves a snapshot (the first change) and one journal line.
func twoChanges(t *testing.T, dir string) (*Target, string) {
	t.Helper()
	tg := open(t, dir, Options{})
	run(t, tg, []step{
		{do: "ddl", name: "d1", sql: ddlOrders, wantPhase: deployers.PhaseCompleted},
		{do: "dml", name: "m1", sql: dmlOrders, wantPhase: deployers.PhaseRunning},
	})
	return tg, JournalPath(tg.Path())
}

func appendTo(t *testing.T, path, text string) int64 {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func TestJournalBadLines(t *testing.T) {
	for _, tc := range []struct {
		name, line, want string
	}{
		{"not JSON", "{\"serial\": 3, \"tables\": \n", "invalid JSON"},
		{"no serial", "null\n", "no serial"},
		{"a change skipped", `{"serial":7,"updated_at":"2026-11-25T12:00:00Z"}` + "\n", "change 7 does not follow change 2"},
		{"name and key differ", `{"serial":3,"updated_at":"2026-11-25T12:00:00Z","tables":{"a":{"name":"b"}}}` + "\n", `table entry "a": its name does not match its key`},
		{"statement without phase", `{"serial":3,"updated_at":"2026-11-25T12:00:00Z","statements":{"s":{"name":"s"}}}` + "\n", `statement "s": no phase`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tg, journal := twoChanges(t, dir)
			good := appendTo(t, journal, tc.line)
			_, err := tg.ListStatements(context.Background())
			var ce *CorruptStateError
			if !errors.As(err, &ce) || !ce.Journal || ce.JournalOffset != good || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a corrupt journal at byte %d: %s", err, good, tc.want)
			}
			if want := fmt.Sprintf("truncate -s %d %s", good, journal); !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
			// Writes are refused too, and the journal is left as it is.
			if _, err := tg.StartStatement(context.Background(), deployers.StatementRequest{Name: "m2", SQL: dmlOrders}); !errors.As(err, &ce) {
				t.Errorf("a change on a corrupt journal: %v", err)
			}
			if fi, _ := os.Stat(journal); fi.Size() != good+int64(len(tc.line)) {
				t.Errorf("the corrupt journal was changed: %d bytes", fi.Size())
			}
			// The repair the message gives works: the first two changes remain.
			if err := os.Truncate(journal, good); err != nil {
				t.Fatal(err)
			}
			st, err := LoadState(tg.Path(), "dev")
			if err != nil || st.Serial != 2 || st.Statements["m1"] == nil {
				t.Fatalf("after the repair: %v %+v", err, st)
			}
		})
	}
}

// TestJournalCutLine: a last line without its newline (a writer killed
// while appending) is not a change: readers skip it and the next change
// replaces it.
func TestJournalCutLine(t *testing.T) {
	dir := t.TempDir()
	tg, journal := twoChanges(t, dir)
	good := appendTo(t, journal, `{"serial":3,"updated_at":"2026-11-25T12:00:00Z","statem`)
	if st, err := LoadState(tg.Path(), "dev"); err != nil || st.Serial != 2 {
		t.Fatalf("read with a cut line: %v %+v", err, st)
	}
	other := open(t, dir, Options{})
	run(t, other, []step{{do: "stop", name: "m1"}})
	st, err := LoadState(tg.Path(), "dev")
	if err != nil || st.Serial != 3 || st.Statements["m1"].Phase != deployers.PhaseStopped {
		t.Fatalf("after a change: %v %+v", err, st)
	}
	data, err := os.ReadFile(journal)
	if err != nil || strings.Contains(string(data), "statem\"") || !strings.HasSuffix(string(data), "\n") || int64(len(data)) <= good {
		t.Errorf("journal after the change:\n%s", data)
	}
	// The first target reads the other's change.
	checkOnDisk(t, tg)
}

// TestJournalWithoutSnapshot: a journal beside no snapshot belonged to a
// state someone moved aside: it is ignored, and the next change starts
// from an empty environment.
func TestJournalWithoutSnapshot(t *testing.T) {
	dir := t.TempDir()
	tg, journal := twoChanges(t, dir)
	if err := os.Rename(tg.Path(), tg.Path()+".aside"); err != nil {
		t.Fatal(err)
	}
	fresh := open(t, dir, Options{})
	list, err := fresh.ListStatements(context.Background())
	if err != nil || len(list) != 0 {
		t.Fatalf("statements %v, %v; want an empty environment", list, err)
	}
	run(t, fresh, []step{{do: "dml", name: "m1", sql: dmlOrders, wantPhase: deployers.PhaseFailed, detail: "does not exist"}})
	if fi, err := os.Stat(journal); err != nil || fi.Size() != 0 {
		t.Errorf("the old journal was not emptied: %v", err)
	}
	st, err := LoadState(tg.Path(), "dev")
	if err != nil || st.Serial != 1 || len(st.Tables) != 0 {
		t.Errorf("state %+v, %v", st, err)
	}
}

// TestJournalFoldsWhenLarge: a journal larger than the snapshot (and than
// minCompaction) is folded into a new snapshot while the target works.
func TestJournalFoldsWhenLarge(t *testing.T) {
	dir := t.TempDir()
	tg := open(t, dir, Options{NoSync: true})
	run(t, tg, []step{{do: "ddl", name: "d1", sql: ddlOrders}})
	long := "INSERT INTO orders SELECT id, amount FROM raw_orders WHERE '" + strings.Repeat("x", 8<<10) + "' <> '';"
	ctx := context.Background()
	const n = 200 // 200 × 8 KB: more than minCompaction
	for i := range n {
		if _, err := tg.StartStatement(ctx, deployers.StatementRequest{Name: fmt.Sprintf("m%d", i), SQL: long}); err != nil {
			t.Fatal(err)
		}
	}
	checkOnDisk(t, tg)
	data, err := os.ReadFile(tg.Path())
	if err != nil {
		t.Fatal(err)
	}
	snap, err := DecodeState(data)
	if err != nil || snap.Serial < 100 {
		t.Fatalf("snapshot serial %v (%v): the journal was not folded", snap, err)
	}
	if fi, _ := os.Stat(JournalPath(tg.Path())); fi.Size() > minCompaction+int64(len(long))*2 {
		t.Errorf("journal is %d bytes", fi.Size())
	}
	if st, err := LoadState(tg.Path(), "dev"); err != nil || st.Serial != n+1 {
		t.Errorf("serial %v (%v), want %d", st, err, n+1)
	}
}

// TestConcurrentTargets: two Target values (as two processes) writing at
// the same time lose no change: the journal's lock orders them.
func TestConcurrentTargets(t *testing.T) {
	dir := t.TempDir()
	a, b := open(t, dir, Options{NoSync: true}), open(t, dir, Options{NoSync: true})
	run(t, a, []step{{do: "ddl", name: "d", sql: ddlOrders}})
	var wg sync.WaitGroup
	for k, tg := range []*Target{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				if _, err := tg.StartStatement(context.Background(), deployers.StatementRequest{Name: fmt.Sprintf("m-%d-%d", k, i), SQL: dmlOrders}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	st, err := LoadState(a.Path(), "dev")
	if err != nil || st.Serial != 101 || len(st.Statements) != 101 {
		t.Fatalf("serial %d, %d statements (%v); want 101 of each", st.Serial, len(st.Statements), err)
	}
	checkOnDisk(t, a)
	checkOnDisk(t, b)
}

// TestReaderWhileWriterFolds: a Target that only reads, while another one
// writes and folds its journal again and again, always reads a whole state
// (never a journal that seems corrupt because it was folded under it) and
// never one older than what it read before.
func TestReaderWhileWriterFolds(t *testing.T) {
	dir := t.TempDir()
	writer, reader := open(t, dir, Options{NoSync: true}), open(t, dir, Options{NoSync: true})
	writer.store.foldAt = 2 << 10 // fold every few changes
	run(t, writer, []step{{do: "ddl", name: "d", sql: ddlOrders}})
	ctx := context.Background()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 300 {
			if _, err := writer.StartStatement(ctx, deployers.StatementRequest{Name: fmt.Sprintf("m%d", i), SQL: dmlOrders}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	last, reads := 0, 0
	for running := true; running; reads++ {
		select {
		case <-done:
			running = false
		default:
		}
		list, err := reader.ListStatements(ctx)
		if err != nil {
			t.Fatalf("read %d: %v", reads, err)
		}
		if len(list) < last {
			t.Fatalf("read %d: %d statements after %d", reads, len(list), last)
		}
		last = len(list)
	}
	if last != 301 {
		t.Errorf("last read saw %d statements, want 301", last)
	}
	if st, err := LoadState(writer.Path(), "dev"); err != nil || st.Serial != 301 {
		t.Errorf("serial %v, %v", st, err)
	}
}

// TestSecretPropertiesNeverSaved: values of sql.secrets.* statement
// properties are masked before the state (journal or file) keeps them.
func TestSecretPropertiesNeverSaved(t *testing.T) {
	dir := t.TempDir()
	tg := open(t, dir, Options{})
	run(t, tg, []step{{do: "ddl", name: "d", sql: ddlOrders}})
	ctx := context.Background()
	if _, err := tg.StartStatement(ctx, deployers.StatementRequest{Name: "m", SQL: dmlOrders,
		Properties: map[string]string{"sql.secrets.openai": "sk-CANARY-1", "sql.state-ttl": "1 d"}}); err != nil {
		t.Fatal(err)
	}
	list, err := tg.ListStatements(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p := list[1].Properties; p["sql.secrets.openai"] != "****" || p["sql.state-ttl"] != "1 d" {
		t.Errorf("properties %v", p)
	}
	if err := tg.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{tg.Path(), tg.Path() + ".bak", JournalPath(tg.Path())} {
		if data, _ := os.ReadFile(f); strings.Contains(string(data), "CANARY") {
			t.Errorf("%s holds the secret", f)
		}
	}
}
