package report_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/shiftleft-dev/shiftleft/internal/projectgen"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/report"
)

// BenchmarkGraphJSON measures what `shiftleft pipeline graph --format
// json` adds after the scan: building the document (one pass over the
// graph, O(V+E)) and encoding it. The scan is not timed (see
// dag.BenchmarkScanGraph).
//
// Run: go test ./report -run XXX -bench GraphJSON -benchmem
func BenchmarkGraphJSON(b *testing.B) {
	for _, n := range []int{1000, 10000, 50000} {
		b.Run(fmt.Sprintf("tables=%d", n), func(b *testing.B) {
			_, g, err := projectgen.CachedGraph(n, pipeline.ScanOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				doc := report.Graph(g, nil)
				if len(doc.Tables) != g.Len() {
					b.Fatalf("document has %d tables, graph %d", len(doc.Tables), g.Len())
				}
				if err := doc.WriteJSON(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
