package quality

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"reflect"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/products"
)

func row(op string, vs ...any) deployers.Row { return deployers.Row{Op: op, Values: vs} }

func TestFold(t *testing.T) {
	for _, tc := range []struct {
		name string
		rows []deployers.Row
		want [][]any
	}{
		{"nothing", nil, nil},
		{"a global count settling on 3", []deployers.Row{
			row("+I", json.Number("1")), row("-U", json.Number("1")), row("+U", json.Number("2")),
			row("-U", json.Number("2")), row("+U", json.Number("3"))}, [][]any{{json.Number("3")}}},
		{"a deleted row and a duplicate kept", []deployers.Row{
			row("+I", "a", 1), row("+I", "b", 2), row("+I", "a", 1), row("-D", "b", 2)}, [][]any{{"a", 1}, {"a", 1}}},
		{"numbers and strings of one value are one row", []deployers.Row{
			row("+I", json.Number("7")), row("-U", "7"), row("+U", "8")}, [][]any{{"8"}}},
		{"a retraction of a row never seen is ignored", []deployers.Row{row("-U", "x"), row("+I", "y")}, [][]any{{"y"}}},
	} {
		if got := Fold(tc.rows); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Fold = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestInt(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want int64
		ok   bool
	}{
		{nil, 0, true}, {json.Number("42"), 42, true}, {"17", 17, true}, {" 3 ", 3, true}, {"3.0", 3, true},
		{float64(5), 5, true}, {"3.5", 0, false}, {"many", 0, false}, {true, 0, false},
	} {
		got, err := Int(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Int(%#v) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestJudge(t *testing.T) {
	counts := func(vs ...any) deployers.Rows {
		return deployers.Rows{Rows: []deployers.Row{row("+I", vs...)}}
	}
	for _, tc := range []struct {
		rule   products.Rule
		rows   deployers.Rows
		status string
		count  int64
		msg    string
	}{
		{products.Rule{Kind: products.NotNull, Columns: []string{"a", "b"}}, deployers.Rows{}, StatusPass, 0, "no NULL in a, b"},
		{products.Rule{Kind: products.NotNull, Columns: []string{"a", "b"}}, counts("3", "0", "3"), StatusFail, 3, "3 rows with a NULL (b 3)"},
		{products.Rule{Kind: products.Unique, Columns: []string{"id"}}, counts(json.Number("2"), json.Number("5")), StatusFail, 2, "2 values of (id) held by more than one row (5 rows)"},
		{products.Rule{Kind: products.AcceptedValues, Column: "tier", Values: []string{"Gold"}}, counts(json.Number("1")), StatusFail, 1, "1 row with tier not in (Gold)"},
		{products.Rule{Kind: products.RowCount, Min: i64(1)}, deployers.Rows{}, StatusFail, 0, "0 rows, fewer than the minimum 1"},
		{products.Rule{Kind: products.RowCount, Max: i64(10)}, counts("11"), StatusFail, 11, "11 rows, more than the maximum 10"},
		{products.Rule{Kind: products.RowCount, Min: i64(1), Max: i64(10)}, counts("10"), StatusPass, 10, "10 rows"},
		{products.Rule{Kind: products.Expression, Expression: "x > 0"}, counts("0"), StatusPass, 0, "true for every row"},
		{products.Rule{Kind: products.Expression, Expression: "x > 0"}, counts("4"), StatusFail, 4, "4 rows where it is false or NULL"},
	} {
		var res Result
		if err := Judge(&res, tc.rule, tc.rows); err != nil {
			t.Fatalf("%s: %v", tc.rule, err)
		}
		if res.Status != tc.status || res.Count != tc.count || res.Message != tc.msg {
			t.Errorf("%s: %s %d %q, want %s %d %q", tc.rule, res.Status, res.Count, res.Message, tc.status, tc.count, tc.msg)
		}
	}
	var res Result
	if err := Judge(&res, products.Rule{Kind: products.RowCount, Min: i64(1)}, counts("lots")); err == nil {
		t.Error("Judge accepted a count that is not a number")
	}
}

func TestSampleOfFoldsAndCaps(t *testing.T) {
	rows := deployers.Rows{Columns: []deployers.Column{{Name: "id"}}}
	for _, id := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		rows.Rows = append(rows.Rows, row("+I", id))
	}
	rows.Rows = append(rows.Rows, row("-D", "a"))
	s := SampleOf(rows)
	if len(s.Rows) != SampleSize || s.Rows[0][0] != "b" || !reflect.DeepEqual(s.Columns, []string{"id"}) {
		t.Errorf("SampleOf = %+v, want %d rows from b", s, SampleSize)
	}
}

func TestWriteJUnit(t *testing.T) {
	rep := &Report{Results: []Result{
		{Product: "c360", Table: "t", Rule: 0, Kind: "not_null", Description: "not_null: id", File: "pipelines/products/c360.yaml", Line: 6, Status: StatusPass, DurationMS: 1500},
		{Product: "c360", Table: "t", Rule: 1, Kind: "unique", Description: "unique: id", File: "pipelines/products/c360.yaml", Line: 7, Status: StatusFail, Count: 1,
			Message: "1 value of (id) held by more than one row (2 rows)", Sample: &Sample{Columns: []string{"id", "duplicate_rows"}, Rows: [][]any{{"a", 2}}}},
		{Product: "sales", Table: "u", Rule: 0, Kind: "expression", Description: "expression: x >>= 0", File: "pipelines/products/sales.yaml", Line: 9, Status: StatusError, Message: "refused"},
	}}
	rep.Tally()
	var b bytes.Buffer
	if err := WriteJUnit(&b, rep); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Time  string `xml:"time,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Line    int    `xml:"line,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Error *struct{} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Errors != 1 || len(doc.Suites) != 2 || doc.Suites[0].Time != "1.500" {
		t.Fatalf("junit totals wrong:\n%s", b.String())
	}
	f := doc.Suites[0].Cases[1].Failure
	if f == nil || !strings.Contains(f.Text, `["a",2]`) || !strings.Contains(f.Text, "pipelines/products/c360.yaml:7") || doc.Suites[1].Cases[0].Error == nil {
		t.Errorf("failure or error missing its detail:\n%s", b.String())
	}
}
