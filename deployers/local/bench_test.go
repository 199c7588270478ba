package local

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

// BenchmarkStartStatement measures one state-changing call on an
// environment that already holds n tables with running statements: each
// call appends one journal line, so its cost does not grow with the
// environment (apart from the journal being folded into the state file
// once it outgrows it). The setup writes without fsync; the timed calls
// measure both modes.
func BenchmarkStartStatement(b *testing.B) {
	for _, bc := range []struct {
		n      int
		noSync bool
	}{{10, false}, {200, false}, {10, true}, {200, true}, {2000, true}} {
		n := bc.n
		b.Run(fmt.Sprintf("tables=%d/nosync=%v", n, bc.noSync), func(b *testing.B) {
			ctx := context.Background()
			tg, err := Open(b.TempDir(), "dev", Options{ExternalTables: []string{"raw"}, NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			for i := range n {
				name := fmt.Sprintf("t%05d", i)
				if _, err := tg.CreateTable(ctx, deployers.StatementRequest{Name: "ddl-" + name, SQL: "CREATE TABLE " + name + " (id STRING, v DOUBLE)"}); err != nil {
					b.Fatal(err)
				}
				if _, err := tg.StartStatement(ctx, deployers.StatementRequest{Name: "dml-" + name, SQL: "INSERT INTO " + name + " SELECT id, v FROM raw"}); err != nil {
					b.Fatal(err)
				}
			}
			tg.opts.NoSync, tg.store.noSync = bc.noSync, bc.noSync
			for i := 0; b.Loop(); i++ {
				name := fmt.Sprintf("t%05d", i%n)
				if _, err := tg.StartStatement(ctx, deployers.StatementRequest{Name: fmt.Sprintf("bench-%d", i), SQL: "INSERT INTO " + name + " SELECT id, v FROM raw"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkState measures the read the planner makes: one State call for
// every table of the environment.
func BenchmarkState(b *testing.B) {
	for _, n := range []int{200, 2000} {
		b.Run(fmt.Sprintf("tables=%d", n), func(b *testing.B) {
			ctx := context.Background()
			tg, err := Open(b.TempDir(), "dev", Options{ExternalTables: []string{"raw"}, NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			refs := make([]deployers.TableRef, n)
			for i := range n {
				name := fmt.Sprintf("t%05d", i)
				refs[i] = deployers.TableRef{Table: name, DMLName: "dml-" + name}
				if _, err := tg.CreateTable(ctx, deployers.StatementRequest{Name: "ddl-" + name, SQL: "CREATE TABLE " + name + " (id STRING, v DOUBLE)"}); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				if _, err := tg.State(ctx, refs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStartStatementConcurrent is BenchmarkStartStatement with fsync
// and eight callers at once, as a deploy with --max-parallel 8: concurrent
// changes share fsyncs (group commit), so a change costs less than one.
func BenchmarkStartStatementConcurrent(b *testing.B) {
	ctx := context.Background()
	tg, err := Open(b.TempDir(), "dev", Options{ExternalTables: []string{"raw"}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tg.CreateTable(ctx, deployers.StatementRequest{Name: "ddl-t", SQL: "CREATE TABLE t (id STRING, v DOUBLE)"}); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.SetParallelism(4) // × GOMAXPROCS callers
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			name := fmt.Sprintf("bench-%d", n.Add(1))
			if _, err := tg.StartStatement(ctx, deployers.StatementRequest{Name: name, SQL: "INSERT INTO t SELECT id, v FROM raw"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
