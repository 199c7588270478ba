package confluent

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
)

// BenchmarkState reads the state of 2,000 tables from an environment of
// 4,000 statements through the stand-in: one paged listing (40 pages of
// 100), whatever the number of tables.
func BenchmarkState(b *testing.B) {
	srv := confluenttest.NewServer(confluenttest.Options{})
	defer srv.Close()
	now := time.Now()
	refs := make([]deployers.TableRef, 2000)
	for i := range refs {
		refs[i] = deployers.TableRef{Table: fmt.Sprintf("t%04d", i), DDLName: fmt.Sprintf("dev-ddl-t%04d", i), DMLName: fmt.Sprintf("dev-dml-t%04d", i)}
		srv.AddStatement(refs[i].DMLName, "INSERT INTO x SELECT * FROM y;", "RUNNING", now)
		srv.AddStatement(fmt.Sprintf("other-%04d", i), "SELECT 1;", "COMPLETED", now)
	}
	tg, err := New(srv.Config(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		st, err := tg.State(ctx, refs)
		if err != nil || len(st) != len(refs) || !st["t0001"].Exists {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(tg.Client().Requests())/float64(b.N), "requests/op")
}
