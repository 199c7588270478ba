package confluenttest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
	"github.com/shiftleft-dev/shiftleft/products"
	"github.com/shiftleft-dev/shiftleft/quality"
)

// snapshotTarget is a confluent target on a stand-in that holds table t:
// id (key), tier and spent, with an upsert of c (its first row retracted).
func snapshotTarget(t *testing.T) (*confluenttest.Server, *confluent.Target) {
	t.Helper()
	srv := confluenttest.NewServer(confluenttest.Options{})
	t.Cleanup(srv.Close)
	tg, err := confluent.New(srv.Config(), confluent.Options{Version: "test", PollInitial: time.Millisecond, PollMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, sql := range []string{
		"CREATE TABLE t (id STRING, tier STRING, spent INT, PRIMARY KEY (id) NOT ENFORCED)",
		"INSERT INTO t VALUES ('a', 'Gold', 10), ('b', 'Gold', -5), ('c', NULL, 3), (NULL, 'Tin', 1)",
		"INSERT INTO t VALUES ('c', 'Silver', 7), ('d', 'Gold', NULL)",
	} {
		if _, err := tg.RunStatement(ctx, deployers.RunRequest{Name: fmt.Sprintf("load-%d", i), SQL: sql}); err != nil {
			t.Fatal(err)
		}
	}
	return srv, tg
}

func values(rows deployers.Rows) string {
	var out []string
	for _, r := range quality.Fold(rows.Rows) {
		b, _ := json.Marshal(r)
		out = append(out, string(b))
	}
	return strings.Join(out, " ")
}

// TestSnapshotQueriesOfQualityRules: the queries quality.Build makes for
// each rule kind, read to their end (a snapshot query), answer from the
// rows the table holds now (c's upsert replaced its first row).
func TestSnapshotQueriesOfQualityRules(t *testing.T) {
	_, tg := snapshotTarget(t)
	one := int64(1)
	for _, tc := range []struct {
		rule          products.Rule
		count, sample string
		sampleCols    string
	}{
		{products.Rule{Kind: products.NotNull, Columns: []string{"id", "spent"}}, `["2","1","1"]`, `[null,"Tin","1"] ["d","Gold",null]`, "id,tier,spent"},
		{products.Rule{Kind: products.NotNull, Columns: []string{"tier"}}, `["0","0"]`, ``, "id,tier,spent"},
		{products.Rule{Kind: products.Unique, Columns: []string{"tier"}}, `["1","3"]`, `["Gold","3"]`, "tier,duplicate_rows"},
		{products.Rule{Kind: products.Unique, Columns: []string{"id", "tier"}}, `["0",null]`, ``, "id,tier,duplicate_rows"},
		{products.Rule{Kind: products.AcceptedValues, Column: "tier", Values: []string{"Gold", "Silver"}}, `["1"]`, `[null,"Tin","1"]`, "id,tier,spent"},
		{products.Rule{Kind: products.RowCount, Min: &one}, `["5"]`, ``, ""},
		// NULL offends an expression; b's spent is negative.
		{products.Rule{Kind: products.Expression, Expression: "spent >= 0 AND tier <> '' -- never negative"}, `["2"]`, `["b","Gold","-5"] ["d","Gold",null]`, "id,tier,spent"},
		{products.Rule{Kind: products.Expression, Expression: "spent IS NULL OR (spent + 1 > 0 AND NOT tier IN ('Tin'))"}, `["2"]`, `["b","Gold","-5"] [null,"Tin","1"]`, "id,tier,spent"},
	} {
		t.Run(tc.rule.Kind, func(t *testing.T) {
			q, err := quality.Build("t", tc.rule, true)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := tg.ReadRows(context.Background(), deployers.ReadRequest{Name: "count", SQL: q.Count})
			if err != nil {
				t.Fatalf("%s: %v", q.Count, err)
			}
			if got := values(rows); got != tc.count || !rows.Complete {
				t.Errorf("%s:\ncount rows %s (complete %v), want %s", q.Count, got, rows.Complete, tc.count)
			}
			if q.Sample == "" {
				return
			}
			rows, err = tg.ReadRows(context.Background(), deployers.ReadRequest{Name: "sample", SQL: q.Sample})
			if err != nil {
				t.Fatalf("%s: %v", q.Sample, err)
			}
			var cols []string
			for _, c := range rows.Columns {
				cols = append(cols, c.Name)
			}
			if got := values(rows); got != tc.sample || strings.Join(cols, ",") != tc.sampleCols {
				t.Errorf("%s:\nsample %s %s, want %s %s", q.Sample, cols, got, tc.sampleCols, tc.sample)
			}
		})
	}
}

// TestSnapshotQueryFailures: what the engine refuses FAILS the statement
// with its detail; a read that is not to its end is no snapshot query.
func TestSnapshotQueryFailures(t *testing.T) {
	srv, tg := snapshotTarget(t)
	ctx := context.Background()
	for _, tc := range []struct{ sql, want string }{
		{"SELECT COUNT(*) AS violations\nFROM `t`\nWHERE (\nbogus > 0\n) IS NOT TRUE",
			"SQL validation failed. From line 4, column 1 to line 4, column 5: Column 'bogus' not found in any table"},
		{"SELECT COUNT(*) FROM `missing`", "Table (or view) 'missing' does not exist"},
		{"SELECT COUNT(*) FROM t WHERE spent >>= 0", `SQL parse failed. Encountered ">=" at line 1, column 37.`},
	} {
		_, err := tg.ReadRows(ctx, deployers.ReadRequest{Name: "bad", SQL: tc.sql})
		var se *deployers.StatementError
		if !errors.As(err, &se) || !strings.Contains(se.Detail, tc.want) {
			t.Errorf("%s: %v, want a FAILED statement with %q", tc.sql, err, tc.want)
		}
	}
	// With Settle (a unit test's validation), the query streams as before:
	// the stand-in answers every plain SELECT with the table's rows.
	rows, err := tg.ReadRows(ctx, deployers.ReadRequest{Name: "stream", SQL: "SELECT COUNT(*) FROM t WHERE spent > 0", Settle: time.Millisecond})
	if err != nil || len(rows.Rows) != 7 {
		t.Errorf("a read with Settle: %d rows, %v; want the 7 changelog rows of t (no snapshot query)", len(rows.Rows), err)
	}
	var snap []string
	for _, r := range srv.Requests() {
		if strings.Contains(r.Body, "sql.snapshot.mode") {
			snap = append(snap, r.Body)
		}
	}
	if len(snap) != 3 || !strings.Contains(snap[0], `"sql.snapshot.mode":"now"`) {
		t.Errorf("statements sent in snapshot mode: %q, want the 3 bad queries with 'now'", snap)
	}
}
