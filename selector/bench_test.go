package selector

import (
	"testing"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/internal/projectgen"
)

// BenchmarkSelect10k evaluates typical selections on a generated
// 10,000-table project (graph built from the generator's model, no scan),
// with 50 modified tables in the change set.
func BenchmarkSelect10k(b *testing.B) {
	g, err := projectgen.ModelGraph(10000)
	if err != nil {
		b.Fatal(err)
	}
	names := g.Names()
	cs := &changes.ChangeSet{}
	for i := 0; i < 50; i++ {
		cs.Tables = append(cs.Tables, changes.TableChange{Table: names[i*len(names)/50], Kind: changes.KindDDL})
	}
	mid := names[len(names)/2]
	for _, expr := range []string{
		"state:modified+",
		"@" + mid,
		"+" + mid + "+",
		"path:facts/*",
		"type:fact,product:ads*",
		"*_fct_*",
	} {
		b.Run(expr, func(b *testing.B) {
			var res Result
			for b.Loop() {
				if res, err = Select(g, Selection{Select: []string{expr}, Exclude: []string{"type:source"}}, cs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(res.Selected)), "selected")
		})
	}
	b.Run("unknown-name-suggestions", func(b *testing.B) {
		for b.Loop() {
			if _, err := Select(g, Selection{Select: []string{mid + "x_y"}}, cs); err == nil {
				b.Fatal("no error")
			}
		}
	})
}
