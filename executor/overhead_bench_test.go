package executor_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/executor"
	"github.com/shiftleft-dev/shiftleft/internal/projectgen"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// instantTarget answers every call at once and keeps nothing: with it the
// wall time of a run is the executor's own overhead (scheduling, goroutine
// hand-offs, SQL reads, events), which a real target hides behind network
// latency. It is not a model of any target; executor_test.go and
// local_test.go test behaviour on the fake and the real local target.
type instantTarget struct{}

func (instantTarget) Info() deployers.Info {
	return deployers.Info{Target: "instant", Environment: "bench"}
}

func (instantTarget) State(context.Context, []deployers.TableRef) (map[string]deployers.TableState, error) {
	return map[string]deployers.TableState{}, nil
}

func (instantTarget) CreateTable(_ context.Context, r deployers.StatementRequest) (deployers.Statement, error) {
	return deployers.Statement{Name: r.Name, Table: r.Table, Kind: r.Kind, Phase: deployers.PhaseCompleted}, nil
}

func (instantTarget) DropTable(context.Context, deployers.StatementRequest) error { return nil }

func (instantTarget) StartStatement(_ context.Context, r deployers.StatementRequest) (deployers.Statement, error) {
	return deployers.Statement{Name: r.Name, Table: r.Table, Kind: r.Kind, Phase: deployers.PhaseRunning}, nil
}

func (instantTarget) StopStatement(context.Context, string) error   { return nil }
func (instantTarget) DeleteStatement(context.Context, string) error { return nil }

func (instantTarget) Wait(_ context.Context, name string, want []deployers.Phase, _ time.Duration) (deployers.Statement, error) {
	phase := deployers.PhaseRunning
	if len(want) > 0 {
		phase = want[0]
	}
	return deployers.Statement{Name: name, Phase: phase}, nil
}

func (instantTarget) ListStatements(context.Context) ([]deployers.Statement, error) { return nil, nil }

// BenchmarkExecutorOverhead deploys every table of a scanned generated
// project (the plan against an empty target: one create per table) on a
// target that answers at once, at the default parallelism. Planning and
// scanning are not timed. ns/op divided by the tables is the executor's
// cost per step.
//
// Run: go test ./executor -run XXX -bench ExecutorOverhead -benchmem
func BenchmarkExecutorOverhead(b *testing.B) {
	for _, n := range []int{1000, 10000, 50000} {
		b.Run(fmt.Sprintf("tables=%d", n), func(b *testing.B) {
			dir, err := projectgen.Cached(n, 0)
			if err != nil {
				b.Fatal(err)
			}
			proj, err := pipeline.Scan(context.Background(), filepath.Join(dir, "pipelines"), pipeline.ScanOptions{})
			if err != nil {
				b.Fatal(err)
			}
			g, err := dag.Build(proj)
			if err != nil {
				b.Fatal(err)
			}
			var all []string
			for _, t := range proj.Tables {
				if t.Deployable() {
					all = append(all, t.Name)
				}
			}
			sql := map[string][2]string{}
			for _, t := range proj.Tables {
				var f [2]string
				for i, rel := range []string{t.DDLPath, t.DMLPath} {
					if rel == "" {
						continue
					}
					src, err := os.ReadFile(filepath.Join(proj.Root, rel))
					if err != nil {
						b.Fatal(err)
					}
					f[i] = string(src)
				}
				sql[t.Name] = f
			}
			p, err := plan.Build(context.Background(), g, plan.Inputs{
				Selected: all, Naming: plan.Naming{ClusterType: "dev", Region: "us-west-2"},
				SQL: func(t *pipeline.Table) (string, string, error) { f := sql[t.Name]; return f[0], f[1], nil },
				Now: time.Unix(0, 0),
			})
			if err != nil {
				b.Fatal(err)
			}
			opts := executor.Options{SQL: func(table string) (string, string, error) { f := sql[table]; return f[0], f[1], nil }}
			b.ReportAllocs()
			for b.Loop() {
				res, err := executor.Run(context.Background(), instantTarget{}, p, opts)
				if err != nil {
					b.Fatal(err)
				}
				if !res.OK() || len(res.Steps) < len(all) {
					b.Fatalf("%d steps for %d tables, first error: %v", len(res.Steps), len(all), res.Err())
				}
			}
			b.ReportMetric(float64(len(all)), "steps")
		})
	}
}
