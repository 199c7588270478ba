package catalog_test

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/shiftleft-dev/shiftleft/catalog"
	"github.com/shiftleft-dev/shiftleft/internal/projectgen"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

var benchSizes = []int{1000, 10000}

// BenchmarkGenerate measures what `shiftleft docs generate` pays on a
// generated project: the scan keeping the SQL, the catalog (columns from
// every DDL) and the page (issue target: 10,000 tables under 2 s).
func BenchmarkGenerate(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("tables=%d", n), func(b *testing.B) {
			dir, err := projectgen.Cached(n, 0)
			if err != nil {
				b.Fatal(err)
			}
			root := filepath.Join(dir, projectgen.PipelinesDir)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p, err := pipeline.Scan(context.Background(), root, pipeline.ScanOptions{KeepSQL: true})
				if err != nil {
					b.Fatal(err)
				}
				writeCatalog(b, p, n)
			}
		})
	}
}

// BenchmarkBuildAndWrite is the catalog's own share: Build and WriteHTML on
// a project already scanned.
func BenchmarkBuildAndWrite(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("tables=%d", n), func(b *testing.B) {
			p, _, err := projectgen.CachedGraph(n, pipeline.ScanOptions{KeepSQL: true})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				writeCatalog(b, p, n)
			}
		})
	}
}

func writeCatalog(b *testing.B, p *pipeline.Project, n int) {
	c, err := catalog.Build(catalog.Input{Project: p})
	if err != nil {
		b.Fatal(err)
	}
	if len(c.Tables) < n {
		b.Fatalf("catalog has %d tables, want at least %d", len(c.Tables), n)
	}
	cw := &countWriter{}
	if err := catalog.WriteHTML(cw, c); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(cw.n)
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)
