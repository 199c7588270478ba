package quality

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/internal/testfs"
	"github.com/shiftleft-dev/shiftleft/products"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func i64(n int64) *int64 { return &n }

// TestBuildGolden keeps the SQL of each rule kind in testdata/sql/<case>.sql
// (the Count query, then the Sample query): the queries the engine runs are
// reviewed as text.
func TestBuildGolden(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rule    products.Rule
		bounded bool
	}{
		{"not_null", products.Rule{Kind: products.NotNull, Columns: []string{"customer_id", "email"}}, true},
		{"unique", products.Rule{Kind: products.Unique, Columns: []string{"customer_id"}}, true},
		{"unique_two_columns", products.Rule{Kind: products.Unique, Columns: []string{"segment", "tier"}}, true},
		{"accepted_values", products.Rule{Kind: products.AcceptedValues, Column: "loyalty_tier", Values: []string{"Bronze", "Silver", "O'Neil"}}, true},
		{"row_count", products.Rule{Kind: products.RowCount, Min: i64(1), Max: i64(100)}, true},
		{"expression", products.Rule{Kind: products.Expression, Expression: "total_spent >= 0 -- never negative"}, true},
		{"unbounded_quoting", products.Rule{Kind: products.NotNull, Columns: []string{"we`ird"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			table := "c360_customer_analytics"
			if tc.name == "unbounded_quoting" {
				table = "odd`table"
			}
			q, err := Build(table, tc.rule, tc.bounded)
			if err != nil {
				t.Fatal(err)
			}
			got := "-- count\n" + q.Count + ";\n"
			if q.Sample != "" {
				got += "-- sample\n" + q.Sample + ";\n"
			}
			testfs.Golden(t, filepath.Join("testdata", "sql", tc.name+".sql"), []byte(got), *update)
		})
	}
}

func TestBuildRefusesIncompleteRules(t *testing.T) {
	for _, r := range []products.Rule{
		{Kind: products.NotNull},
		{Kind: products.Unique},
		{Kind: products.AcceptedValues, Column: "c"},
		{Kind: products.RowCount},
		{Kind: products.Expression, Expression: "  "},
		{Kind: "positive"},
	} {
		if _, err := Build("t", r, true); err == nil {
			t.Errorf("Build(%+v) = nil error, want one", r)
		}
	}
}

func TestBoundedHintOnEveryScan(t *testing.T) {
	for _, r := range []products.Rule{
		{Kind: products.NotNull, Columns: []string{"a"}},
		{Kind: products.Unique, Columns: []string{"a"}},
		{Kind: products.AcceptedValues, Column: "a", Values: []string{"x"}},
		{Kind: products.RowCount, Min: i64(1)},
		{Kind: products.Expression, Expression: "a > 0"},
	} {
		q, _ := Build("t", r, true)
		for _, sql := range []string{q.Count, q.Sample} {
			if sql != "" && strings.Count(sql, "FROM `t` "+BoundedHint) != 1 {
				t.Errorf("%s: the scan of t is not bounded:\n%s", r.Kind, sql)
			}
		}
		q, _ = Build("t", r, false)
		if strings.Contains(q.Count+q.Sample, "OPTIONS") {
			t.Errorf("%s: hint without bounded:\n%s", r.Kind, q.Count)
		}
	}
}
