package executor

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/local"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
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

// TestInterruptedDeployResumes deploys the sample pipelines to the real
// local target, cancels the run after a few tables with a grace period so
// short that running steps are cut half-way, and checks that planning
// again from the target's state finishes the job with no table created or
// started twice.
func TestInterruptedDeployResumes(t *testing.T) {
	proj, g, external := samples(t)
	for _, cut := range []time.Duration{time.Millisecond, time.Minute} {
		t.Run("grace="+cut.String(), func(t *testing.T) {
			lt, err := local.Open(t.TempDir(), "dev", local.Options{Latency: 3 * time.Millisecond, ExternalTables: external})
			if err != nil {
				t.Fatal(err)
			}
			target := &counting{Target: lt, creates: map[string]int{}, starts: map[string]int{}}
			files := map[string][2]string{}
			read := func(tb *pipeline.Table) (string, string, error) {
				if f, ok := files[tb.Name]; ok {
					return f[0], f[1], nil
				}
				ddl, dml, err := sqlFiles(proj, tb)
				files[tb.Name] = [2]string{ddl, dml}
				return ddl, dml, err
			}
			sqlByName := func(name string) (string, string, error) { return read(g.Table(name)) }
			naming := plan.Naming{ClusterType: "dev", Region: "us-west-2"}
			build := func() *plan.Plan {
				refs, err := plan.TableRefs(proj.Tables, naming)
				if err != nil {
					t.Fatal(err)
				}
				st, err := target.State(context.Background(), refs)
				if err != nil {
					t.Fatal(err)
				}
				p, err := plan.Build(context.Background(), g, plan.Inputs{Selected: g.Names(), State: st, Naming: naming, SQL: read})
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			first := build()
			ctx, cancel := context.WithCancel(context.Background())
			started := 0
			res, err := Run(ctx, target, first, Options{MaxParallel: 3, SQL: sqlByName, Grace: cut, OnEvent: func(ev Event) {
				if ev.Kind == EventStarted {
					if started++; started == 5 {
						cancel()
					}
				}
			}})
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			if res.OK() || !res.Interrupted {
				t.Fatal("the interrupted run reports success")
			}
			if cut == time.Millisecond && res.Count(StatusInterrupted) == 0 {
				t.Error("no step was cut by the end of the grace period")
			}
			if res.Count(StatusFailed) != 0 {
				t.Errorf("%d steps failed: an interruption is not a failure", res.Count(StatusFailed))
			}
			second := build()
			if !second.HasChanges() {
				t.Fatal("nothing left to do after an interrupted run")
			}
			res, err = Run(context.Background(), target, second, Options{MaxParallel: 3, SQL: sqlByName})
			if err != nil || !res.OK() {
				t.Fatalf("resume: %v %v", err, res.Err())
			}
			if third := build(); third.HasChanges() {
				t.Errorf("a third plan still has changes: %+v", third.Summary)
			}
			for _, n := range g.Names() {
				tb := g.Table(n)
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

func sqlFiles(p *pipeline.Project, t *pipeline.Table) (string, string, error) {
	read := func(rel string) (string, error) {
		if rel == "" {
			return "", nil
		}
		data, err := os.ReadFile(filepath.Join(p.Root, filepath.FromSlash(rel)))
		return string(data), err
	}
	ddl, err := read(t.DDLPath)
	if err != nil {
		return "", "", err
	}
	dml, err := read(t.DMLPath)
	return ddl, dml, err
}

// TestUndeployReportsTheDropStatement deploys the samples to the local
// target, then undeploys everything: each drop step names its drop
// statement (not the DDL statement it cleans up after it), and nothing of
// the pipelines is left running.
func TestUndeployReportsTheDropStatement(t *testing.T) {
	proj, g, external := samples(t)
	lt, err := local.Open(t.TempDir(), "dev", local.Options{ExternalTables: external, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	read := func(tb *pipeline.Table) (string, string, error) { return sqlFiles(proj, tb) }
	sqlByName := func(name string) (string, string, error) { return read(g.Table(name)) }
	naming := plan.Naming{ClusterType: "dev", Region: "us-west-2"}
	state := func() map[string]deployers.TableState {
		refs, err := plan.TableRefs(proj.Tables, naming)
		if err != nil {
			t.Fatal(err)
		}
		st, err := lt.State(context.Background(), refs)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	deploy, err := plan.Build(context.Background(), g, plan.Inputs{Selected: g.Names(), State: state(), Naming: naming, SQL: read})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := Run(context.Background(), lt, deploy, Options{MaxParallel: 4, SQL: sqlByName}); err != nil || !res.OK() {
		t.Fatalf("deploy: %v %v", err, res.Err())
	}
	undeploy, err := plan.BuildUndeploy(context.Background(), g, plan.Inputs{Selected: g.Names(), State: state(), Naming: naming, SQL: read})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), lt, undeploy, Options{MaxParallel: 4, SQL: sqlByName})
	if err != nil || !res.OK() {
		t.Fatalf("undeploy: %v %v", err, res.Err())
	}
	drops := map[string]string{}
	for _, s := range undeploy.Steps {
		if s.Action == plan.ActionDrop {
			drops[s.Table] = s.Drop
		}
	}
	if len(drops) == 0 {
		t.Fatal("the undeploy plan drops nothing")
	}
	for _, r := range res.Steps {
		if want, ok := drops[r.Table]; ok && r.Statement != want {
			t.Errorf("%s: step statement %q, want the drop %q", r.Table, r.Statement, want)
		}
	}
	for table, st := range state() {
		if st.Exists || (st.DML != nil && st.DML.Phase.Healthy()) {
			t.Errorf("%s still deployed after the undeploy: %+v", table, st)
		}
	}
}

// samples scans the sample data products and names their external tables.
func samples(t *testing.T) (*pipeline.Project, *dag.Graph, []string) {
	t.Helper()
	proj, err := pipeline.Scan(context.Background(), filepath.Join("..", "flink_data_products", "pipelines"), pipeline.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := dag.Build(proj)
	if err != nil {
		t.Fatal(err)
	}
	var external []string
	for _, tb := range proj.Tables {
		if tb.IsExternal {
			external = append(external, tb.Name)
		}
	}
	return proj, g, external
}
