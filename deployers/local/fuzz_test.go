package local

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// FuzzLoadState: no input panics the reader; a rejected file is a
// *CorruptStateError naming the file and left byte for byte as it was; an
// accepted one survives a write and a read back.
func FuzzLoadState(f *testing.F) {
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"serial":3,"environment":"dev","tables":{"a":{"name":"a","ddl":"CREATE TABLE a (x INT)","columns":[{"name":"x","type":"INT","not_null":false}]}},"statements":{"s":{"name":"s","table":"a","kind":"dml","phase":"RUNNING","sql":"INSERT INTO a SELECT 1","reads":["b"],"writes":["a"]}}}`))
	f.Add([]byte(`{"version":1,"tables":{"a":null}}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"version":1,"statements":{"s":{"name":"s","phase":"RUNNING","created_at":"not a time"}}}`))
	f.Add([]byte(""))
	f.Add([]byte("\x00\xff"))
	// One directory per fuzzing process and no fsync in the loop: a
	// TempDir and a durable write per input would cut throughput 50-fold.
	dir := f.TempDir()
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, fmt.Sprintf("local-%d.json", n.Add(1)))
		defer os.Remove(path)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := LoadState(path, "dev")
		if err != nil {
			var ce *CorruptStateError
			if !errors.As(err, &ce) || ce.Path != path || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v is not a CorruptStateError naming %s", err, path)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
				t.Fatal("a rejected state file was changed")
			}
			return
		}
		st.Serial++
		out, err := json.Marshal(st)
		if err != nil {
			t.Fatalf("accepted state cannot be encoded: %v", err)
		}
		back, err := DecodeState(out)
		if err != nil {
			t.Fatalf("state accepted, encoded, then rejected: %v\n%s", err, out)
		}
		if back.Serial != st.Serial || len(back.Tables) != len(st.Tables) || len(back.Statements) != len(st.Statements) {
			t.Fatalf("round trip changed the state: %+v vs %+v", back, st)
		}
	})
}

// FuzzJournal: beside a valid state file, no journal panics the reader; a
// rejected one is a *CorruptStateError naming the journal and the byte
// where its bad line starts, and keeping only the bytes before it reads
// back; an accepted one holds consecutive changes.
func FuzzJournal(f *testing.F) {
	f.Add([]byte(`{"serial":2,"updated_at":"2026-11-25T12:00:00Z","tables":{"b":{"name":"b","ddl":"CREATE TABLE b (x INT)"}}}` + "\n"))
	f.Add([]byte(`{"serial":2,"statements":{"s":null}}` + "\n" + `{"serial":3,"tables":{"a":null}}` + "\n"))
	f.Add([]byte(`{"serial":1}` + "\n" + `{"serial":2}` + "\n" + `{"serial":2`))
	f.Add([]byte(`{"serial":4}` + "\n"))
	f.Add([]byte(`{"serial":2,"statements":{"s":{"name":"t","phase":"RUNNING"}}}` + "\n"))
	f.Add([]byte("\n"))
	snapshot := []byte(`{"version":1,"serial":1,"environment":"dev","tables":{"a":{"name":"a","ddl":"CREATE TABLE a (x INT)"}},"statements":{"s":{"name":"s","table":"a","kind":"dml","phase":"RUNNING","sql":"INSERT INTO a SELECT 1","writes":["a"]}}}`)
	dir := f.TempDir()
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, fmt.Sprintf("local-%d.json", n.Add(1)))
		journal := JournalPath(path)
		defer os.Remove(path)
		defer os.Remove(journal)
		if err := os.WriteFile(path, snapshot, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(journal, data, 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := LoadState(path, "dev")
		if err == nil {
			want := replayJournal(t, data)
			if st.Serial != want.serial {
				t.Fatalf("serial %d, want %d", st.Serial, want.serial)
			}
			if got := sortedKeys(st.Tables); !slices.Equal(got, want.tables) {
				t.Fatalf("tables %v, want %v", got, want.tables)
			}
			if got := sortedKeys(st.Statements); !slices.Equal(got, want.statements) {
				t.Fatalf("statements %v, want %v", got, want.statements)
			}
			return
		}
		var ce *CorruptStateError
		if !errors.As(err, &ce) || !ce.Journal || ce.Path != journal || ce.JournalOffset > int64(len(data)) {
			t.Fatalf("error %v is not a CorruptStateError of %s", err, journal)
		}
		if off := ce.JournalOffset; off > 0 && data[off-1] != '\n' {
			t.Fatalf("error offset %d is not the start of a line", off)
		}
		if got, _ := os.ReadFile(journal); !bytes.Equal(got, data) {
			t.Fatal("a rejected journal was changed")
		}
		if err := os.Truncate(journal, ce.JournalOffset); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadState(path, "dev"); err != nil {
			t.Fatalf("the journal cut where the error says still fails: %v", err)
		}
	})
}

// replayed is what a journal accepted beside FuzzJournal's snapshot (serial
// 1, table a, statement s) must give: the serial of its last change and
// the names left after its additions and removals, sorted.
type replayed struct {
	serial             int64
	tables, statements []string
}

// replayJournal is the reference reader for an accepted journal: complete
// lines only; a line at or below the current serial is skipped, any other
// must be the next serial, or the journal should have been rejected.
func replayJournal(t *testing.T, data []byte) replayed {
	t.Helper()
	serial := int64(1)
	tables := map[string]bool{"a": true}
	statements := map[string]bool{"s": true}
	lines := bytes.Split(data, []byte("\n"))
	for _, line := range lines[:len(lines)-1] { // the last piece has no newline
		var e struct {
			Serial     int64                      `json:"serial"`
			Tables     map[string]json.RawMessage `json:"tables"`
			Statements map[string]json.RawMessage `json:"statements"`
		}
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("accepted a journal with the invalid line %q: %v", line, err)
		}
		switch {
		case e.Serial < 1:
			t.Fatalf("accepted a change without a serial: %q", line)
		case e.Serial <= serial:
			continue
		case e.Serial != serial+1:
			t.Fatalf("accepted change %d after change %d", e.Serial, serial)
		}
		serial = e.Serial
		for _, m := range []struct {
			names   map[string]bool
			entries map[string]json.RawMessage
		}{{tables, e.Tables}, {statements, e.Statements}} {
			for k, v := range m.entries {
				m.names[k] = string(v) != "null"
			}
		}
	}
	return replayed{serial, trueKeys(tables), trueKeys(statements)}
}

func trueKeys(m map[string]bool) []string {
	var out []string
	for k, ok := range m {
		if ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
