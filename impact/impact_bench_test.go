package impact_test

import (
	"fmt"
	"testing"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/impact"
	"github.com/shiftleft-dev/shiftleft/internal/projectgen"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// BenchmarkImpact50 measures `impact` after the scan: 50 changed tables
// spread over the sorted names of a scanned generated project (every
// third one a breaking DDL change, the others compatible), analysed on
// the graph the CLI builds. Issue target: under 50 ms at 10,000 tables.
//
// Run: go test ./impact -run XXX -bench Impact50 -benchmem
func BenchmarkImpact50(b *testing.B) {
	compatible := &changes.SchemaChange{Category: changes.Compatible, Reasons: []string{"column added"}}
	breaking := &changes.SchemaChange{Category: changes.Breaking, Reasons: []string{"column removed"}}
	for _, n := range []int{1000, 10000, 50000} {
		b.Run(fmt.Sprintf("tables=%d", n), func(b *testing.B) {
			_, g, err := projectgen.CachedGraph(n, pipeline.ScanOptions{})
			if err != nil {
				b.Fatal(err)
			}
			var deployable []string
			for _, name := range g.Names() {
				if g.Table(name).Deployable() {
					deployable = append(deployable, name)
				}
			}
			changed := make([]impact.Changed, 0, 50)
			for i := 0; i < 50; i++ {
				c := impact.Changed{Table: deployable[i*len(deployable)/50], Change: "ddl", Schema: compatible}
				if i%3 == 0 {
					c.Schema = breaking
				}
				changed = append(changed, c)
			}
			b.ReportAllocs()
			var rep impact.Report
			for b.Loop() {
				rep = impact.Analyze(g, changed, impact.Options{})
			}
			if len(rep.Impacted) == 0 {
				b.Fatal("50 changed tables impacted nothing")
			}
			b.ReportMetric(float64(len(rep.Impacted)), "impacted")
		})
	}
}
