package workspace_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/local"
	"github.com/shiftleft-dev/shiftleft/executor"
	"github.com/shiftleft-dev/shiftleft/internal/testfs"
	"github.com/shiftleft-dev/shiftleft/plan"
	"github.com/shiftleft-dev/shiftleft/selector"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// counting wraps a target and counts the successful submissions per table.
type counting struct {
	deployers.Target
	mu      sync.Mutex
	creates map[string]int
	starts  map[string]int
}

func (c *counting) CreateTable(ctx context.Context, req deployers.StatementRequest) (deployers.Statement, error) {
	s, err := c.Target.CreateTable(ctx, req)
	if err == nil {
		c.mu.Lock()
		c.creates[req.Table]++
		c.mu.Unlock()
	}
	return s, err
}

func (c *counting) StartStatement(ctx context.Context, req deployers.StatementRequest) (deployers.Statement, error) {
	s, err := c.Target.StartStatement(ctx, req)
	if err == nil {
		c.mu.Lock()
		c.starts[req.Table]++
		c.mu.Unlock()
	}
	return s, err
}

// openSamples opens the sample data products with a local target made by
// open (once: every use case of the workspace gets the same target).
func openSamples(t *testing.T, open func(external []string) deployers.Target) *workspace.Workspace {
	t.Helper()
	var tg deployers.Target
	lock := filepath.Join(t.TempDir(), "dev.lock")
	return openWorkspace(t, workspace.Options{
		PipelinesDir: testfs.SamplesDir(), KeepSQL: true,
		Target: workspace.TargetOptions{Environment: "dev"},
		OpenTarget: func(_ context.Context, ws *workspace.Workspace) (*workspace.Target, error) {
			if tg == nil {
				var external []string
				for _, tb := range ws.Project.Tables {
					if tb.IsExternal {
						external = append(external, tb.Name)
					}
				}
				tg = open(external)
			}
			return &workspace.Target{Target: tg, LockPath: lock}, nil
		},
	})
}

func openLocal(t *testing.T, opts local.Options) *local.Target {
	t.Helper()
	lt, err := local.Open(t.TempDir(), "dev", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lt.Close(context.Background()) })
	return lt
}

// everything selects every table of the samples.
func everything() workspace.Selection {
	return workspace.Selection{Selection: selector.Selection{Select: []string{"path:*"}, Root: testfs.SamplesDir()}}
}

// TestInterruptedDeployResumes deploys the sample pipelines to the real
// local target, cancels the run after a few tables with a grace period so
// short that running steps are cut half-way, and checks that planning
// again from the target's state finishes the job with no table created or
// started twice.
func TestInterruptedDeployResumes(t *testing.T) {
	for _, cut := range []time.Duration{time.Millisecond, time.Minute} {
		t.Run("grace="+cut.String(), func(t *testing.T) {
			var target *counting
			ws := openSamples(t, func(external []string) deployers.Target {
				lt := openLocal(t, local.Options{Latency: 3 * time.Millisecond, ExternalTables: external})
				target = &counting{Target: lt, creates: map[string]int{}, starts: map[string]int{}}
				return target
			})
			ctx, cancel := context.WithCancel(context.Background())
			started := 0
			res, err := ws.Deploy(ctx, workspace.DeployRequest{Selection: everything(), Run: executor.Options{MaxParallel: 3, Grace: cut,
				OnEvent: func(ev executor.Event) {
					if ev.Kind == executor.EventStarted {
						if started++; started == 5 {
							cancel()
						}
					}
				}}})
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			if res.Result.OK() || !res.Result.Interrupted {
				t.Fatal("the interrupted run reports success")
			}
			if cut == time.Millisecond && res.Result.Count(executor.StatusInterrupted) == 0 {
				t.Error("no step was cut by the end of the grace period")
			}
			if n := res.Result.Count(executor.StatusFailed); n != 0 {
				t.Errorf("%d steps failed: an interruption is not a failure", n)
			}
			second, err := ws.Deploy(context.Background(), workspace.DeployRequest{Selection: everything(), Run: executor.Options{MaxParallel: 3}})
			if err != nil || !second.Result.OK() {
				t.Fatalf("resume: %v %v", err, second.Result.Err())
			}
			if !second.Plan.HasChanges() {
				t.Fatal("nothing left to do after an interrupted run")
			}
			third, err := ws.Plan(context.Background(), workspace.DeployRequest{Selection: everything()}, false)
			if err != nil {
				t.Fatal(err)
			}
			if third.Plan.HasChanges() {
				t.Errorf("a third plan still has changes: %+v", third.Plan.Summary)
			}
			for _, n := range ws.Graph.Names() {
				tb := ws.Graph.Table(n)
				if !tb.Deployable() {
					continue
				}
				wantStarts := 0
				if tb.DMLPath != "" {
					wantStarts = 1
				}
				if target.creates[n] != 1 || target.starts[n] != wantStarts {
					t.Errorf("%s: created %d times, started %d times", n, target.creates[n], target.starts[n])
				}
			}
		})
	}
}

// TestUndeployReportsTheDropStatement deploys the samples to the local
// target, then undeploys everything: each drop step names its drop
// statement (not the DDL statement it cleans up after it), and nothing of
// the pipelines is left running.
func TestUndeployReportsTheDropStatement(t *testing.T) {
	var lt *local.Target
	ws := openSamples(t, func(external []string) deployers.Target {
		lt = openLocal(t, local.Options{ExternalTables: external, NoSync: true})
		return lt
	})
	ctx := context.Background()
	run := executor.Options{MaxParallel: 4}
	if res, err := ws.Deploy(ctx, workspace.DeployRequest{Selection: everything(), Run: run}); err != nil || !res.Result.OK() {
		t.Fatalf("deploy: %v %v", err, res.Result.Err())
	}
	res, err := ws.Undeploy(ctx, workspace.DeployRequest{Selection: everything(), Run: run})
	if err != nil || !res.Result.OK() {
		t.Fatalf("undeploy: %v %v", err, res.Result.Err())
	}
	drops := map[string]string{}
	for _, s := range res.Plan.Steps {
		if s.Action == plan.ActionDrop {
			drops[s.Table] = s.Drop
		}
	}
	if len(drops) == 0 {
		t.Fatal("the undeploy plan drops nothing")
	}
	for _, r := range res.Result.Steps {
		if want, ok := drops[r.Table]; ok && r.Statement != want {
			t.Errorf("%s: step statement %q, want the drop %q", r.Table, r.Statement, want)
		}
	}
	refs, err := plan.TableRefs(ws.Project.Tables, ws.Naming())
	if err != nil {
		t.Fatal(err)
	}
	state, err := lt.State(ctx, refs)
	if err != nil {
		t.Fatal(err)
	}
	for table, st := range state {
		if st.Exists || (st.DML != nil && st.DML.Phase.Healthy()) {
			t.Errorf("%s still deployed after the undeploy: %+v", table, st)
		}
	}
}

// TestDeployReviewStopsBeforeAnything: an error from Review (a refused
// confirmation) is returned and nothing runs; a plan file and an empty
// selection are request errors.
func TestDeployReviewStopsBeforeAnything(t *testing.T) {
	var target *counting
	ws := openSamples(t, func(external []string) deployers.Target {
		target = &counting{Target: openLocal(t, local.Options{ExternalTables: external, NoSync: true}), creates: map[string]int{}, starts: map[string]int{}}
		return target
	})
	refused := errors.New("not confirmed")
	var reviewed *plan.Plan
	_, err := ws.Deploy(context.Background(), workspace.DeployRequest{Selection: everything(),
		Review: func(pr *workspace.PlanResult) error { reviewed = pr.Plan; return refused }})
	if !errors.Is(err, refused) {
		t.Fatalf("Deploy = %v, want the review's error", err)
	}
	if reviewed == nil || !reviewed.HasChanges() {
		t.Fatalf("review saw no plan with changes: %+v", reviewed)
	}
	if len(target.creates) != 0 || len(target.starts) != 0 {
		t.Errorf("a refused review ran statements: creates %v, starts %v", target.creates, target.starts)
	}
	var re *workspace.RequestError
	if _, err := ws.Deploy(context.Background(), workspace.DeployRequest{}); !errors.As(err, &re) {
		t.Errorf("Deploy without a selection = %v, want a *RequestError", err)
	}
	if _, err := ws.Undeploy(context.Background(), workspace.DeployRequest{PlanFile: "plan.json"}); !errors.As(err, &re) {
		t.Errorf("Undeploy of a saved plan = %v, want a *RequestError", err)
	}
}
