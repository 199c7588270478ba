package workspace_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/local"
	"github.com/shiftleft-dev/shiftleft/executor"
	"github.com/shiftleft-dev/shiftleft/internal/testfs"
	"github.com/shiftleft-dev/shiftleft/plan"
	"github.com/shiftleft-dev/shiftleft/release"
	"github.com/shiftleft-dev/shiftleft/selector"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// releaseEnv is a copy of the samples deployed to a local target in a
// temporary state directory, with a clock the test moves.
type releaseEnv struct {
	t        *testing.T
	dir      string
	stateDir string
	now      time.Time
	latency  time.Duration
}

func newReleaseEnv(t *testing.T) *releaseEnv {
	t.Helper()
	dir := t.TempDir()
	testfs.CopyTree(t, testfs.SamplesDir(), filepath.Join(dir, "pipelines"))
	e := &releaseEnv{t: t, dir: dir, stateDir: filepath.Join(dir, ".shiftleft"), now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	ws := e.open()
	res, err := ws.Deploy(context.Background(), workspace.DeployRequest{Selection: e.sel("product:saleops")})
	if err != nil || !res.Result.OK() {
		t.Fatalf("deploy: %v %v", err, res.Result.Err())
	}
	return e
}

// open scans the pipelines again (after an edit) and opens the workspace.
func (e *releaseEnv) open() *workspace.Workspace {
	e.t.Helper()
	ws, err := workspace.Open(context.Background(), workspace.Options{
		PipelinesDir: filepath.Join(e.dir, "pipelines"), KeepSQL: true, WorkDir: e.dir,
		Target: workspace.TargetOptions{Environment: "dev", StateDir: e.stateDir, LocalLatency: e.latency},
		Now:    func() time.Time { return e.now },
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = ws.Close(context.Background()) })
	return ws
}

func (e *releaseEnv) sel(s string) workspace.Selection {
	return workspace.Selection{Selection: selector.Selection{Select: []string{s}, Root: filepath.Join(e.dir, "pipelines")}}
}

// breakDimension changes the key column's type of the customer dimension:
// a breaking change that recreates it and its stateful readers.
func (e *releaseEnv) breakDimension() {
	e.t.Helper()
	p := filepath.Join(e.dir, "pipelines", "dimensions", "saleops", "saleops_dim_customer", "sql-scripts", "ddl.saleops_dim_customer.sql")
	b, err := os.ReadFile(p)
	if err != nil {
		e.t.Fatal(err)
	}
	out := strings.Replace(string(b), "customer_key STRING NOT NULL", "customer_key VARCHAR(64) NOT NULL", 1)
	if out == string(b) {
		e.t.Fatal("the fixture's key column moved")
	}
	if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func (e *releaseEnv) state() *local.State {
	e.t.Helper()
	lt, err := local.Open(e.stateDir, "dev", local.Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	defer lt.Close(context.Background())
	st, err := lt.Snapshot(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

func (e *releaseEnv) phase(stmt string) deployers.Phase {
	e.t.Helper()
	s, ok := e.state().Statements[stmt]
	if !ok {
		return "MISSING"
	}
	return s.Phase
}

var statementName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

func TestReleaseCycle(t *testing.T) {
	ctx := context.Background()
	e := newReleaseEnv(t)
	e.breakDimension()
	ws := e.open()

	p, _, err := ws.ReleasePlan(ctx, workspace.ReleaseRequest{Name: "r1", Selection: e.sel("saleops_dim_customer")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range p.Release.Versions {
		got[v.Table] = v.New
		for _, n := range []string{v.NewDDL, v.NewDML} {
			if len(n) > 100 || !statementName.MatchString(n) {
				t.Errorf("statement name %q breaks the rules", n)
			}
		}
		if _, exists := e.state().Tables[v.New]; exists || ws.Graph.Has(v.New) {
			t.Errorf("%s collides with an existing table", v.New)
		}
	}
	want := map[string]string{"saleops_dim_customer": "saleops_dim_customer_v2", "saleops_fct_revenue": "saleops_fct_revenue_v2"}
	if len(got) != len(want) || got["saleops_dim_customer"] != want["saleops_dim_customer"] || got["saleops_fct_revenue"] != want["saleops_fct_revenue"] {
		t.Fatalf("versions = %v, want %v", got, want)
	}
	fct := p.Release.Version("saleops_fct_revenue")
	if !strings.Contains(fct.DML, "saleops_dim_customer_v2") || !strings.Contains(fct.DML, "INSERT INTO saleops_fct_revenue_v2") ||
		!strings.Contains(fct.DML, "saleops_dim_product") || strings.Contains(fct.DML, "saleops_dim_product_v") {
		t.Errorf("the fact's DML reads the wrong versions:\n%s", fct.DML)
	}
	if len(p.Live) == 0 {
		t.Error("the plan names no live version read as it is")
	}

	if _, err := ws.ReleaseStart(ctx, workspace.ReleaseRequest{Name: "r1", Selection: e.sel("saleops_dim_customer")}); err != nil {
		t.Fatal(err)
	}
	for _, v := range p.Release.Versions {
		if ph := e.phase(v.OldDML); ph != deployers.PhaseRunning {
			t.Errorf("old %s is %s after start, want RUNNING", v.OldDML, ph)
		}
		if ph := e.phase(v.NewDML); ph != deployers.PhaseRunning {
			t.Errorf("new %s is %s after start, want RUNNING", v.NewDML, ph)
		}
	}

	// A deploy refuses while the release is open, naming it.
	_, err = e.open().Deploy(ctx, workspace.DeployRequest{Selection: e.sel("product:saleops")})
	var open *release.OpenError
	if !errors.As(err, &open) || open.Name != "r1" {
		t.Fatalf("deploy during the release: %v, want the release named", err)
	}

	catch := release.Settings{Settle: time.Minute}
	st, err := e.open().ReleaseStatus(ctx, workspace.ReleaseRequest{Catch: catch})
	if err != nil {
		t.Fatal(err)
	}
	if st.Status.CaughtUp || st.Status.Versions[0].State != release.CatchingUp {
		t.Fatalf("caught up before the settle time: %+v", st.Status.Versions)
	}
	if st.Status.Switch["saleops_dim_customer"] != "saleops_dim_customer_v2" {
		t.Errorf("switch topics = %v", st.Status.Switch)
	}
	var pe *workspace.PromoteError
	if _, err := e.open().ReleasePromote(ctx, workspace.ReleaseRequest{Catch: catch}); !errors.As(err, &pe) {
		t.Fatalf("promote before catch-up: %v, want a refusal", err)
	}
	e.now = e.now.Add(2 * time.Minute)
	if _, err := e.open().ReleasePromote(ctx, workspace.ReleaseRequest{Catch: catch, Keep: 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	for _, v := range p.Release.Versions {
		if ph := e.phase(v.OldDML); ph != deployers.PhaseStopped {
			t.Errorf("old %s is %s after promote, want STOPPED", v.OldDML, ph)
		}
		if _, ok := e.state().Tables[v.Old]; !ok {
			t.Errorf("old table %s dropped by promote", v.Old)
		}
	}
	var fe *workspace.FinalizeError
	if _, err := e.open().ReleaseFinalize(ctx, workspace.ReleaseRequest{}); !errors.As(err, &fe) || fe.KeepUntil.IsZero() {
		t.Fatalf("finalize before the keep time: %v", err)
	}
	e.now = e.now.Add(25 * time.Hour)
	if _, err := e.open().ReleaseFinalize(ctx, workspace.ReleaseRequest{}); err != nil {
		t.Fatal(err)
	}
	tables := e.state().Tables
	for _, v := range p.Release.Versions {
		if _, ok := tables[v.Old]; ok {
			t.Errorf("old table %s kept after finalize", v.Old)
		}
		if _, ok := tables[v.New]; !ok {
			t.Errorf("new table %s gone after finalize", v.New)
		}
	}
	// The live versions match the files: nothing more to release, and
	// the next release versions from _v2.
	if _, _, err := e.open().ReleasePlan(ctx, workspace.ReleaseRequest{Name: "r2", Selection: e.sel("saleops_dim_customer")}); !errors.Is(err, release.ErrNothingToRelease) {
		t.Fatalf("plan after finalize: %v, want nothing to release", err)
	}
	p2, _, err := e.open().ReleasePlan(ctx, workspace.ReleaseRequest{Name: "r2", Selection: e.sel("saleops_dim_customer"), Rules: forceRules()})
	if err != nil {
		t.Fatal(err)
	}
	if v := p2.Release.Version("saleops_dim_customer"); v.Old != "saleops_dim_customer_v2" || v.New != "saleops_dim_customer_v3" {
		t.Errorf("second release: %s → %s, want _v2 → _v3", v.Old, v.New)
	}
}

func TestReleaseRollback(t *testing.T) {
	ctx := context.Background()
	e := newReleaseEnv(t)
	e.breakDimension()
	res, err := e.open().ReleaseStart(ctx, workspace.ReleaseRequest{Name: "r1", Selection: e.sel("saleops_dim_customer")})
	if err != nil {
		t.Fatal(err)
	}
	before := e.state()
	if _, err := e.open().ReleaseRollback(ctx, workspace.ReleaseRequest{Name: "r1"}); err != nil {
		t.Fatal(err)
	}
	after := e.state()
	for _, v := range res.Release.Versions {
		if _, ok := after.Tables[v.New]; ok {
			t.Errorf("new table %s kept by rollback", v.New)
		}
		if _, ok := after.Statements[v.NewDML]; ok {
			t.Errorf("new statement %s kept by rollback", v.NewDML)
		}
		if after.Tables[v.Old] == nil || after.Tables[v.Old].DDL != before.Tables[v.Old].DDL {
			t.Errorf("old table %s touched by rollback", v.Old)
		}
		if ph := after.Statements[v.OldDML].Phase; ph != deployers.PhaseRunning {
			t.Errorf("old %s is %s after rollback", v.OldDML, ph)
		}
	}
	if _, err := e.open().ReleasePromote(ctx, workspace.ReleaseRequest{Name: "r1", Force: true}); err == nil {
		t.Error("a rolled-back release was promoted")
	}
	// Nothing is open: a deploy of unreleased tables runs again.
	if _, err := e.open().Deploy(ctx, workspace.DeployRequest{Selection: e.sel("saleops_dim_product")}); err != nil {
		t.Fatal(err)
	}
}

// TestReleaseStartInterrupted cancels start half-way on a slow local
// target and checks that a rerun finishes it, starting nothing twice.
func TestReleaseStartInterrupted(t *testing.T) {
	e := newReleaseEnv(t)
	e.breakDimension()
	e.latency = 5 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := workspace.ReleaseRequest{Name: "r1", Selection: e.sel("saleops_dim_customer"), Run: executor.Options{Grace: time.Millisecond,
		OnEvent: func(ev executor.Event) {
			if ev.Kind == executor.EventStatement && ev.Message == "submitted" {
				cancel()
			}
		}}}
	res, err := e.open().ReleaseStart(ctx, req)
	if err == nil {
		t.Fatal("the interrupted start reports success")
	}
	if res == nil || res.Release.Phase != release.PhaseStarting {
		t.Fatalf("after the interruption: %v, want the release recorded as starting", res)
	}
	fct := res.Release.Version("saleops_fct_revenue")
	if e.phase(fct.NewDML) == deployers.PhaseRunning {
		t.Fatal("the cut came too late: the whole release started")
	}
	req.Run = executor.Options{}
	res, err = e.open().ReleaseStart(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Release.Phase != release.PhaseStarted {
		t.Fatalf("phase %s after the rerun", res.Release.Phase)
	}
	for _, v := range res.Release.Versions {
		if ph := e.phase(v.NewDML); ph != deployers.PhaseRunning {
			t.Errorf("%s is %s after the rerun", v.NewDML, ph)
		}
		if ph := e.phase(v.OldDML); ph != deployers.PhaseRunning {
			t.Errorf("old %s is %s after the rerun", v.OldDML, ph)
		}
	}
	// A third run has nothing left to do.
	res, err = e.open().ReleaseStart(context.Background(), req)
	if err != nil || res.Run == nil || len(res.Run.Steps) != 0 {
		t.Fatalf("third run: %v, %+v", err, res.Run)
	}
}

func forceRules() plan.Options { return plan.Options{Force: true} }

// cancelAfterStop is the local target, cancelling a context once it has
// stopped one statement: promote is cut between its stops.
type cancelAfterStop struct {
	*local.Target
	cancel func()
}

func (c *cancelAfterStop) StopStatement(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := c.Target.StopStatement(ctx, name)
	c.cancel()
	return err
}

// TestReleasePromoteInterrupted cuts promote after its first stop: the
// release stays promoting with one old DML still running, and a rerun
// stops the rest and records the new versions live.
func TestReleasePromoteInterrupted(t *testing.T) {
	ctx := context.Background()
	e := newReleaseEnv(t)
	e.breakDimension()
	res, err := e.open().ReleaseStart(ctx, workspace.ReleaseRequest{Name: "r1", Selection: e.sel("saleops_dim_customer")})
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ws, err := workspace.Open(ctx, workspace.Options{
		PipelinesDir: filepath.Join(e.dir, "pipelines"), KeepSQL: true, WorkDir: e.dir,
		Target: workspace.TargetOptions{Environment: "dev", StateDir: e.stateDir},
		Now:    func() time.Time { return e.now },
		OpenTarget: func(ctx context.Context, ws *workspace.Workspace) (*workspace.Target, error) {
			lt, err := local.Open(e.stateDir, "dev", local.Options{Now: func() time.Time { return e.now }})
			if err != nil {
				return nil, err
			}
			return &workspace.Target{Target: &cancelAfterStop{Target: lt, cancel: cancel}, LockPath: lt.LockPath()}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close(ctx)
	if _, err := ws.ReleasePromote(cctx, workspace.ReleaseRequest{Force: true}); err == nil || !strings.Contains(err.Error(), "rerun release promote") {
		t.Fatalf("the cut promote: err = %v, want it to say to rerun", err)
	}
	running := 0
	for _, v := range res.Release.Versions {
		if e.phase(v.OldDML) == deployers.PhaseRunning {
			running++
		}
	}
	if running != 1 {
		t.Fatalf("%d old DMLs still run after the cut, want 1 (one stop done)", running)
	}
	st, err := e.open().ReleaseStatus(ctx, workspace.ReleaseRequest{})
	if err != nil || st.Release.Phase != release.PhasePromoting {
		t.Fatalf("after the cut: %v, %v; want the release promoting", st, err)
	}
	if live, _ := e.open().LiveVersions(ctx); live.Versioned() {
		t.Error("the cut promote made the new versions live")
	}

	out, err := e.open().ReleasePromote(ctx, workspace.ReleaseRequest{})
	if err != nil || out.Release.Phase != release.PhasePromoted {
		t.Fatalf("rerun: %v, %v", out, err)
	}
	for _, v := range res.Release.Versions {
		if ph := e.phase(v.OldDML); ph != deployers.PhaseStopped {
			t.Errorf("old %s is %s after the rerun, want STOPPED", v.OldDML, ph)
		}
		if ph := e.phase(v.NewDML); ph != deployers.PhaseRunning {
			t.Errorf("new %s is %s after the rerun", v.NewDML, ph)
		}
	}
	if live, _ := e.open().LiveVersions(ctx); live.Name("saleops_fct_revenue") != "saleops_fct_revenue_v2" {
		t.Error("the rerun did not make the new versions live")
	}
}
