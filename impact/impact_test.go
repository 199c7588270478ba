package impact

import (
	"bytes"
	"flag"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/internal/testfs"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
	"github.com/shiftleft-dev/shiftleft/render"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// testGraph is a two-product project (saleops, marketing):
//
//	src_orders ──────┐
//	src_customers ───┼─> int_orders_enriched ─> saleops_fct_revenue ─> mkt_view_revenue
//	ext_currency ────┘                        ↗
//	src_customers ───> saleops_dim_customer ──┴──> mkt_view_campaigns
//	src_campaigns ───> int_campaigns ─────────────> mkt_view_campaigns
//
// mkt_view_campaigns still reads src_legacy and int_campaigns still reads
// src_campaign (neither is a table of the project any more).
func testGraph(t testing.TB) *dag.Graph {
	t.Helper()
	type tb struct {
		name, typ, product string
		stateful           bool
		parents, external  []string
	}
	var p pipeline.Project
	p.ByName = map[string]*pipeline.Table{}
	for _, x := range []tb{
		{"src_orders", "source", "saleops", false, nil, nil},
		{"src_customers", "source", "saleops", false, nil, nil},
		{"int_orders_enriched", "intermediate", "saleops", true, []string{"ext_currency", "src_customers", "src_orders"}, nil},
		{"saleops_dim_customer", "dimension", "saleops", true, []string{"src_customers"}, nil},
		{"saleops_fct_revenue", "fact", "saleops", true, []string{"int_orders_enriched", "saleops_dim_customer"}, nil},
		{"mkt_view_revenue", "view", "marketing", false, []string{"saleops_fct_revenue"}, nil},
		{"src_campaigns", "source", "marketing", false, nil, nil},
		{"int_campaigns", "intermediate", "marketing", false, []string{"src_campaigns"}, []string{"src_campaign"}},
		{"mkt_view_campaigns", "view", "marketing", true, []string{"int_campaigns", "saleops_dim_customer"}, []string{"legacy_db.`src_legacy`"}},
		{"ext_currency", "external_kafka", "", false, nil, nil},
	} {
		tab := &pipeline.Table{Name: x.name, Type: pipeline.TableType(x.typ), Product: x.product, Stateful: x.stateful, Parents: x.parents, External: x.external}
		if tab.Type == pipeline.TypeExternal {
			tab.IsExternal = true
		} else {
			tab.Folder = x.typ + "s/" + x.product + "/" + x.name
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

var (
	compatible = &changes.SchemaChange{Category: changes.Compatible, Reasons: []string{"column note added"}}
	breakingCh = &changes.SchemaChange{Category: changes.Breaking, Reasons: []string{"column amount removed", "primary key changed (id) → (id, ts)"}}
)

// imp is a compact expectation: table depth from… action flags (c =
// cross-product, s = stateful).
type imp struct {
	table  string
	depth  int
	from   string
	action string
	flags  string
}

func TestAnalyze(t *testing.T) {
	g := testGraph(t)
	// The actions are a deploy's (plan.DescendantRule): a DDL change
	// recreates the table whatever its classification, so its stateful
	// descendants are recreated and its stateless ones restarted; a DML
	// change restarts only the table; other products are left alone.
	tests := []struct {
		name    string
		changed []Changed
		opts    Options
		want    []imp
		// own is the action on each changed table of the graph.
		own map[string]string
	}{
		{
			name:    "compatible ddl: the table is recreated all the same",
			changed: []Changed{{Table: "src_customers", Change: "ddl", Schema: compatible}},
			want: []imp{
				{"int_orders_enriched", 1, "src_customers", "recreate", "s"},
				{"saleops_dim_customer", 1, "src_customers", "recreate", "s"},
				{"mkt_view_campaigns", 2, "src_customers", "none", "cs"},
				{"saleops_fct_revenue", 2, "src_customers", "recreate", "s"},
				{"mkt_view_revenue", 3, "src_customers", "none", "c"},
			},
			own: map[string]string{"src_customers": "recreate"},
		},
		{
			name:    "breaking ddl: other products are redeployed with --cross-product-deployment",
			changed: []Changed{{Table: "saleops_dim_customer", Change: "ddl", Schema: breakingCh}},
			opts:    Options{Deploy: plan.Options{CrossProductDeployment: true}},
			want: []imp{
				{"mkt_view_campaigns", 1, "saleops_dim_customer", "recreate", "cs"},
				{"saleops_fct_revenue", 1, "saleops_dim_customer", "recreate", "s"},
				{"mkt_view_revenue", 2, "saleops_dim_customer", "restart", "c"},
			},
		},
		{
			name:    "breaking ddl: a common product follows",
			changed: []Changed{{Table: "saleops_dim_customer", Change: "ddl", Schema: breakingCh}},
			opts:    Options{Deploy: plan.Options{CommonProducts: []string{"marketing"}}},
			want: []imp{
				{"mkt_view_campaigns", 1, "saleops_dim_customer", "recreate", "cs"},
				{"saleops_fct_revenue", 1, "saleops_dim_customer", "recreate", "s"},
				{"mkt_view_revenue", 2, "saleops_dim_customer", "restart", "c"},
			},
		},
		{
			name:    "unclassified ddl",
			changed: []Changed{{Table: "int_campaigns", Change: "ddl"}},
			want:    []imp{{"mkt_view_campaigns", 1, "int_campaigns", "recreate", "s"}},
		},
		{
			name:    "dml change: the table restarts, its readers read the new output",
			changed: []Changed{{Table: "src_customers", Change: "dml"}},
			want: []imp{
				{"int_orders_enriched", 1, "src_customers", "none", "s"},
				{"saleops_dim_customer", 1, "src_customers", "none", "s"},
				{"mkt_view_campaigns", 2, "src_customers", "none", "cs"},
				{"saleops_fct_revenue", 2, "src_customers", "none", "s"},
				{"mkt_view_revenue", 3, "src_customers", "none", "c"},
			},
			own: map[string]string{"src_customers": "restart"},
		},
		{
			name:    "dml change with --may-start-descendants",
			changed: []Changed{{Table: "src_customers", Change: "dml"}},
			opts:    Options{Deploy: plan.Options{MayStartDescendants: true}},
			want: []imp{
				{"int_orders_enriched", 1, "src_customers", "recreate", "s"},
				{"saleops_dim_customer", 1, "src_customers", "recreate", "s"},
				{"mkt_view_campaigns", 2, "src_customers", "none", "cs"},
				{"saleops_fct_revenue", 2, "src_customers", "recreate", "s"},
				{"mkt_view_revenue", 3, "src_customers", "none", "c"},
			},
		},
		{
			name: "several changes; a changed table is not impacted; depth is the shortest",
			changed: []Changed{
				{Table: "src_orders", Change: "dml"},
				{Table: "int_orders_enriched", Change: "ddl", Schema: compatible},
				{Table: "saleops_dim_customer", Change: "dml"},
			},
			want: []imp{
				{"mkt_view_campaigns", 1, "saleops_dim_customer", "none", "cs"},
				{"saleops_fct_revenue", 1, "int_orders_enriched saleops_dim_customer src_orders", "recreate", "s"},
				{"mkt_view_revenue", 2, "int_orders_enriched saleops_dim_customer src_orders", "none", "c"},
			},
			own: map[string]string{"src_orders": "restart", "int_orders_enriched": "recreate", "saleops_dim_customer": "restart"},
		},
		{
			name:    "a changed table below a recreated one is recreated too",
			changed: []Changed{{Table: "src_customers", Change: "ddl"}, {Table: "saleops_dim_customer", Change: "dml"}},
			want: []imp{
				{"int_orders_enriched", 1, "src_customers", "recreate", "s"},
				{"mkt_view_campaigns", 1, "saleops_dim_customer src_customers", "none", "cs"},
				{"saleops_fct_revenue", 1, "saleops_dim_customer src_customers", "recreate", "s"},
				{"mkt_view_revenue", 2, "saleops_dim_customer src_customers", "none", "c"},
			},
			own: map[string]string{"src_customers": "recreate", "saleops_dim_customer": "recreate"},
		},
		{
			name:    "deleted table breaks its readers",
			changed: []Changed{{Table: "src_legacy", Change: "deleted"}},
			want:    []imp{{"mkt_view_campaigns", 1, "src_legacy", "broken", "s"}},
			own:     map[string]string{"src_legacy": ""},
		},
		{
			name:    "renamed table is created; readers of the old name are broken",
			changed: []Changed{{Table: "src_campaigns", Change: "renamed", OldName: "src_campaign"}},
			want: []imp{
				{"int_campaigns", 1, "src_campaigns", "broken", ""},
				{"mkt_view_campaigns", 2, "src_campaigns", "none", "s"},
			},
			own: map[string]string{"src_campaigns": "create"},
		},
		{
			name:    "a folder move alone impacts nothing",
			changed: []Changed{{Table: "src_campaigns", Change: "renamed"}},
			want:    nil,
			own:     map[string]string{"src_campaigns": "none"},
		},
		{
			name:    "formatting only deploys nothing",
			changed: []Changed{{Table: "src_campaigns", Change: "dml", FormattingOnly: true}},
			want:    nil,
			own:     map[string]string{"src_campaigns": "none"},
		},
		{
			name:    "selection: redeployed as with --force",
			changed: FromSelection([]string{"int_campaigns", "src_campaigns"}),
			want:    []imp{{"mkt_view_campaigns", 1, "int_campaigns src_campaigns", "recreate", "s"}},
			own:     map[string]string{"int_campaigns": "recreate", "src_campaigns": "recreate"},
		},
		{
			name:    "an excluded descendant is shown excluded",
			changed: []Changed{{Table: "src_customers", Change: "ddl"}},
			opts:    Options{NeverDeploy: []string{"saleops_fct_revenue"}},
			want: []imp{
				{"int_orders_enriched", 1, "src_customers", "recreate", "s"},
				{"saleops_dim_customer", 1, "src_customers", "recreate", "s"},
				{"mkt_view_campaigns", 2, "src_customers", "none", "cs"},
				{"saleops_fct_revenue", 2, "src_customers", "excluded", "s"},
				{"mkt_view_revenue", 3, "src_customers", "none", "c"},
			},
		},
		{
			name:    "the target's state: missing tables are created, stopped ones started",
			changed: []Changed{{Table: "src_customers", Change: "ddl"}},
			opts: Options{Deployed: func(n string) (bool, bool) {
				return n != "saleops_dim_customer", n != "int_orders_enriched"
			}},
			want: []imp{
				{"int_orders_enriched", 1, "src_customers", "recreate", "s"},
				{"saleops_dim_customer", 1, "src_customers", "create", "s"},
				{"mkt_view_campaigns", 2, "src_customers", "none", "cs"},
				{"saleops_fct_revenue", 2, "src_customers", "recreate", "s"},
				{"mkt_view_revenue", 3, "src_customers", "none", "c"},
			},
		},
		{
			// saleops_fct_revenue is recreated through int_orders_enriched
			// (the ddl change, two edges away), not for the dml change one
			// edge away; mkt_view_revenue is not listed.
			name:    "max depth lists less, decides the same",
			changed: []Changed{{Table: "src_orders", Change: "ddl"}, {Table: "saleops_dim_customer", Change: "dml"}},
			opts:    Options{MaxDepth: 1},
			want: []imp{
				{"int_orders_enriched", 1, "src_orders", "recreate", "s"},
				{"mkt_view_campaigns", 1, "saleops_dim_customer", "none", "cs"},
				{"saleops_fct_revenue", 1, "saleops_dim_customer src_orders", "recreate", "s"},
			},
		},
		{
			name:    "duplicates merge, strongest change wins",
			changed: []Changed{{Table: "int_campaigns", Change: "dml"}, {Table: "int_campaigns", Change: "ddl", Schema: breakingCh}},
			want:    []imp{{"mkt_view_campaigns", 1, "int_campaigns", "recreate", "s"}},
		},
		{name: "nothing", changed: nil, want: nil},
		{name: "leaf", changed: []Changed{{Table: "mkt_view_revenue", Change: "dml"}}, want: nil, own: map[string]string{"mkt_view_revenue": "restart"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Analyze(g, tt.changed, tt.opts)
			var got []imp
			for _, i := range rep.Impacted {
				flags := ""
				if i.CrossProduct {
					flags += "c"
				}
				if i.Stateful {
					flags += "s"
				}
				got = append(got, imp{i.Table, i.Depth, strings.Join(i.From, " "), i.Action, flags})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("impacted\n got %v\nwant %v", got, tt.want)
			}
			for _, c := range rep.Changed {
				if want, ok := tt.own[c.Table]; ok && c.Action != want {
					t.Errorf("changed %s: action %q, want %q", c.Table, c.Action, want)
				}
			}
			if rep.Impacted == nil || rep.Changed == nil {
				t.Errorf("nil lists encode as null in JSON")
			}
		})
	}
}

func TestFromChangeSet(t *testing.T) {
	cs := &changes.ChangeSet{Tables: []changes.TableChange{
		{Table: "a", Kind: changes.KindDDL, Schema: compatible},
		{Table: "b", Kind: changes.KindOther},
		{Table: "c", Kind: changes.KindRenamed, OldName: "c_old", Content: changes.KindDDL, Schema: breakingCh},
		{Table: "d", Kind: changes.KindRenamed, OldName: "d_old"},
		{Table: "e", Kind: changes.KindRenamed, Content: changes.KindDML},
	}}
	got := FromChangeSet(cs)
	want := []Changed{
		{Table: "a", Change: "ddl", Schema: compatible},
		{Table: "c", Change: "ddl", Schema: breakingCh, OldName: "c_old"},
		{Table: "d", Change: "renamed", OldName: "d_old"},
		{Table: "e", Change: "dml"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if FromChangeSet(nil) != nil {
		t.Fatal("nil change set")
	}
}

func goldenReport(t testing.TB) Report {
	return Analyze(testGraph(t), []Changed{
		{Table: "src_orders", Change: "ddl", Schema: compatible},
		{Table: "saleops_dim_customer", Change: "ddl", Schema: breakingCh},
		{Table: "src_legacy", Change: "deleted"},
		{Table: "src_campaigns", Change: "renamed", OldName: "src_campaign"},
	}, Options{})
}

func TestGolden(t *testing.T) {
	full := goldenReport(t)
	empty := Analyze(testGraph(t), nil, Options{})
	leaf := Analyze(testGraph(t), []Changed{{Table: "mkt_view_revenue", Change: "dml"}}, Options{})
	cases := []struct {
		file   string
		rep    Report
		format string
		style  render.Style
	}{
		{"impact.txt", full, "table", render.Plain},
		{"impact.box.txt", full, "table", render.Box},
		{"impact.json", full, "json", render.Plain},
		{"impact.md", full, "markdown", render.Plain},
		{"impact.mmd", full, "mermaid", render.Plain},
		{"impact.dot", full, "dot", render.Plain},
		{"empty.txt", empty, "table", render.Plain},
		{"empty.json", empty, "json", render.Plain},
		{"empty.md", empty, "markdown", render.Plain},
		{"leaf.md", leaf, "markdown", render.Plain},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			var buf bytes.Buffer
			if err := c.rep.Write(&buf, c.format, c.style); err != nil {
				t.Fatal(err)
			}
			testfs.Golden(t, filepath.Join("testdata", c.file), buf.Bytes(), *update)
		})
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	if err := goldenReport(t).Write(&bytes.Buffer{}, "yaml", render.Plain); err == nil || !strings.Contains(err.Error(), "use one of") {
		t.Fatalf("error %v", err)
	}
}

func TestSummaryLine(t *testing.T) {
	if got, want := goldenReport(t).SummaryLine(), "4 tables changed, 5 impacted (2 cross-product, 2 recreate, 1 restart, 2 broken)"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	dml := Analyze(testGraph(t), []Changed{{Table: "src_customers", Change: "dml"}}, Options{NeverDeploy: []string{"saleops_fct_revenue"}, Deploy: plan.Options{MayStartDescendants: true}})
	if got, want := dml.SummaryLine(), "1 table changed, 5 impacted (2 cross-product, 2 recreate, 1 excluded, 2 not redeployed)"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestMarkdownLargeDiagramLeftOut(t *testing.T) {
	rep := Report{Changed: []ChangedTable{{Table: "src", Change: "dml"}}}
	for i := 0; i < MaxCommentDiagram; i++ {
		rep.Impacted = append(rep.Impacted, ImpactedTable{Table: fmt.Sprintf("t%03d", i), Depth: 1, From: []string{"src"}, Action: ActionRestart})
	}
	var buf bytes.Buffer
	if err := rep.WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "```mermaid") || !strings.Contains(out, "graph of these 101 tables is too large") || !strings.Contains(out, "| t099 | 1 | src |") {
		t.Fatalf("markdown:\n%s", out)
	}
}
