package impact

import (
	"testing"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/internal/projectgen"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// bigGraph builds the graph of a generated 10,000-table project from the
// generator's expected model (no scan: this measures the analysis only).
func bigGraph(b *testing.B) *dag.Graph {
	b.Helper()
	g, err := projectgen.ModelGraph(10000)
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// fiftyChanged picks 50 tables spread over the sorted names of the given
// types (all when none), as DDL changes, every third one breaking.
func fiftyChanged(g *dag.Graph, types ...pipeline.TableType) []Changed {
	var names []string
	for _, n := range g.Names() {
		t := g.Table(n)
		if len(types) == 0 || t.Type == types[0] || len(types) > 1 && t.Type == types[1] {
			names = append(names, n)
		}
	}
	out := make([]Changed, 0, 50)
	for i := 0; i < 50; i++ {
		c := Changed{Table: names[i*len(names)/50], Change: "ddl", Schema: compatible}
		if i%3 == 0 {
			c.Schema = breakingCh
		}
		out = append(out, c)
	}
	return out
}

// BenchmarkAnalyze10k: impact of 50 changed tables on a generated
// 10,000-table project, with the bit-set propagation of Analyze and, for
// comparison, one descendant BFS per changed table (O(k(V+E))).
func BenchmarkAnalyze10k(b *testing.B) {
	g := bigGraph(b)
	sets := []struct {
		name    string
		changed []Changed
	}{
		{"spread", fiftyChanged(g)},
		{"sources", fiftyChanged(g, pipeline.TypeSource, pipeline.TypeIntermediate)},
	}
	for _, set := range sets {
		b.Run(set.name+"/analyze", func(b *testing.B) {
			var rep Report
			for b.Loop() {
				rep = Analyze(g, set.changed, Options{})
			}
			b.ReportMetric(float64(len(rep.Impacted)), "impacted")
		})
		b.Run(set.name+"/per-change-bfs", func(b *testing.B) {
			for b.Loop() {
				from := map[string][]string{}
				for _, c := range set.changed {
					for n := range g.Descendants([]string{c.Table}, 0) {
						from[n] = append(from[n], c.Table)
					}
				}
			}
		})
	}
}
