package executor

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// fake is a test double of deployers.Target (the executor's contract is
// the interface): every call takes latency, tables and statements live in
// memory, and failures can be injected per table.
type fake struct {
	latency time.Duration
	// failDML makes the DML of these tables go FAILED with the detail.
	failDML map[string]string
	// pendingDML keeps the DML of these tables PENDING forever.
	pendingDML map[string]bool

	seq         atomic.Int64
	inflight    atomic.Int64
	maxInflight atomic.Int64

	mu         sync.Mutex
	tables     map[string]string // table → DDL
	statements map[string]deployers.Statement
	firstCall  map[string]int64 // table → sequence number of its first call
	finished   map[string]int64 // table → sequence number when its DML reached RUNNING
	creates    map[string]int
	starts     map[string]int
	log        []string
}

func newFake(latency time.Duration) *fake {
	return &fake{
		latency: latency, failDML: map[string]string{}, pendingDML: map[string]bool{},
		tables: map[string]string{}, statements: map[string]deployers.Statement{},
		firstCall: map[string]int64{}, finished: map[string]int64{},
		creates: map[string]int{}, starts: map[string]int{},
	}
}

// tableOf reads the table back from the test naming "<kind>-<table>".
func tableOf(name string) string {
	_, t, _ := strings.Cut(name, "-")
	return strings.ReplaceAll(t, "-", "_")
}

func (f *fake) call(ctx context.Context, what, name string) error {
	n := f.inflight.Add(1)
	defer f.inflight.Add(-1)
	for {
		m := f.maxInflight.Load()
		if n <= m || f.maxInflight.CompareAndSwap(m, n) {
			break
		}
	}
	seq := f.seq.Add(1)
	f.mu.Lock()
	if _, ok := f.firstCall[tableOf(name)]; !ok {
		f.firstCall[tableOf(name)] = seq
	}
	f.log = append(f.log, what+" "+name)
	f.mu.Unlock()
	select {
	case <-time.After(f.latency):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *fake) Info() deployers.Info { return deployers.Info{Target: "fake", Environment: "test"} }

func (f *fake) State(ctx context.Context, refs []deployers.TableRef) (map[string]deployers.TableState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]deployers.TableState{}
	for _, r := range refs {
		ddl, ok := f.tables[r.Table]
		st := deployers.TableState{Table: r.Table, Exists: ok, DDL: ddl}
		if s, ok := f.statements[r.DMLName]; ok {
			st.DML = &s
		}
		out[r.Table] = st
	}
	return out, nil
}

func (f *fake) CreateTable(ctx context.Context, req deployers.StatementRequest) (deployers.Statement, error) {
	if err := f.call(ctx, "create", req.Name); err != nil {
		return deployers.Statement{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.tables[req.Table]; ok {
		return deployers.Statement{}, fmt.Errorf("table %s already exists", req.Table)
	}
	f.creates[req.Table]++
	f.tables[req.Table] = req.SQL
	s := deployers.Statement{Name: req.Name, Table: req.Table, Kind: req.Kind, Phase: deployers.PhaseCompleted, SQL: req.SQL}
	f.statements[req.Name] = s
	return s, nil
}

func (f *fake) DropTable(ctx context.Context, req deployers.StatementRequest) error {
	if err := f.call(ctx, "drop", req.Name); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.statements {
		if s.Kind == deployers.KindDML && s.Phase.Healthy() && strings.Contains(s.SQL, "FROM "+req.Table) {
			return fmt.Errorf("statement %s reads %s: stop it first", s.Name, req.Table)
		}
	}
	delete(f.tables, req.Table)
	return nil
}

func (f *fake) StartStatement(ctx context.Context, req deployers.StatementRequest) (deployers.Statement, error) {
	if err := f.call(ctx, "start", req.Name); err != nil {
		return deployers.Statement{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.statements[req.Name]; ok {
		return deployers.Statement{}, fmt.Errorf("statement %s already exists (409)", req.Name)
	}
	f.starts[req.Table]++
	s := deployers.Statement{Name: req.Name, Table: req.Table, Kind: req.Kind, Phase: deployers.PhaseRunning, SQL: req.SQL}
	if d, ok := f.failDML[req.Table]; ok {
		s.Phase, s.Detail = deployers.PhaseFailed, d
	}
	if f.pendingDML[req.Table] {
		s.Phase = deployers.PhasePending
	}
	f.statements[req.Name] = s
	return s, nil
}

func (f *fake) StopStatement(ctx context.Context, name string) error {
	return f.call(ctx, "stop", name)
}

func (f *fake) DeleteStatement(ctx context.Context, name string) error {
	if err := f.call(ctx, "delete", name); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.statements[name]; !ok {
		return fmt.Errorf("statement %s: %w", name, deployers.ErrNotFound)
	}
	delete(f.statements, name)
	return nil
}

func (f *fake) Wait(ctx context.Context, name string, want []deployers.Phase, timeout time.Duration) (deployers.Statement, error) {
	deadline := time.Now().Add(timeout)
	for {
		if err := f.call(ctx, "wait", name); err != nil {
			return deployers.Statement{}, err
		}
		f.mu.Lock()
		s, ok := f.statements[name]
		f.mu.Unlock()
		switch {
		case !ok:
			return s, fmt.Errorf("statement %s: %w", name, deployers.ErrNotFound)
		case s.Phase == deployers.PhaseFailed:
			return s, &deployers.StatementError{Name: name, Phase: s.Phase, Detail: s.Detail}
		}
		for _, w := range want {
			if s.Phase == w {
				if s.Kind == deployers.KindDML {
					seq := f.seq.Add(1)
					f.mu.Lock()
					f.finished[s.Table] = seq
					f.mu.Unlock()
				}
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("statement %s still %s after %s: %w", name, s.Phase, timeout, deployers.ErrTimeout)
		}
	}
}

func (f *fake) ListStatements(ctx context.Context) ([]deployers.Statement, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []deployers.Statement
	for _, s := range f.statements {
		out = append(out, s)
	}
	return out, nil
}

// generate builds a layered random DAG: levels × width tables, every table
// below the top reading one table of the level above and up to two of any
// level above, so the depth is exactly levels.
func generate(t testing.TB, levels, width int, seed int64) *dag.Graph {
	rng := rand.New(rand.NewSource(seed))
	p := &pipeline.Project{ByName: map[string]*pipeline.Table{}}
	name := func(l, i int) string { return fmt.Sprintf("t%d_%03d", l, i) }
	for l := 0; l < levels; l++ {
		for i := 0; i < width; i++ {
			tb := &pipeline.Table{Name: name(l, i), Type: pipeline.TypeIntermediate, Product: "p", DDLPath: "ddl", DMLPath: "dml"}
			if l > 0 {
				set := map[string]bool{name(l-1, rng.Intn(width)): true}
				for k := rng.Intn(3); k > 0; k-- {
					set[name(rng.Intn(l), rng.Intn(width))] = true
				}
				for n := range set {
					tb.Parents = append(tb.Parents, n)
				}
				sort.Strings(tb.Parents)
			}
			p.Tables = append(p.Tables, tb)
			p.ByName[tb.Name] = tb
		}
	}
	g, err := dag.Build(p)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

var naming = plan.Naming{Template: "{kind}-{table}"}

// sqlFor reads every parent, so the fake refuses to drop a table whose
// readers still run.
func sqlFor(g *dag.Graph) func(string) (string, string, error) {
	return func(table string) (string, string, error) {
		dml := "INSERT INTO " + table + " SELECT 1"
		for _, p := range g.Parents(table) {
			dml += " FROM " + p
		}
		return "CREATE TABLE " + table + " (id INT)", dml, nil
	}
}

func planFor(t testing.TB, g *dag.Graph, f *fake, selected []string) *plan.Plan {
	t.Helper()
	var tables []*pipeline.Table
	for _, n := range g.Names() {
		tables = append(tables, g.Table(n))
	}
	refs, err := plan.TableRefs(tables, naming)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.State(context.Background(), refs)
	sql := sqlFor(g)
	p, err := plan.Build(context.Background(), g, plan.Inputs{
		Selected: selected, State: st, Naming: naming, Now: time.Unix(0, 0),
		SQL: func(tb *pipeline.Table) (string, string, error) { return sql(tb.Name) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOrderingAndParallelism(t *testing.T) {
	g := generate(t, 6, 10, 1)
	f := newFake(2 * time.Millisecond)
	p := planFor(t, g, f, g.Names())
	var mu sync.Mutex
	running, maxRunning := 0, 0
	res, err := Run(context.Background(), f, p, Options{MaxParallel: 3, SQL: sqlFor(g), OnEvent: func(ev Event) {
		mu.Lock()
		defer mu.Unlock()
		switch ev.Kind {
		case EventStarted:
			running++
			if running > maxRunning {
				maxRunning = running
			}
			if len(ev.Running) != running {
				t.Errorf("event lists %d running, counted %d", len(ev.Running), running)
			}
		case EventSucceeded, EventFailed:
			running--
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || res.Err() != nil {
		t.Fatalf("run failed: %v", res.Err())
	}
	if len(res.Steps) != 60 {
		t.Fatalf("%d steps, want 60", len(res.Steps))
	}
	if maxRunning > 3 || f.maxInflight.Load() > 3 {
		t.Errorf("parallelism exceeded: %d steps, %d calls at once (max 3)", maxRunning, f.maxInflight.Load())
	}
	if maxRunning < 2 {
		t.Errorf("never ran steps side by side (max %d)", maxRunning)
	}
	for _, s := range p.Steps {
		for _, a := range s.After {
			if f.firstCall[s.Table] < f.finished[a] {
				t.Errorf("%s started (call %d) before %s was RUNNING (call %d)", s.Table, f.firstCall[s.Table], a, f.finished[a])
			}
		}
		if f.creates[s.Table] != 1 || f.starts[s.Table] != 1 {
			t.Errorf("%s: %d creates, %d starts", s.Table, f.creates[s.Table], f.starts[s.Table])
		}
	}
	// A rerun plans nothing.
	if again := planFor(t, g, f, g.Names()); again.HasChanges() {
		t.Errorf("rerun plans changes: %+v", again.Summary)
	}
}

func TestFailurePropagation(t *testing.T) {
	g := generate(t, 4, 6, 2)
	for _, failFast := range []bool{false, true} {
		t.Run(fmt.Sprintf("failfast=%v", failFast), func(t *testing.T) {
			f := newFake(time.Millisecond)
			bad := "t1_002"
			f.failDML[bad] = "Table 'nope' not found"
			p := planFor(t, g, f, g.Names())
			parallel := 4
			if failFast {
				parallel = 1
			}
			res, err := Run(context.Background(), f, p, Options{MaxParallel: parallel, FailFast: failFast, SQL: sqlFor(g)})
			if err != nil {
				t.Fatal(err)
			}
			desc := g.Descendants([]string{bad}, 0)
			for _, s := range res.Steps {
				_, isDesc := desc[s.Table]
				switch {
				case s.Table == bad:
					var se *deployers.StatementError
					if s.Status != StatusFailed || !errors.As(s.Err, &se) || se.Detail != "Table 'nope' not found" {
						t.Errorf("%s: %s %v, want failed with the statement's detail", s.Table, s.Status, s.Err)
					}
				case isDesc:
					if s.Status != StatusBlocked || len(s.BlockedBy) != 1 || s.BlockedBy[0] != bad {
						t.Errorf("%s: %s (blocked by %q), want blocked by %s", s.Table, s.Status, s.BlockedBy, bad)
					}
					if _, called := f.firstCall[s.Table]; called {
						t.Errorf("%s was touched although blocked", s.Table)
					}
				case failFast:
					if s.Status == StatusFailed || s.Status == StatusBlocked {
						t.Errorf("%s: %s", s.Table, s.Status)
					}
				default:
					if s.Status != StatusSucceeded {
						t.Errorf("independent %s: %s, want succeeded", s.Table, s.Status)
					}
				}
			}
			if failFast && res.Count(StatusNotStarted) == 0 {
				t.Error("fail-fast started every table")
			}
			var de *DeployError
			if err := res.Err(); !errors.As(err, &de) || len(de.Failures) != 1 || de.Failures[0].Table != bad {
				t.Fatalf("Err() = %v, want only the root failure %s", err, bad)
			}
			if !strings.Contains(res.Err().Error(), "Table 'nope' not found") {
				t.Errorf("error lacks the statement detail: %v", res.Err())
			}
		})
	}
}

func TestCancelAndResume(t *testing.T) {
	g := generate(t, 5, 8, 3)
	f := newFake(3 * time.Millisecond)
	p := planFor(t, g, f, g.Names())
	ctx, cancel := context.WithCancel(context.Background())
	started := 0
	res, err := Run(ctx, f, p, Options{MaxParallel: 4, SQL: sqlFor(g), Grace: time.Minute, OnEvent: func(ev Event) {
		if ev.Kind == EventStarted {
			started++
			if started == 10 {
				cancel()
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.OK() {
		t.Fatalf("interrupted run reported success")
	}
	// Steps running at the cancel finished within the grace period; none
	// started after it.
	if n := res.Count(StatusSucceeded); n != started {
		t.Errorf("%d succeeded, %d started: running steps must finish in the grace period", n, started)
	}
	if n := res.Count(StatusNotStarted); n != len(res.Steps)-started {
		t.Errorf("%d not started, want %d", n, len(res.Steps)-started)
	}
	// Rerun: plan from the target's state, finish the job, nothing twice.
	again := planFor(t, g, f, g.Names())
	if got, want := again.Summary.Create, len(res.Steps)-started; got != want {
		t.Errorf("rerun plans %d creates, want %d", got, want)
	}
	res2, err := Run(context.Background(), f, again, Options{MaxParallel: 4, SQL: sqlFor(g)})
	if err != nil || !res2.OK() {
		t.Fatalf("resume: %v %v", err, res2.Err())
	}
	for _, n := range g.Names() {
		if f.creates[n] != 1 || f.starts[n] != 1 {
			t.Errorf("%s: %d creates, %d starts, want 1 each", n, f.creates[n], f.starts[n])
		}
	}
}

func TestGraceCancelsStuckSteps(t *testing.T) {
	g := generate(t, 1, 3, 4)
	f := newFake(time.Millisecond)
	f.pendingDML["t0_001"] = true
	p := planFor(t, g, f, g.Names())
	ctx, cancel := context.WithCancel(context.Background())
	res, err := Run(ctx, f, p, Options{MaxParallel: 3, SQL: sqlFor(g), Grace: 20 * time.Millisecond, OnEvent: func(ev Event) {
		if ev.Kind == EventSucceeded {
			cancel()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Steps[1]
	if s.Table != "t0_001" || s.Status != StatusInterrupted || !errors.Is(s.Err, context.Canceled) {
		t.Fatalf("stuck step: %+v, want interrupted (context.Canceled) after the grace period", s)
	}
}

func TestStatementTimeout(t *testing.T) {
	g := generate(t, 2, 1, 5)
	f := newFake(time.Millisecond)
	f.pendingDML["t0_000"] = true
	p := planFor(t, g, f, g.Names())
	res, err := Run(context.Background(), f, p, Options{SQL: sqlFor(g), StatementTimeout: 30 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(res.Steps[0].Err, deployers.ErrTimeout) || res.Steps[1].Status != StatusBlocked {
		t.Fatalf("steps: %+v", res.Steps)
	}
}

// TestRecreateOrder checks the statements of a recreate: readers' DML and
// the table's DML go before the drop, then DDL, then DML.
func TestRecreateOrder(t *testing.T) {
	g := generate(t, 2, 1, 6)
	f := newFake(0)
	first := planFor(t, g, f, g.Names())
	if res, _ := Run(context.Background(), f, first, Options{SQL: sqlFor(g)}); !res.OK() {
		t.Fatal(res.Err())
	}
	f.mu.Lock()
	f.tables["t0_000"] = "CREATE TABLE t0_000 (id BIGINT)" // the file changed since
	f.log = nil
	f.mu.Unlock()
	p := planFor(t, g, f, []string{"t0_000"})
	if p.Step("t0_000").Action != plan.ActionRecreate || p.Step("t1_000").Action != plan.ActionRestart {
		t.Fatalf("plan: %+v", p.Steps)
	}
	res, err := Run(context.Background(), f, p, Options{SQL: sqlFor(g)})
	if err != nil || !res.OK() {
		t.Fatalf("%v %v", err, res.Err())
	}
	want := []string{
		"delete dml-t0-000", "delete dml-t1-000", "drop drop-t0-000",
		"delete ddl-t0-000", "create ddl-t0-000", "wait ddl-t0-000", "start dml-t0-000", "wait dml-t0-000",
		"delete dml-t1-000", "start dml-t1-000", "wait dml-t1-000",
	}
	if strings.Join(f.log, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(f.log, "\n"), strings.Join(want, "\n"))
	}
}

func TestUndeploy(t *testing.T) {
	g := generate(t, 3, 2, 7)
	f := newFake(0)
	if res, _ := Run(context.Background(), f, planFor(t, g, f, g.Names()), Options{SQL: sqlFor(g)}); !res.OK() {
		t.Fatal(res.Err())
	}
	var tables []*pipeline.Table
	for _, n := range g.Names() {
		tables = append(tables, g.Table(n))
	}
	refs, _ := plan.TableRefs(tables, naming)
	st, _ := f.State(context.Background(), refs)
	sql := sqlFor(g)
	p, err := plan.BuildUndeploy(context.Background(), g, plan.Inputs{Selected: g.Names(), State: st, Naming: naming,
		SQL: func(tb *pipeline.Table) (string, string, error) { return sql(tb.Name) }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), f, p, Options{SQL: sqlFor(g)})
	if err != nil || !res.OK() {
		t.Fatalf("%v %v", err, res.Err())
	}
	if len(f.tables) != 0 || len(f.statements) != 0 {
		t.Errorf("left behind: %v %v", f.tables, f.statements)
	}
}

func TestRunRejectsBadPlan(t *testing.T) {
	p := &plan.Plan{Steps: []plan.Step{{Table: "a", Action: plan.ActionCreate, After: []string{"ghost"}}}}
	if _, err := Run(context.Background(), newFake(0), p, Options{SQL: sqlFor(nil)}); err == nil || !strings.Contains(err.Error(), "ghost") {
		t.Fatalf("err = %v", err)
	}
}

func TestAlreadyCancelled(t *testing.T) {
	g := generate(t, 2, 3, 8)
	f := newFake(0)
	p := planFor(t, g, f, g.Names())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Run(ctx, f, p, Options{SQL: sqlFor(g)})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.Count(StatusNotStarted) != len(res.Steps) || len(f.log) != 0 {
		t.Fatalf("a cancelled run started work: %+v, calls %v", res, f.log)
	}
}
