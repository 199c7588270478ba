package plan

import (
	"errors"
	"regexp"
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

// referenceName is the convention spelled out step by step (substitute,
// '_' → '-', lower-case, fold dashes, trim, check against Confluent's
// pattern): Naming.Name does it in one pass and must agree.
func referenceName(n Naming, t *pipeline.Table, kind deployers.StatementKind) (string, bool) {
	tmpl, product, region := n.inputs(t)
	s := strings.NewReplacer("{cluster_type}", n.ClusterType, "{region}", region, "{product}", product,
		"{kind}", string(kind), "{table}", t.Name).Replace(tmpl)
	s = strings.ToLower(strings.ReplaceAll(s, "_", "-"))
	var b strings.Builder
	prev := byte('-')
	for i := 0; i < len(s); i++ {
		if s[i] == '-' && prev == '-' {
			continue
		}
		b.WriteByte(s[i])
		prev = s[i]
	}
	s = strings.TrimRight(b.String(), "-")
	pattern := regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	return s, len(s) <= MaxStatementName && pattern.MatchString(s)
}

func FuzzNamingMatchesReference(f *testing.F) {
	f.Add("", "dev", "us-west-2", "p2", "src_x")
	f.Add("{product}.{kind}-{table}", "", "", "None", "t_1")
	f.Add("{table}.", "Prod", "eu-central-1", "", "_a__b_")
	f.Add("x-{unknown}-{table}", "-", "--", "a.b", "..")
	f.Fuzz(func(t *testing.T, tmpl, cluster, region, product, table string) {
		for _, s := range []string{tmpl, cluster, region, product, table} {
			for i := 0; i < len(s); i++ {
				if s[i] >= 0x80 {
					return // upper/lower case beyond ASCII only matters for the error text
				}
			}
		}
		// The replacer of the reference would expand placeholders inside
		// substituted values; the one-pass walk does not (and must not).
		for _, s := range []string{cluster, region, product, table} {
			if strings.ContainsAny(s, "{}") {
				return
			}
		}
		n := Naming{Template: tmpl, ClusterType: cluster, Region: region}
		tb := &pipeline.Table{Name: table, Product: product}
		want, ok := referenceName(n, tb, deployers.KindDML)
		got, err := n.Name(tb, deployers.KindDML)
		switch {
		case ok && (err != nil || got != want):
			t.Fatalf("Name(%+v, %q) = %q, %v; reference %q", n, table, got, err, want)
		case !ok && err == nil:
			t.Fatalf("Name(%+v, %q) = %q accepted; reference refuses %q", n, table, got, want)
		}
	})
}
