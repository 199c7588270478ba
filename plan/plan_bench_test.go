package plan_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/internal/projectgen"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// BenchmarkPlan plans every table of a scanned generated project against
// an empty target (every table created) and against a target where every
// table runs the files' SQL (every DDL and DML read, normalized and
// compared: nothing to do, the worst case for the comparison). The SQL
// files are read from disk inside the timed part, as the CLI does; the
// scan is not timed. Issue target: under 0.5 s at 10,000 tables.
//
// Run: go test ./plan -run XXX -bench 'Plan/' -benchmem
func BenchmarkPlan(b *testing.B) {
	naming := plan.Naming{ClusterType: "dev", Region: "us-west-2"}
	for _, n := range []int{1000, 10000, 50000} {
		b.Run(fmt.Sprintf("tables=%d", n), func(b *testing.B) { benchPlan(b, n, naming) })
	}
}

func benchPlan(b *testing.B, n int, naming plan.Naming) {
	// The CLI scans with KeepSQL, so a plan compares and fingerprints the
	// files' text without reading them again: the same here.
	proj, g, err := projectgen.CachedGraph(n, pipeline.ScanOptions{KeepSQL: true})
	if err != nil {
		b.Fatal(err)
	}
	read := func(t *pipeline.Table) (string, string, error) { return t.DDLText, t.DMLText, nil }
	var all []string
	deployed := map[string]deployers.TableState{}
	for _, t := range proj.Tables {
		if !t.Deployable() {
			continue
		}
		all = append(all, t.Name)
		ddl, dml, err := read(t)
		if err != nil {
			b.Fatal(err)
		}
		st := deployers.TableState{Table: t.Name, Exists: true, DDL: ddl}
		if dml != "" {
			st.DML = &deployers.Statement{Name: "dev-usw2-dml-" + t.Name, Phase: deployers.PhaseRunning, SQL: dml}
		}
		deployed[t.Name] = st
	}
	for _, sc := range []struct {
		name  string
		state map[string]deployers.TableState
		want  plan.Action
	}{
		{"empty", nil, plan.ActionCreate},
		{"deployed", deployed, plan.ActionNone},
	} {
		b.Run("state="+sc.name, func(b *testing.B) {
			b.ReportAllocs()
			var p *plan.Plan
			for b.Loop() {
				p, err = plan.Build(context.Background(), g, plan.Inputs{
					Selected: all, State: sc.state, Naming: naming, SQL: read, Now: time.Unix(0, 0),
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			acting := 0
			for _, s := range p.Steps {
				if s.Action.Acts() {
					acting++
				}
				if s.Action != sc.want && s.Table != "" && g.Table(s.Table).Deployable() {
					b.Fatalf("table %s: action %s, want %s", s.Table, s.Action, sc.want)
				}
			}
			b.ReportMetric(float64(acting), "acting-steps")
		})
	}
}
