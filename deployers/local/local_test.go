package local

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

const (
	ddlOrders    = "CREATE TABLE IF NOT EXISTS orders (\n  id STRING NOT NULL,\n  amount DECIMAL(10, 2),\n  PRIMARY KEY (id) NOT ENFORCED\n) WITH ('changelog.mode' = 'upsert');"
	ddlOrdersNoI = "CREATE TABLE orders (id STRING, amount DECIMAL(10, 2));"
	ddlOrdersV2  = "CREATE TABLE IF NOT EXISTS orders (id STRING, amount DOUBLE, note STRING);"
	ddlTotals    = "CREATE TABLE IF NOT EXISTS totals (id STRING, total DECIMAL(10, 2));"
	dmlOrders    = "INSERT INTO orders SELECT id, amount FROM raw_orders;"
	dmlTotals    = "INSERT INTO totals SELECT id, SUM(amount) FROM orders GROUP BY id;"
	dmlQualified = "INSERT INTO orders SELECT id, amount FROM `kafka`.`prod`.`raw_orders`;"
)

// step is one call on the target and what it must give.
type step struct {
	do        string // ddl, dml, drop, stop, delete
	name      string // statement name
	table     string
	sql       string
	wantPhase deployers.Phase // for ddl and dml
	detail    string          // substring of the statement's detail
	wantErr   string          // substring of the call's error ("" = none)
	conflict  bool            // the error wraps deployers.ErrConflict
}

func run(t *testing.T, tg *Target, steps []step) {
	t.Helper()
	ctx := context.Background()
	for i, s := range steps {
		req := deployers.StatementRequest{Name: s.name, Table: s.table, SQL: s.sql}
		var (
			got deployers.Statement
			err error
		)
		switch s.do {
		case "ddl":
			got, err = tg.CreateTable(ctx, req)
		case "dml":
			got, err = tg.StartStatement(ctx, req)
		case "drop":
			err = tg.DropTable(ctx, req)
		case "stop":
			err = tg.StopStatement(ctx, s.name)
		case "delete":
			err = tg.DeleteStatement(ctx, s.name)
		default:
			t.Fatalf("step %d: unknown op %q", i, s.do)
		}
		if s.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), s.wantErr) {
				t.Fatalf("step %d (%s %s): err = %v, want it to contain %q", i, s.do, s.name, err, s.wantErr)
			}
			if s.conflict != errors.Is(err, deployers.ErrConflict) {
				t.Errorf("step %d: errors.Is(err, ErrConflict) = %v, want %v", i, !s.conflict, s.conflict)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d (%s %s): %v", i, s.do, s.name, err)
		}
		if s.wantPhase != "" && got.Phase != s.wantPhase {
			t.Fatalf("step %d (%s %s): phase %s (detail %q), want %s", i, s.do, s.name, got.Phase, got.Detail, s.wantPhase)
		}
		if !strings.Contains(got.Detail, s.detail) {
			t.Errorf("step %d (%s %s): detail %q does not contain %q", i, s.do, s.name, got.Detail, s.detail)
		}
		checkOnDisk(t, tg)
	}
}

// checkOnDisk fails unless the state on disk (snapshot and journal, read
// afresh) is the state the target works with: a change the journal missed
// would show here.
func checkOnDisk(t *testing.T, tg *Target) {
	t.Helper()
	disk, err := LoadState(tg.Path(), "dev")
	if err != nil {
		t.Fatalf("read the state back: %v", err)
	}
	want, err := json.Marshal(disk)
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	if err := tg.view(context.Background(), func(st *State) { got, err = json.Marshal(st) }); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("state on disk differs from the target's (%v):\n disk %s\n mem  %s", err, want, got)
	}
}

func open(t *testing.T, dir string, opts Options) *Target {
	t.Helper()
	if opts.ExternalTables == nil {
		opts.ExternalTables = []string{"raw_orders"}
	}
	tg, err := Open(dir, "dev", opts)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func TestTargetBehaviour(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		steps []step
	}{
		{
			name: "ddl completes, dml runs",
			steps: []step{
				{do: "ddl", name: "ddl-orders", table: "orders", sql: ddlOrders, wantPhase: deployers.PhaseCompleted},
				{do: "dml", name: "dml-orders", table: "orders", sql: dmlOrders, wantPhase: deployers.PhaseRunning},
			},
		},
		{
			name: "create existing table without IF NOT EXISTS fails",
			steps: []step{
				{do: "ddl", name: "d1", sql: ddlOrdersNoI, wantPhase: deployers.PhaseCompleted},
				{do: "ddl", name: "d2", sql: ddlOrdersNoI, wantPhase: deployers.PhaseFailed, detail: "Table 'orders' already exists in environment dev"},
			},
		},
		{
			name: "create existing table with IF NOT EXISTS completes",
			steps: []step{
				{do: "ddl", name: "d1", sql: ddlOrders, wantPhase: deployers.PhaseCompleted},
				{do: "ddl", name: "d2", sql: ddlOrdersV2, wantPhase: deployers.PhaseCompleted},
			},
		},
		{
			name: "dml into a missing table fails naming it",
			steps: []step{
				{do: "dml", name: "m1", table: "orders", sql: dmlOrders, wantPhase: deployers.PhaseFailed, detail: "Table 'orders' does not exist: the statement inserts into it"},
			},
		},
		{
			name: "dml reading a missing table fails naming it",
			steps: []step{
				{do: "ddl", name: "d1", sql: ddlTotals, wantPhase: deployers.PhaseCompleted},
				{do: "dml", name: "m1", sql: dmlTotals, wantPhase: deployers.PhaseFailed, detail: "Table 'orders' does not exist: the statement reads it"},
			},
		},
		{
			name: "external table counts as existing, qualified or not",
			steps: []step{
				{do: "ddl", name: "d1", sql: ddlOrders, wantPhase: deployers.PhaseCompleted},
				{do: "dml", name: "m1", sql: dmlOrders, wantPhase: deployers.PhaseRunning},
				{do: "stop", name: "m1"},
				{do: "dml", name: "m2", sql: dmlQualified, wantPhase: deployers.PhaseRunning},
			},
		},
		{
			name: "not external without the option",
			opts: Options{ExternalTables: []string{}},
			steps: []step{
				{do: "ddl", name: "d1", sql: ddlOrders, wantPhase: deployers.PhaseCompleted},
				{do: "dml", name: "m1", sql: dmlOrders, wantPhase: deployers.PhaseFailed, detail: "Table 'raw_orders' does not exist"},
			},
		},
		{
			name: "drop of a table read by a running statement is refused until it stops",
			steps: []step{
				{do: "ddl", name: "d1", sql: ddlOrders, wantPhase: deployers.PhaseCompleted},
				{do: "ddl", name: "d2", sql: ddlTotals, wantPhase: deployers.PhaseCompleted},
				{do: "dml", name: "m-totals", sql: dmlTotals, wantPhase: deployers.PhaseRunning},
				{do: "drop", table: "orders", wantErr: "drop table orders: statement m-totals (RUNNING) reads it: stop or delete statement m-totals first", conflict: true},
				{do: "stop", name: "m-totals"},
				{do: "drop", table: "orders"},
				{do: "dml", name: "m-totals-2", sql: dmlTotals, wantPhase: deployers.PhaseFailed, detail: "'orders' does not exist"},
			},
		},
		{
			name: "drop of a table written by a running statement is refused",
			steps: []step{
				{do: "ddl", name: "d1", sql: ddlOrders, wantPhase: deployers.PhaseCompleted},
				{do: "dml", name: "m1", sql: dmlOrders, wantPhase: deployers.PhaseRunning},
				{do: "drop", name: "drop-orders", sql: "DROP TABLE IF EXISTS `orders`", wantErr: "statement m1 (RUNNING) writes it", conflict: true},
				{do: "delete", name: "m1"},
				{do: "drop", name: "drop-orders", sql: "DROP TABLE IF EXISTS `orders`"},
				{do: "ddl", name: "d2", sql: ddlOrdersNoI, wantPhase: deployers.PhaseCompleted},
			},
		},
		{
			name: "drop of a missing table is not an error",
			steps: []step{
				{do: "drop", table: "nothing"},
				{do: "drop", name: "x", sql: "SELECT 1", wantErr: "no table named"},
			},
		},
		{
			name: "statement names: active clash is a conflict, finished ones are replaced",
			steps: []step{
				{do: "ddl", name: "d1", sql: ddlOrders, wantPhase: deployers.PhaseCompleted},
				{do: "ddl", name: "d1", sql: ddlOrders, wantPhase: deployers.PhaseCompleted},
				{do: "dml", name: "m1", sql: dmlOrders, wantPhase: deployers.PhaseRunning},
				{do: "dml", name: "m1", sql: dmlOrders, wantErr: "statement m1 already exists and is RUNNING", conflict: true},
				{do: "stop", name: "m1"},
				{do: "dml", name: "m1", sql: dmlOrders, wantPhase: deployers.PhaseRunning},
				{do: "dml", name: "", sql: dmlOrders, wantErr: "no name"},
			},
		},
		{
			name: "injected failures",
			opts: Options{FailTables: []string{"totals"}},
			steps: []step{
				{do: "ddl", name: "d1", sql: ddlOrders, wantPhase: deployers.PhaseCompleted},
				{do: "ddl", name: "d2", sql: ddlTotals, wantPhase: deployers.PhaseFailed, detail: "injected failure for table totals"},
				{do: "dml", name: "m1", sql: dmlTotals, wantPhase: deployers.PhaseFailed, detail: "injected failure for table totals"},
			},
		},
		{
			name: "SQL errors fail the statement",
			steps: []step{
				{do: "ddl", name: "d1", table: "orders", sql: "CREATE TABLE orders (id STRING", wantPhase: deployers.PhaseFailed, detail: "SQL error in the DDL of table orders"},
				{do: "ddl", name: "d2", table: "orders", sql: "SELECT 1;", wantPhase: deployers.PhaseFailed, detail: "has no CREATE statement"},
				{do: "dml", name: "m1", table: "orders", sql: "INSERT INTO orders VALUES ('unterminated", wantPhase: deployers.PhaseFailed, detail: "SQL error in the DML of table orders"},
				{do: "dml", name: "m2", table: "orders", sql: "SELECT * FROM raw_orders", wantPhase: deployers.PhaseFailed, detail: "writes no table"},
			},
		},
		{
			name: "stop and delete",
			steps: []step{
				{do: "stop", name: "ghost", wantErr: "stop statement ghost: not found"},
				{do: "delete", name: "ghost"},
			},
		},
		{
			name: "DDL with SET statements and a view",
			steps: []step{
				{do: "ddl", name: "d1", sql: "SET 'sql.state-ttl' = '1 d';\n" + ddlOrders, wantPhase: deployers.PhaseCompleted},
				{do: "ddl", name: "v1", sql: "CREATE VIEW big AS SELECT * FROM orders WHERE amount > 10;", wantPhase: deployers.PhaseCompleted},
				{do: "ddl", name: "v2", sql: "CREATE VIEW bad AS SELECT * FROM nowhere;", wantPhase: deployers.PhaseFailed, detail: "Table 'nowhere' does not exist: it is read by the DDL of table bad"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, open(t, t.TempDir(), tt.opts), tt.steps)
		})
	}
}

func TestCatalogAndState(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(time.Second); return now }
	tg := open(t, dir, Options{Now: clock})
	run(t, tg, []step{
		{do: "ddl", name: "ddl-orders", sql: ddlOrders, wantPhase: deployers.PhaseCompleted},
		{do: "ddl", name: "ddl-totals", sql: ddlTotals, wantPhase: deployers.PhaseCompleted},
		{do: "dml", name: "old-name-dml-totals", sql: dmlTotals, wantPhase: deployers.PhaseRunning},
		{do: "stop", name: "old-name-dml-totals"},
		{do: "dml", name: "dml-orders", sql: dmlOrders, wantPhase: deployers.PhaseRunning},
		{do: "dml", name: "dml-orders-ignored", sql: "INSERT INTO orders SELECT 'x', 1.0;", wantPhase: deployers.PhaseRunning},
	})
	snap, err := tg.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cols := snap.Tables["orders"].Columns
	if len(cols) != 2 || cols[0].Name != "id" || !cols[0].NotNull || cols[1].Type != "DECIMAL(10, 2)" {
		t.Errorf("orders columns = %+v", cols)
	}
	if snap.Tables["orders"].Statement != "ddl-orders" {
		t.Errorf("orders created by %q", snap.Tables["orders"].Statement)
	}
	if snap.Serial != 6 {
		t.Errorf("serial = %d after 6 writes", snap.Serial)
	}

	got, err := tg.State(context.Background(), []deployers.TableRef{
		{Table: "orders", DDLName: "ddl-orders", DMLName: "dml-orders"},
		{Table: "totals", DDLName: "ddl-totals", DMLName: "new-name-dml-totals"},
		{Table: "missing", DMLName: "dml-missing"},
	})
	if err != nil {
		t.Fatal(err)
	}
	o := got["orders"]
	if !o.Exists || o.DDL != strings.TrimSuffix(ddlOrders, ";") || o.DML == nil || o.DML.Name != "dml-orders" || o.DML.Phase != deployers.PhaseRunning || o.DML.SQL != dmlOrders {
		t.Errorf("orders state = %+v dml %+v", o, o.DML)
	}
	if tt := got["totals"]; !tt.Exists || tt.DML == nil || tt.DML.Name != "old-name-dml-totals" || tt.DML.Phase != deployers.PhaseStopped {
		t.Errorf("totals state = %+v dml %+v (want the stopped statement found by table)", tt, tt.DML)
	}
	if m := got["missing"]; m.Exists || m.DML != nil || m.Table != "missing" {
		t.Errorf("missing state = %+v", m)
	}

	list, err := tg.ListStatements(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range list {
		names = append(names, s.Name)
	}
	want := "ddl-orders ddl-totals dml-orders dml-orders-ignored old-name-dml-totals"
	if strings.Join(names, " ") != want {
		t.Errorf("ListStatements = %v, want %s", names, want)
	}
	if list[0].Kind != deployers.KindDDL || list[0].CreatedAt.IsZero() || list[0].Table != "orders" {
		t.Errorf("first statement = %+v", list[0])
	}
}

// TestSharedStateFile: two Target values on one directory (as two
// processes taking turns) see each other's changes, because every
// operation re-reads the file.
func TestSharedStateFile(t *testing.T) {
	dir := t.TempDir()
	a, b := open(t, dir, Options{}), open(t, dir, Options{})
	run(t, a, []step{{do: "ddl", name: "d1", sql: ddlOrders, wantPhase: deployers.PhaseCompleted}})
	run(t, b, []step{
		{do: "dml", name: "m1", sql: dmlOrders, wantPhase: deployers.PhaseRunning},
		{do: "ddl", name: "d2", sql: ddlOrdersNoI, wantPhase: deployers.PhaseFailed, detail: "already exists"},
	})
	run(t, a, []step{{do: "drop", table: "orders", wantErr: "statement m1 (RUNNING) writes it", conflict: true}})
	snap, err := b.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if snap.Serial != 3 || snap.Version != StateVersion || snap.Environment != "dev" {
		t.Errorf("serial %d version %d env %q", snap.Serial, snap.Version, snap.Environment)
	}
	// Closing the target that wrote the journal folds it into the state
	// file, which alone is then current; the previous snapshot stays as
	// .bak.
	for _, tg := range []*Target{a, b} {
		if err := tg.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for file, serial := range map[string]int64{StatePath(dir, "dev"): 3, StatePath(dir, "dev") + ".bak": 1} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if st, err := DecodeState(data); err != nil || st.Serial != serial {
			t.Errorf("%s: serial %v (%v), want %d", file, st, err, serial)
		}
	}
	if fi, err := os.Stat(JournalPath(StatePath(dir, "dev"))); err != nil || fi.Size() != 0 {
		t.Errorf("journal after close: %v, want empty", err)
	}
}

// TestConcurrentCalls: parallel calls from one process (the executor's
// goroutines) lose no update.
func TestConcurrentCalls(t *testing.T) {
	tg := open(t, t.TempDir(), Options{Latency: time.Millisecond})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := "t" + string(rune('a'+i))
			sql := "CREATE TABLE " + name + " (id STRING);"
			if _, err := tg.CreateTable(context.Background(), deployers.StatementRequest{Name: "ddl-" + name, SQL: sql}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	snap, err := tg.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Tables) != 20 || len(snap.Statements) != 20 || snap.Serial != 20 {
		t.Errorf("tables %d statements %d serial %d, want 20 each", len(snap.Tables), len(snap.Statements), snap.Serial)
	}
}

// TestConcurrentReadersAndWriters: readers never see a state being
// changed (run with -race).
func TestConcurrentReadersAndWriters(t *testing.T) {
	ctx := context.Background()
	tg := open(t, t.TempDir(), Options{NoSync: true})
	run(t, tg, []step{{do: "ddl", name: "d", sql: ddlOrders}, {do: "dml", name: "m0", sql: dmlOrders}})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range 30 {
			name := "w" + string(rune('a'+i))
			if _, err := tg.StartStatement(ctx, deployers.StatementRequest{Name: name, SQL: dmlOrders, Properties: map[string]string{"k": "v"}}); err != nil {
				t.Error(err)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for range 30 {
			st, err := tg.State(ctx, []deployers.TableRef{{Table: "orders", DMLName: "m0"}})
			if err != nil || st["orders"].DML == nil {
				t.Errorf("State: %v %+v", err, st)
			}
			list, err := tg.ListStatements(ctx)
			if err != nil {
				t.Error(err)
			}
			for _, s := range list {
				if s.Properties != nil {
					s.Properties["k"] = "changed by a caller"
				}
			}
			if _, err := tg.Wait(ctx, "m0", []deployers.Phase{deployers.PhaseRunning}, time.Second); err != nil {
				t.Error(err)
			}
		}
	}()
	wg.Wait()
	list, err := tg.ListStatements(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 32 {
		t.Errorf("%d statements, want 32", len(list))
	}
	for _, s := range list {
		if s.Properties["k"] == "changed by a caller" {
			t.Errorf("statement %s: a caller's change reached the state", s.Name)
		}
	}
}

func TestWait(t *testing.T) {
	ctx := context.Background()
	all := []deployers.Phase{deployers.PhaseRunning}
	tests := []struct {
		name    string
		opts    Options
		setup   []step
		wait    string
		want    []deployers.Phase
		timeout time.Duration
		phase   deployers.Phase
		errIs   error
		errText string
	}{
		{name: "running", setup: []step{{do: "ddl", name: "d", sql: ddlOrders}, {do: "dml", name: "m", sql: dmlOrders}}, wait: "m", want: all, phase: deployers.PhaseRunning},
		{name: "completed", setup: []step{{do: "ddl", name: "d", sql: ddlOrders}}, wait: "d", want: []deployers.Phase{deployers.PhaseCompleted}, phase: deployers.PhaseCompleted},
		{name: "failed", setup: []step{{do: "dml", name: "m", sql: dmlOrders}}, wait: "m", want: all, phase: deployers.PhaseFailed, errText: "statement m is FAILED: Table 'orders' does not exist"},
		{name: "stopped is not running", setup: []step{{do: "ddl", name: "d", sql: ddlOrders}, {do: "dml", name: "m", sql: dmlOrders}, {do: "stop", name: "m"}}, wait: "m", want: all, phase: deployers.PhaseStopped, errText: "statement is STOPPED, expected RUNNING"},
		{name: "missing", wait: "nope", want: all, errIs: deployers.ErrNotFound},
		{name: "start delay waited for", opts: Options{StartDelay: 60 * time.Millisecond}, setup: []step{{do: "ddl", name: "d", sql: ddlOrders}}, wait: "d", want: []deployers.Phase{deployers.PhaseCompleted}, timeout: 5 * time.Second, phase: deployers.PhaseCompleted},
		{name: "start delay beyond timeout", opts: Options{StartDelay: time.Hour}, setup: []step{{do: "ddl", name: "d", sql: ddlOrders}}, wait: "d", want: []deployers.Phase{deployers.PhaseCompleted}, timeout: 30 * time.Millisecond, phase: deployers.PhasePending, errIs: deployers.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := open(t, t.TempDir(), tt.opts)
			run(t, tg, tt.setup)
			start := time.Now()
			got, err := tg.Wait(ctx, tt.wait, tt.want, tt.timeout)
			if tt.errIs != nil && !errors.Is(err, tt.errIs) {
				t.Fatalf("err = %v, want %v", err, tt.errIs)
			}
			if tt.errText != "" {
				var se *deployers.StatementError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("err = %v, want StatementError containing %q", err, tt.errText)
				}
			}
			if tt.errIs == nil && tt.errText == "" && err != nil {
				t.Fatal(err)
			}
			if got.Phase != tt.phase {
				t.Errorf("phase = %s, want %s", got.Phase, tt.phase)
			}
			if tt.opts.StartDelay > 0 && tt.timeout < tt.opts.StartDelay && time.Since(start) < tt.timeout {
				t.Errorf("returned after %v, before the timeout %v", time.Since(start), tt.timeout)
			}
		})
	}
}

func TestContextCancelled(t *testing.T) {
	tg := open(t, t.TempDir(), Options{Latency: time.Hour, StartDelay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := tg.CreateTable(ctx, deployers.StatementRequest{Name: "d", SQL: ddlOrders})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("CreateTable err = %v, want deadline", err)
	}
	if _, err := os.Stat(tg.Path()); !os.IsNotExist(err) {
		t.Errorf("a cancelled call wrote the state: %v", err)
	}
	tg2 := open(t, t.TempDir(), Options{StartDelay: time.Hour})
	run(t, tg2, []step{{do: "ddl", name: "d", sql: ddlOrders}})
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if _, err := tg2.Wait(ctx2, "d", []deployers.Phase{deployers.PhaseCompleted}, time.Hour); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait err = %v, want deadline", err)
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	for _, env := range []string{"", "..", "a/b", "x y"} {
		if _, err := Open(dir, env, Options{}); err == nil {
			t.Errorf("Open(env %q) succeeded", env)
		}
	}
	tg, err := Open(filepath.Join(dir, "new", "state"), "prod-1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := tg.Info(); got.Target != "local" || got.Environment != "prod-1" {
		t.Errorf("Info = %+v", got)
	}
	if tg.LockPath() != filepath.Join(dir, "new", "state", "local-prod-1.lock") || tg.Path() != filepath.Join(dir, "new", "state", "local-prod-1.json") {
		t.Errorf("paths %s %s", tg.Path(), tg.LockPath())
	}
	// Reading leaves no trace: the state directory is made by the first change.
	ctx := context.Background()
	if _, err := tg.ListStatements(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tg.State(ctx, []deployers.TableRef{{Table: "orders", DDLName: "d", DMLName: "m"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "new")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("reading created the state directory (stat: %v)", err)
	}
	if _, err := tg.CreateTable(ctx, deployers.StatementRequest{Name: "d", SQL: ddlOrders}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tg.Path()); err != nil {
		t.Errorf("after a change: %v", err)
	}
}

func TestCorruptStateIsNeverReset(t *testing.T) {
	dir := t.TempDir()
	tg := open(t, dir, Options{})
	run(t, tg, []step{
		{do: "ddl", name: "d1", sql: ddlOrders, wantPhase: deployers.PhaseCompleted},
		{do: "ddl", name: "d2", sql: ddlTotals, wantPhase: deployers.PhaseCompleted},
	})
	if err := tg.Close(context.Background()); err != nil { // the snapshot is now serial 2, its backup serial 1
		t.Fatal(err)
	}
	path := tg.Path()
	bad := []byte(`{"version": 1, "serial": 2, "tables": {"orders": `)
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := tg.CreateTable(context.Background(), deployers.StatementRequest{Name: "d3", SQL: ddlTotals})
	var ce *CorruptStateError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want CorruptStateError", err)
	}
	for _, want := range []string{path, "left untouched", "cp " + path + ".bak " + path, "remove " + JournalPath(path)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if got, _ := os.ReadFile(path); string(got) != string(bad) {
		t.Error("the corrupt file was changed")
	}
	reopened, err := Open(dir, "dev", Options{})
	if err != nil {
		t.Fatalf("Open reads the state: %v", err)
	}
	if _, err := reopened.ListStatements(context.Background()); !errors.As(err, &ce) {
		t.Errorf("ListStatements on a corrupt state = %v", err)
	}
	// The backup is the previous snapshot.
	data, err := os.ReadFile(path + ".bak")
	if err != nil {
		t.Fatal(err)
	}
	st, err := DecodeState(data)
	if err != nil || st.Serial != 1 || st.Tables["orders"] == nil {
		t.Errorf("backup: %v serial %v", err, st)
	}

	// A state file deleted by hand while its backup remains is not a reset.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := reopened.State(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "is missing but its backup") {
		t.Errorf("State without state file but with backup = %v", err)
	}
}

func TestDecodeState(t *testing.T) {
	tests := []struct {
		name, data, wantErr string
	}{
		{name: "minimal", data: `{"version":1}`},
		{name: "full", data: `{"version":1,"serial":3,"environment":"dev","tables":{"a":{"name":"a","ddl":"CREATE TABLE a (x INT)"}},"statements":{"s":{"name":"s","phase":"RUNNING","reads":["a"]}}}`},
		{name: "not json", data: `hello`, wantErr: "invalid JSON"},
		{name: "trailing", data: `{"version":1} {}`, wantErr: "after the JSON object"},
		{name: "no version", data: `{"serial":1}`, wantErr: "no \"version\""},
		{name: "future", data: `{"version":9}`, wantErr: "newer shiftleft"},
		{name: "negative serial", data: `{"version":1,"serial":-1}`, wantErr: "invalid serial"},
		{name: "table key mismatch", data: `{"version":1,"tables":{"a":{"name":"b"}}}`, wantErr: `table entry "a"`},
		{name: "null table", data: `{"version":1,"tables":{"a":null}}`, wantErr: `table entry "a"`},
		{name: "statement without phase", data: `{"version":1,"statements":{"s":{"name":"s"}}}`, wantErr: `statement "s": no phase`},
		{name: "wrong type", data: `{"version":"1"}`, wantErr: "invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := DecodeState([]byte(tt.data))
			if tt.wantErr == "" {
				if err != nil || st.Tables == nil || st.Statements == nil {
					t.Fatalf("DecodeState: %v %+v", err, st)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
