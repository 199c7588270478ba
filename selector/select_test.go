package selector

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// testGraph is a small two-product project:
//
//	src_customers ─┬─> int_orders_enriched ──> saleops_fct_revenue ──> mkt_view_revenue
//	src_orders ────┤                         ↗
//	ext_currency ──┘   saleops_dim_customer ─┴─> mkt_view_campaigns
//	src_customers ───> saleops_dim_customer
//	src_campaigns ───> int_campaigns ──────────> mkt_view_campaigns
func testGraph(t testing.TB) *dag.Graph {
	t.Helper()
	type tb struct {
		name, typ, product, folder string
		parents                    []string
	}
	layer := map[string]string{"source": "sources", "intermediate": "intermediates", "dimension": "dimensions", "fact": "facts", "view": "views"}
	var p pipeline.Project
	p.ByName = map[string]*pipeline.Table{}
	for _, x := range []tb{
		{"src_orders", "source", "saleops", "", nil},
		{"src_customers", "source", "saleops", "", nil},
		{"int_orders_enriched", "intermediate", "saleops", "", []string{"ext_currency", "src_customers", "src_orders"}},
		{"saleops_dim_customer", "dimension", "saleops", "", []string{"src_customers"}},
		{"saleops_fct_revenue", "fact", "saleops", "", []string{"int_orders_enriched", "saleops_dim_customer"}},
		{"mkt_view_revenue", "view", "marketing", "", []string{"saleops_fct_revenue"}},
		{"src_campaigns", "source", "marketing", "", nil},
		{"int_campaigns", "intermediate", "marketing", "", []string{"src_campaigns"}},
		{"mkt_view_campaigns", "view", "marketing", "", []string{"int_campaigns", "saleops_dim_customer"}},
		{"ext_currency", "external_kafka", "", "-", nil},
	} {
		tab := &pipeline.Table{Name: x.name, Type: pipeline.TableType(x.typ), Product: x.product, Parents: x.parents}
		if x.folder == "-" {
			tab.IsExternal = true
		} else {
			tab.Folder = layer[x.typ] + "/" + x.product + "/" + x.name
			tab.DDLPath = tab.Folder + "/sql-scripts/ddl." + x.name + ".sql"
			tab.DMLPath = tab.Folder + "/sql-scripts/dml." + x.name + ".sql"
		}
		p.Tables = append(p.Tables, tab)
		p.ByName[x.name] = tab
	}
	g, err := dag.Build(&p)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func testChanges() *changes.ChangeSet {
	return &changes.ChangeSet{Tables: []changes.TableChange{
		{Table: "int_campaigns", Kind: changes.KindDML},
		{Table: "old_table", Kind: changes.KindDeleted},
		{Table: "saleops_dim_customer", Kind: changes.KindDDL, Schema: &changes.SchemaChange{Category: changes.Breaking}},
		{Table: "src_campaigns", Kind: changes.KindRenamed, OldName: "src_campaign"},
		{Table: "src_orders", Kind: changes.KindDDL, Schema: &changes.SchemaChange{Category: changes.Compatible}},
		{Table: "int_orders_enriched", Kind: changes.KindOther},
		{Table: "mkt_view_revenue", Kind: changes.KindAdded},
	}}
}

func TestSelect(t *testing.T) {
	g := testGraph(t)
	tests := []struct {
		name     string
		sel      Selection
		selected string // space-separated, sorted
		excluded string
		deleted  string
	}{
		{name: "all", sel: Selection{}, selected: "ext_currency int_campaigns int_orders_enriched mkt_view_campaigns mkt_view_revenue saleops_dim_customer saleops_fct_revenue src_campaigns src_customers src_orders"},
		{name: "name", sel: sel("saleops_fct_revenue"), selected: "saleops_fct_revenue"},
		{name: "ancestors", sel: sel("+saleops_fct_revenue"), selected: "ext_currency int_orders_enriched saleops_dim_customer saleops_fct_revenue src_customers src_orders"},
		{name: "ancestors depth 1", sel: sel("1+saleops_fct_revenue"), selected: "int_orders_enriched saleops_dim_customer saleops_fct_revenue"},
		{name: "descendants", sel: sel("src_customers+"), selected: "int_orders_enriched mkt_view_campaigns mkt_view_revenue saleops_dim_customer saleops_fct_revenue src_customers"},
		{name: "descendants depth 1", sel: sel("src_customers+1"), selected: "int_orders_enriched saleops_dim_customer src_customers"},
		{name: "both", sel: sel("+int_orders_enriched+"), selected: "ext_currency int_orders_enriched mkt_view_revenue saleops_fct_revenue src_customers src_orders"},
		{name: "both bounded", sel: sel("1+saleops_fct_revenue+1"), selected: "int_orders_enriched mkt_view_revenue saleops_dim_customer saleops_fct_revenue"},
		// @: descendants of src_campaigns (int_campaigns, mkt_view_campaigns)
		// plus every ancestor of those (saleops_dim_customer, src_customers).
		{name: "at", sel: sel("@src_campaigns"), selected: "int_campaigns mkt_view_campaigns saleops_dim_customer src_campaigns src_customers"},
		{name: "name glob", sel: sel("int_*"), selected: "int_campaigns int_orders_enriched"},
		{name: "product", sel: sel("product:marketing"), selected: "int_campaigns mkt_view_campaigns mkt_view_revenue src_campaigns"},
		{name: "product glob", sel: sel("product:sale*"), selected: "int_orders_enriched saleops_dim_customer saleops_fct_revenue src_customers src_orders"},
		{name: "type", sel: sel("type:view"), selected: "mkt_view_campaigns mkt_view_revenue"},
		{name: "type layer folder", sel: sel("type:sources"), selected: "src_campaigns src_customers src_orders"},
		{name: "type external", sel: sel("type:external"), selected: "ext_currency"},
		{name: "external true", sel: sel("external:true"), selected: "ext_currency"},
		{name: "path folder", sel: sel("path:facts/saleops"), selected: "saleops_fct_revenue"},
		{name: "path default method", sel: sel("sources/marketing"), selected: "src_campaigns"},
		{name: "path layer glob", sel: sel("path:*/marketing"), selected: "int_campaigns mkt_view_campaigns mkt_view_revenue src_campaigns"},
		{name: "path table folder glob", sel: sel("path:sources/*/src_c?stomers"), selected: "src_customers"},
		{name: "path trailing slash", sel: sel("path:views/"), selected: "mkt_view_campaigns mkt_view_revenue"},
		{name: "path file", sel: sel("path:*/*/*/sql-scripts/dml.int_*.sql"), selected: "int_campaigns int_orders_enriched"},
		{name: "union", sel: sel("src_orders src_campaigns"), selected: "src_campaigns src_orders"},
		{name: "union of select flags", sel: sel("src_orders", "src_campaigns"), selected: "src_campaigns src_orders"},
		// Graph operators apply before the intersection.
		{name: "intersection", sel: sel("src_customers+,product:marketing"), selected: "mkt_view_campaigns mkt_view_revenue"},
		{name: "intersection and union", sel: sel("src_customers+,type:view src_orders"), selected: "mkt_view_campaigns mkt_view_revenue src_orders"},
		{name: "exclude", sel: Selection{Select: []string{"src_customers+"}, Exclude: []string{"product:marketing"}},
			selected: "int_orders_enriched saleops_dim_customer saleops_fct_revenue src_customers", excluded: "mkt_view_campaigns mkt_view_revenue"},
		{name: "exclude all", sel: Selection{Select: []string{"src_orders"}, Exclude: []string{"type:source"}}, excluded: "src_orders"},
		{name: "exclude from all", sel: Selection{Exclude: []string{"product:saleops", "external:true"}}, selected: "int_campaigns mkt_view_campaigns mkt_view_revenue src_campaigns",
			excluded: "ext_currency int_orders_enriched saleops_dim_customer saleops_fct_revenue src_customers src_orders"},
		{name: "table names", sel: Selection{TableNames: []string{"src_orders", "int_campaigns"}}, selected: "int_campaigns src_orders"},
		{name: "product names", sel: Selection{ProductNames: []string{"marketing"}, TableNames: []string{"src_orders"}}, selected: "int_campaigns mkt_view_campaigns mkt_view_revenue src_campaigns src_orders"},
		{name: "dir relative to root", sel: Selection{Dirs: []string{"views"}, Root: "/p", WorkDir: "/elsewhere"}, selected: "mkt_view_campaigns mkt_view_revenue"},
		{name: "dir absolute", sel: Selection{Dirs: []string{"/p/sources/saleops"}, Root: "/p"}, selected: "src_customers src_orders"},
		{name: "dir relative to workdir", sel: Selection{Dirs: []string{"."}, Root: "/", WorkDir: "/"}, selected: "ext_currency int_campaigns int_orders_enriched mkt_view_campaigns mkt_view_revenue saleops_dim_customer saleops_fct_revenue src_campaigns src_customers src_orders"},
		{name: "state modified", sel: sel("state:modified"), selected: "int_campaigns mkt_view_revenue saleops_dim_customer src_campaigns src_orders"},
		{name: "git modified ddl", sel: sel("git:modified.ddl"), selected: "mkt_view_revenue saleops_dim_customer src_orders"},
		{name: "state modified dml", sel: sel("state:modified.dml"), selected: "int_campaigns mkt_view_revenue"},
		{name: "state breaking descendants", sel: sel("state:modified.breaking+"), selected: "mkt_view_campaigns mkt_view_revenue saleops_dim_customer saleops_fct_revenue"},
		{name: "state new", sel: sel("state:new"), selected: "mkt_view_revenue"},
		{name: "state renamed", sel: sel("state:renamed"), selected: "src_campaigns"},
		{name: "state deleted", sel: sel("state:deleted"), deleted: "old_table"},
		{name: "state deleted and name", sel: sel("state:deleted src_orders"), selected: "src_orders", deleted: "old_table"},
		{name: "state empty is fine", sel: sel("state:modified,type:external"), selected: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Select(g, tt.sel, testChanges())
			if err != nil {
				t.Fatalf("Select: %v", err)
			}
			check := func(what string, got []string, want string) {
				if strings.Join(got, " ") != want {
					t.Errorf("%s = %q, want %q", what, strings.Join(got, " "), want)
				}
			}
			check("Selected", res.Selected, tt.selected)
			check("Excluded", res.Excluded, tt.excluded)
			check("Deleted", res.Deleted, tt.deleted)
		})
	}
	// An exclusion also names tables the selection did not match: plans
	// never run them, even when a rule would add one.
	res, err := Select(g, Selection{Select: []string{"src_orders"}, Exclude: []string{"saleops_fct_revenue", "src_orders"}}, testChanges())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.ExcludeMatched, " "); got != "saleops_fct_revenue src_orders" || strings.Join(res.Excluded, " ") != "src_orders" {
		t.Errorf("ExcludeMatched %q, Excluded %q", got, res.Excluded)
	}
}

func sel(exprs ...string) Selection { return Selection{Select: exprs} }

func TestSelectErrors(t *testing.T) {
	g := testGraph(t)
	dir := t.TempDir()
	list := filepath.Join(dir, "tables.txt")
	if err := os.WriteFile(list, []byte("# release 12\nsrc_orders\n\n  int_campaign  # typo\nsaleops_fct_revnue\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		sel     Selection
		cs      *changes.ChangeSet
		wantErr string // substring
		misses  []Miss // when a *NoMatchError with misses is expected
	}{
		{name: "unknown table", sel: sel("fct_revnue"), wantErr: "no table named fct_revnue (--select \"fct_revnue\"); did you mean saleops_fct_revenue?",
			misses: []Miss{{Where: `--select "fct_revnue"`, Kind: "table", Value: "fct_revnue", Suggestions: []string{"saleops_fct_revenue"}}}},
		{name: "transposition", sel: sel("+src_ordres"),
			misses: []Miss{{Where: `--select "+src_ordres"`, Kind: "table", Value: "src_ordres", Suggestions: []string{"src_orders"}}}},
		{name: "prefix", sel: sel("mkt_view"),
			misses: []Miss{{Where: `--select "mkt_view"`, Kind: "table", Value: "mkt_view", Suggestions: []string{"mkt_view_campaigns", "mkt_view_revenue"}}}},
		{name: "no suggestion", sel: sel("zzzzzz"), wantErr: "no table named zzzzzz (--select \"zzzzzz\")",
			misses: []Miss{{Where: `--select "zzzzzz"`, Kind: "table", Value: "zzzzzz"}}},
		{name: "unknown product", sel: sel("product:salesops"),
			misses: []Miss{{Where: `--select "product:salesops"`, Kind: "product", Value: "salesops", Suggestions: []string{"saleops"}}}},
		{name: "unknown path", sel: sel("path:fact/saleops"), wantErr: "no table has path fact/saleops",
			misses: []Miss{{Where: `--select "path:fact/saleops"`, Kind: "path", Value: "fact/saleops", Suggestions: []string{"facts/saleops"}}}},
		{name: "no table of type", sel: sel("type:seed"),
			misses: []Miss{{Where: `--select "type:seed"`, Kind: "type", Value: "seed"}}},
		{name: "all misses together", sel: Selection{Select: []string{"a_x src_orders"}, Exclude: []string{"b_y"}, TableNames: []string{"c_z"}},
			misses: []Miss{
				{Where: `--select "a_x src_orders"`, Kind: "table", Value: "a_x"},
				{Where: "--table-name", Kind: "table", Value: "c_z"},
				{Where: `--exclude "b_y"`, Kind: "table", Value: "b_y"},
			}},
		{name: "list file", sel: Selection{TableListFile: list}, wantErr: "2 selectors match nothing",
			misses: []Miss{
				{Where: list + ":4", Kind: "table", Value: "int_campaign", Suggestions: []string{"int_campaigns"}},
				{Where: list + ":5", Kind: "table", Value: "saleops_fct_revnue", Suggestions: []string{"saleops_fct_revenue"}},
			}},
		{name: "unknown product name flag", sel: Selection{ProductNames: []string{"marketin"}},
			misses: []Miss{{Where: "--product-name", Kind: "product", Value: "marketin", Suggestions: []string{"marketing"}}}},
		{name: "unknown dir", sel: Selection{Dirs: []string{"facts/marketing"}, Root: "/p"},
			misses: []Miss{{Where: "--dir facts/marketing", Kind: "folder", Value: "facts/marketing", Suggestions: []string{"facts"}}}},
		{name: "empty intersection", sel: sel("type:source,type:view"), wantErr: `the selection --select "type:source,type:view" selects no table`},
		{name: "syntax", sel: sel("a,,b"), wantErr: `selector "a,,b": empty selector around ','`},
		{name: "syntax in exclude", sel: Selection{Exclude: []string{"@a+"}}, wantErr: "'@' cannot be combined"},
		{name: "no change set", sel: sel("state:modified+"), cs: nil, wantErr: "need a change set"},
		{name: "dir outside", sel: Selection{Dirs: []string{"../x"}, Root: "/p"}, wantErr: "outside the pipelines folder"},
		{name: "missing list", sel: Selection{TableListFile: filepath.Join(dir, "none.txt")}, wantErr: "read table list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := tt.cs
			if cs == nil && tt.name != "no change set" {
				cs = testChanges()
			}
			_, err := Select(g, tt.sel, cs)
			if err == nil {
				t.Fatal("Select succeeded, want an error")
			}
			if tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q, want it to contain %q", err, tt.wantErr)
			}
			if tt.misses != nil {
				var nm *NoMatchError
				if !errors.As(err, &nm) {
					t.Fatalf("error %T %v, want *NoMatchError", err, err)
				}
				if !reflect.DeepEqual(nm.Misses, tt.misses) {
					t.Errorf("misses\n got %+v\nwant %+v", nm.Misses, tt.misses)
				}
			}
		})
	}
}

func TestSelectNoChangeSetSentinel(t *testing.T) {
	_, err := Select(testGraph(t), sel("git:modified"), nil)
	if !errors.Is(err, ErrNoChangeSet) {
		t.Fatalf("error %v, want ErrNoChangeSet", err)
	}
	if !sel("a", "git:modified+").NeedsChanges() || sel("a").NeedsChanges() {
		t.Fatal("NeedsChanges wrong")
	}
}

func TestParseTableList(t *testing.T) {
	got := ParseTableList([]byte("\ufeffa\r\n# c\n\n b # x\n#\nc"))
	want := []ListedName{{"a", 1}, {"b", 4}, {"c", 6}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestSuggest(t *testing.T) {
	cands := []string{"saleops_fct_revenue", "saleops_dim_customer", "src_orders", "src_order_lines", "int_orders", "a"}
	tests := []struct {
		in   string
		want []string
	}{
		{"src_ordrs", []string{"src_orders"}},
		{"fct_revnue", []string{"saleops_fct_revenue"}},
		{"orders", []string{"int_orders", "src_orders"}},
		{"src_order", []string{"src_orders", "src_order_lines"}},
		{"x", nil},
		{"b", nil},
		{"SRC_ORDERS", []string{"src_orders"}},
	}
	for _, tt := range tests {
		if got := Suggest(tt.in, cands, 5); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Suggest(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if got := Suggest("s", []string{"s1", "s2", "s3", "s4", "s5", "s6", "s7"}, 5); len(got) != 0 {
		t.Errorf("one-letter input suggested %v", got)
	}
}

// FuzzParseTableList checks the list reader on arbitrary files: no panics,
// names are trimmed, never hold a comment, and lines increase.
func FuzzParseTableList(f *testing.F) {
	for _, s := range []string{"a\nb\n", "# c\n\n  x # y\r\n", "\ufeffa", "#", "a#b#c\n\n\n d"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		last := 0
		for _, n := range ParseTableList(data) {
			if n.Name == "" || n.Name != strings.TrimSpace(n.Name) || strings.Contains(n.Name, "#") || strings.Contains(n.Name, "\n") {
				t.Fatalf("bad name %q", n.Name)
			}
			if n.Line <= last {
				t.Fatalf("line %d after %d", n.Line, last)
			}
			last = n.Line
		}
	})
}

func TestOSA(t *testing.T) {
	var r osaRows
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "ab", 2}, {"abc", "abc", 0}, {"abc", "acb", 1},
		{"kitten", "sitting", 3}, {"ca", "abc", 3}, {"revnue", "revenue", 1}, {"ab", "ba", 1},
	} {
		if got := osa(tt.a, tt.b, &r); got != tt.want {
			t.Errorf("osa(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	if got := r.within2("a", "abcdef"); got != 3 {
		t.Errorf("within2 = %d", got)
	}
}
