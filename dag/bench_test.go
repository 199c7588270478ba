package dag_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/internal/projectgen"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

var benchSizes = []int{1000, 10000, 50000}

// BenchmarkScanGraph measures what every command pays first: walking the
// tree, reading and analysing every SQL file, resolving references and
// building the graph (issue targets: 10k tables < 0.3 s, 50k < 2 s).
func BenchmarkScanGraph(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("tables=%d", n), func(b *testing.B) {
			dir, err := projectgen.Cached(n, 0)
			if err != nil {
				b.Fatal(err)
			}
			root := filepath.Join(dir, "pipelines")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p, err := pipeline.Scan(context.Background(), root, pipeline.ScanOptions{})
				if err != nil {
					b.Fatal(err)
				}
				g, err := dag.Build(p)
				if err != nil {
					b.Fatal(err)
				}
				if g.Len() < n {
					b.Fatalf("graph has %d tables, want at least %d", g.Len(), n)
				}
			}
		})
	}
}

// BenchmarkTopoOrder orders a whole project: O((V+E) log V).
func BenchmarkTopoOrder(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("tables=%d", n), func(b *testing.B) {
			g := benchGraph(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if len(g.TopoOrder(nil)) != g.Len() {
					b.Fatal("order lost tables")
				}
			}
		})
	}
}

func benchGraph(b *testing.B, n int) *dag.Graph {
	b.Helper()
	_, g, err := projectgen.CachedGraph(n, pipeline.ScanOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return g
}
