package plan

import (
	"errors"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

func TestNaming(t *testing.T) {
	cases := []struct {
		naming  Naming
		table   pipeline.Table
		kind    deployers.StatementKind
		want    string
		wantErr string
	}{
		{testNaming, pipeline.Table{Name: "src_x", Product: "p2"}, deployers.KindDML, "dev-usw2-p2-dml-src-x", ""},
		{testNaming, pipeline.Table{Name: "src_x", Product: "p2"}, deployers.KindDDL, "dev-usw2-p2-ddl-src-x", ""},
		{testNaming, pipeline.Table{Name: "src_x", Product: "p2"}, deployers.KindDrop, "dev-usw2-p2-drop-src-x", ""},
		{testNaming, pipeline.Table{Name: "Src_X"}, deployers.KindDML, "dev-usw2-dml-src-x", ""},
		{testNaming, pipeline.Table{Name: "t", Product: "None"}, deployers.KindDML, "dev-usw2-dml-t", ""},
		{Naming{ClusterType: "prod", Region: "eu-central-1"}, pipeline.Table{Name: "t", Product: "c360"}, deployers.KindDML, "prod-euc1-c360-dml-t", ""},
		{Naming{ClusterType: "stage", Region: "ap-southeast-1"}, pipeline.Table{Name: "t"}, deployers.KindDDL, "stage-apse1-ddl-t", ""},
		{Naming{Template: "{product}.{kind}-{table}"}, pipeline.Table{Name: "t_1", Product: "sales"}, deployers.KindDML, "sales.dml-t-1", ""},
		{Naming{}, pipeline.Table{Name: "t"}, deployers.KindDML, "dml-t", ""},
		{testNaming, pipeline.Table{Name: strings.Repeat("a", 90), Product: "p2"}, deployers.KindDML, "", "more than the 100 allowed"},
		{testNaming, pipeline.Table{Name: "bad$name"}, deployers.KindDML, "", "may only hold"},
		{Naming{Template: "{table}."}, pipeline.Table{Name: "t"}, deployers.KindDML, "", "may only hold"},
	}
	for _, tc := range cases {
		got, err := tc.naming.Name(&tc.table, tc.kind)
		if tc.wantErr != "" {
			var ne *NameError
			if !errors.As(err, &ne) || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "table "+tc.table.Name) {
				t.Errorf("%s: err = %v, want a NameError naming the table with %q", tc.table.Name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%+v %s %s: got %q, %v; want %q", tc.naming, tc.table.Name, tc.kind, got, err, tc.want)
		}
	}
}

func TestTableRefs(t *testing.T) {
	g := project(t, mixed)
	var tables []*pipeline.Table
	for _, n := range g.Names() {
		tables = append(tables, g.Table(n))
	}
	refs, err := TableRefs(tables, testNaming)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != len(mixed)-1 {
		t.Fatalf("%d refs, want %d (external tables have none)", len(refs), len(mixed)-1)
	}
	for _, r := range refs {
		if r.Table == "int_o" && (r.DDLName != "dev-usw2-sales-ddl-int-o" || r.DMLName != "dev-usw2-sales-dml-int-o") {
			t.Errorf("int_o ref = %+v", r)
		}
	}
}

func TestNormalize(t *testing.T) {
	a := "-- comment\nINSERT INTO t\n  SELECT a,   b /* x */ FROM s;\n"
	b := "INSERT INTO t SELECT a, b FROM s"
	if Normalize(a) != Normalize(b) {
		t.Errorf("%q != %q", Normalize(a), Normalize(b))
	}
	if Normalize("INSERT INTO t SELECT 'a  b' FROM s") == Normalize("INSERT INTO t SELECT 'a b' FROM s") {
		t.Error("white space inside a string literal must count")
	}
}
