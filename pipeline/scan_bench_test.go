//go:build unix

package pipeline_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/internal/projectgen"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// BenchmarkScanWorkers scans a generated 10,000-table project with 1, 2
// and 4 workers per GOMAXPROCS: reading files in the page cache is CPU work
// (system time), so more goroutines than cores should not help; this is
// the measurement behind the default. cpu-ms/op is user+system time, the
// figure to compare on a busy machine.
//
// Run: go test ./pipeline -run XXX -bench ScanWorkers -benchtime 5x
func BenchmarkScanWorkers(b *testing.B) {
	dir, err := projectgen.Cached(10000, 0)
	if err != nil {
		b.Fatal(err)
	}
	root := filepath.Join(dir, "pipelines")
	for _, k := range []int{1, 2, 4} {
		workers := k * runtime.GOMAXPROCS(0)
		b.Run(fmt.Sprintf("tables=10000/workers=%dx", k), func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				p, err := pipeline.Scan(context.Background(), root, pipeline.ScanOptions{Workers: workers})
				if err != nil {
					b.Fatal(err)
				}
				if len(p.Tables) < 10000 {
					b.Fatalf("scanned %d tables, want at least 10000", len(p.Tables))
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
