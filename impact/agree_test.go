package impact_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/impact"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// node is one table of a hand-built graph: name, type, product, stateful,
// parents.
type node struct {
	name, typ, product string
	stateful           bool
	parents            []string
}

// p2 is the shape of shift_left's acceptance graph (product p2 of its test
// project), as plan's scenario tests use it.
var p2 = []node{
	{"src_x", "source", "p2", false, nil},
	{"src_y", "source", "p2", false, nil},
	{"src_a", "source", "p2", false, nil},
	{"src_b", "source", "p2", false, nil},
	{"x", "intermediate", "p2", true, []string{"src_x"}},
	{"y", "intermediate", "p2", false, []string{"src_y"}},
	{"a", "intermediate", "p2", true, []string{"src_a", "src_x"}},
	{"b", "intermediate", "p2", true, []string{"src_b"}},
	{"z", "intermediate", "p2", true, []string{"x", "y"}},
	{"d", "intermediate", "p2", true, []string{"y", "z"}},
	{"c", "intermediate", "p2", false, []string{"b", "z"}},
	{"e", "fact", "p2", false, []string{"c"}},
	{"f", "fact", "p2", false, []string{"d"}},
	{"p", "fact", "p2", false, []string{"z"}},
}

// products crosses products: sales tables feed a common table and the
// marketing product; ext is an external input; nosql has no SQL file.
var products = []node{
	{"ext", "external_kafka", "", false, nil},
	{"s_src", "source", "sales", false, []string{"ext"}},
	{"s_agg", "intermediate", "sales", true, []string{"s_src"}},
	{"cmn_dim", "dimension", "common", false, []string{"s_src"}},
	{"m_view", "view", "marketing", false, []string{"s_agg"}},
	{"m_agg", "fact", "marketing", true, []string{"m_view", "cmn_dim"}},
	{"m_nosql", "view", "marketing", false, []string{"s_agg"}},
}

func build(t *testing.T, nodes []node, edit func(*pipeline.Table)) *dag.Graph {
	t.Helper()
	p := &pipeline.Project{ByName: map[string]*pipeline.Table{}}
	for _, n := range nodes {
		tb := &pipeline.Table{Name: n.name, Type: pipeline.TableType(n.typ), Product: n.product, Stateful: n.stateful, Parents: n.parents}
		if tb.Type == pipeline.TypeExternal {
			tb.IsExternal = true
		} else if n.name != "m_nosql" {
			tb.Folder = n.typ + "s/" + n.product + "/" + n.name
			tb.DDLPath = tb.Folder + "/sql-scripts/ddl." + n.name + ".sql"
			tb.DMLPath = tb.Folder + "/sql-scripts/dml." + n.name + ".sql"
		}
		if edit != nil {
			edit(tb)
		}
		p.Tables = append(p.Tables, tb)
		p.ByName[n.name] = tb
	}
	sort.Slice(p.Tables, func(i, j int) bool { return p.Tables[i].Name < p.Tables[j].Name })
	g, err := dag.Build(p)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// kind is a change kind as git reports it (impact) and as the plan reads
// it; selected is a selection without git, which impact counts as a
// deploy with --force.
type kind struct {
	name    string
	impact  impact.Changed
	plan    *plan.Change
	force   bool
	missing bool // the change adds the table: it is not on the target
	// quiet: the change alone impacts nothing downstream (a folder move,
	// a formatting edit); the tables below are listed only when the
	// deploy acts on the changed table for another reason.
	quiet bool
}

var kinds = []kind{
	{name: "dml", impact: impact.Changed{Change: "dml"}, plan: &plan.Change{Kind: plan.ChangeDML}},
	{name: "ddl compatible", impact: impact.Changed{Change: "ddl", Schema: &changes.SchemaChange{Category: changes.Compatible, Reasons: []string{"column note added"}}},
		plan: &plan.Change{Kind: plan.ChangeDDL, Schema: changes.Compatible, Reasons: []string{"column note added"}}},
	{name: "ddl breaking", impact: impact.Changed{Change: "ddl", Schema: &changes.SchemaChange{Category: changes.Breaking, Reasons: []string{"type of v changed STRING → INT"}}},
		plan: &plan.Change{Kind: plan.ChangeDDL, Schema: changes.Breaking, Reasons: []string{"type of v changed STRING → INT"}}},
	{name: "ddl unclassified", impact: impact.Changed{Change: "ddl"}, plan: &plan.Change{Kind: plan.ChangeDDL}},
	{name: "added", impact: impact.Changed{Change: "added"}, plan: &plan.Change{Kind: plan.ChangeAdded}, missing: true},
	{name: "moved folder", impact: impact.Changed{Change: "renamed"}, plan: &plan.Change{Kind: plan.ChangeRenamed}, quiet: true},
	{name: "formatting only", impact: impact.Changed{Change: "dml", FormattingOnly: true}, quiet: true},
	{name: "selected", impact: impact.Changed{Change: impact.ChangeSelected}, force: true},
}

// scenario is a deploy: the selected tables (the changed ones), the tables
// running on the target (the others are missing) and the flags.
type scenario struct {
	name     string
	nodes    []node
	selected []string
	running  []string
	opts     plan.Options
}

func names(nodes []node) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.name)
	}
	return out
}

func without(list []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(n string) bool { return slices.Contains(drop, n) })
}

// tenScenarios are the ten acceptance scenarios of the plan's tests (the
// p2 cases replayed from shift_left's execution-plan tests): same
// selection, same running tables, same flags, except --force-ancestors
// (cases 5 and 7), which acts above the change where impact does not look.
func tenScenarios() []scenario {
	all := names(p2)
	return []scenario{
		{name: "1 f, all running", selected: []string{"f"}, running: all},
		{name: "2 f, d and f not found", selected: []string{"f"}, running: without(all, "d", "f")},
		{name: "3 f + descendants", selected: []string{"f"}, running: []string{"src_x", "x", "src_b", "b"}, opts: plan.Options{MayStartDescendants: true}},
		{name: "4 e, only x, y, z, src_x, src_y running", selected: []string{"e"}, running: []string{"x", "y", "z", "src_x", "src_y"}},
		{name: "5 z (without force ancestors), all running", selected: []string{"z"}, running: all},
		{name: "6 z + descendants; c, d, a not found", selected: []string{"z"}, running: without(all, "c", "d", "a"), opts: plan.Options{MayStartDescendants: true}},
		{name: "7 z + descendants (without force ancestors), all running", selected: []string{"z"}, running: all, opts: plan.Options{MayStartDescendants: true}},
		{name: "8 product p2; x, y, z, src_x, src_y running", selected: all, running: []string{"x", "y", "z", "src_x", "src_y"}},
		{name: "9 dir sources/p2", selected: []string{"src_x", "src_y", "src_a", "src_b"}, running: []string{"x", "y", "z", "src_x", "src_y"}},
		{name: "10 dir intermediates/p2 + descendants", selected: []string{"x", "y", "a", "b", "z", "d", "c"},
			running: []string{"src_x", "src_y", "src_a", "src_b", "x", "y", "z", "b"}, opts: plan.Options{MayStartDescendants: true}},
	}
}

// productScenarios cross products: the scope of a deploy (the selected
// tables' products, the common ones, --cross-product-deployment).
func productScenarios() []scenario {
	all := names(products)
	return []scenario{
		{name: "sales source, defaults", selected: []string{"s_src"}, running: all},
		{name: "sales source, common product", selected: []string{"s_src"}, running: all, opts: plan.Options{CommonProducts: []string{"common"}}},
		{name: "sales source, cross-product", selected: []string{"s_src"}, running: all, opts: plan.Options{CrossProductDeployment: true}},
		{name: "sales source + descendants, cross-product", selected: []string{"s_src"}, running: all, opts: plan.Options{CrossProductDeployment: true, MayStartDescendants: true}},
		{name: "sales and marketing, m_view stopped", selected: []string{"s_agg", "m_view"}, running: without(all, "m_view")},
		{name: "sales, --dml-only", selected: []string{"s_src"}, running: all, opts: plan.Options{DMLOnly: true, CrossProductDeployment: true}},
	}
}

// TestImpactAgreesWithPlan: over the ten plan scenarios and the product
// scenarios, for every change kind (the schema categories of a DDL change
// among them), the impact report gives every changed table and every
// table downstream the action the deploy plan gives it (a table the plan
// leaves out is "none"), and lists every table downstream.
func TestImpactAgreesWithPlan(t *testing.T) {
	groups := []struct {
		nodes     []node
		scenarios []scenario
	}{{p2, tenScenarios()}, {products, productScenarios()}}
	n := 0
	for _, grp := range groups {
		g := build(t, grp.nodes, nil)
		for _, sc := range grp.scenarios {
			for _, k := range kinds {
				t.Run(sc.name+"/"+k.name, func(t *testing.T) {
					running := sc.running
					if k.missing {
						running = without(running, sc.selected...)
					}
					checkAgreement(t, g, sc.selected, k, running, sc.opts)
				})
				n++
			}
		}
	}
	if n != (10+6)*len(kinds) {
		t.Fatalf("%d cases", n)
	}
}

// TestShiftLeftTestProjectCase is the case of the report that asked for
// this: in shift_left's test project (where x is stateless), src_x's
// x_value goes from STRING to INT and y's DML changes. The deploy
// recreates src_x, a, z and d and restarts y, x, c, p, e and f; so must
// the impact report say.
func TestShiftLeftTestProjectCase(t *testing.T) {
	g := build(t, p2, func(tb *pipeline.Table) {
		if tb.Name == "x" {
			tb.Stateful = false
		}
	})
	changed := []impact.Changed{
		{Table: "src_x", Change: "ddl", Schema: &changes.SchemaChange{Category: changes.Breaking, Reasons: []string{"type of x_value changed STRING → INT"}}},
		{Table: "y", Change: "dml"},
	}
	rep := impact.Analyze(g, changed, impact.Options{})
	got := map[string]string{}
	for _, c := range rep.Changed {
		got[c.Table] = c.Action
	}
	for _, i := range rep.Impacted {
		got[i.Table] = i.Action
	}
	want := map[string]string{
		"src_x": "recreate", "a": "recreate", "z": "recreate", "d": "recreate",
		"y": "restart", "x": "restart", "c": "restart", "p": "restart", "e": "restart", "f": "restart",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("actions\n got %v\nwant %v", got, want)
	}
	if got, want := rep.SummaryLine(), "2 tables changed, 8 impacted (3 recreate, 5 restart)"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	checkAgreement(t, g, []string{"src_x", "y"}, kind{}, names(p2), plan.Options{}, changed...)
}

// checkAgreement builds the plan of a deploy of selected, changed as k
// says (or as changed, when given), on a target that runs the running
// tables without reporting their SQL (so the change set decides, as
// impact assumes), and compares it with the impact report.
func checkAgreement(t *testing.T, g *dag.Graph, selected []string, k kind, running []string, opts plan.Options, changed ...impact.Changed) {
	t.Helper()
	planChanges := map[string]plan.Change{}
	if len(changed) == 0 {
		for _, s := range selected {
			c := k.impact
			c.Table = s
			changed = append(changed, c)
			if k.plan != nil {
				planChanges[s] = *k.plan
			}
		}
	} else {
		for _, c := range changed {
			pc := plan.Change{Kind: plan.ChangeKind(c.Change)}
			if c.Schema != nil {
				pc.Schema, pc.Reasons = c.Schema.Category, c.Schema.Reasons
			}
			planChanges[c.Table] = pc
		}
	}
	state := map[string]deployers.TableState{}
	for _, n := range running {
		st := deployers.TableState{Table: n, Exists: true}
		if g.Table(n).DMLPath != "" {
			st.DML = &deployers.Statement{Name: "dml-" + n, Table: n, Kind: deployers.KindDML, Phase: deployers.PhaseRunning}
		}
		state[n] = st
	}
	planOpts := opts
	planOpts.Force = k.force
	p, err := plan.Build(context.Background(), g, plan.Inputs{
		Selected: selected, Changes: planChanges, State: state, Options: planOpts,
		Naming: plan.Naming{ClusterType: "dev", Region: "us-west-2"}, Target: deployers.Info{Target: "local", Environment: "dev"}, Now: time.Unix(0, 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	planned := map[string]string{}
	for _, s := range p.Steps {
		planned[s.Table] = string(s.Action)
	}
	rep := impact.Analyze(g, changed, impact.Options{Deploy: opts, Deployed: func(n string) (bool, bool) {
		_, ok := state[n]
		return ok, ok
	}})

	var diffs []string
	compare := func(table, got string) {
		want, ok := planned[table]
		if !ok {
			want = string(plan.ActionNone)
		}
		if got != want {
			diffs = append(diffs, fmt.Sprintf("%s: impact %s, plan %s", table, got, want))
		}
	}
	for _, c := range rep.Changed {
		compare(c.Table, c.Action)
	}
	listed := map[string]bool{}
	for _, i := range rep.Impacted {
		compare(i.Table, i.Action)
		listed[i.Table] = true
	}
	for d := range g.Descendants(selected, 0) {
		switch {
		case slices.Contains(selected, d) || listed[d]:
		case k.quiet:
			// Not listed: the deploy must leave it alone.
			compare(d, string(plan.ActionNone))
		default:
			diffs = append(diffs, d+": downstream, not listed")
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		t.Errorf("impact and plan disagree:\n  %s\nplan:\n%s", strings.Join(diffs, "\n  "), planText(p))
	}
}

func planText(p *plan.Plan) string {
	var b strings.Builder
	for _, s := range p.Steps {
		fmt.Fprintf(&b, "  %-8s %-8s %s\n", s.Action, s.Table, s.Reason)
	}
	return b.String()
}
