package executor

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// star is a project where four sources, each reading an external input
// raw_<source>, feed one table:
//
//	raw_s1 → s1 ┐
//	raw_s2 → s2 ┤
//	raw_s3 → s3 ├→ hub
//	raw_s4 → s4 ┘
func star(t *testing.T) *dag.Graph {
	p := &pipeline.Project{ByName: map[string]*pipeline.Table{}}
	add := func(tb *pipeline.Table) {
		tb.Type, tb.Product, tb.DDLPath, tb.DMLPath = pipeline.TypeSource, "p", "ddl", "dml"
		p.Tables = append(p.Tables, tb)
		p.ByName[tb.Name] = tb
	}
	add(&pipeline.Table{Name: "hub", Parents: []string{"s1", "s2", "s3", "s4"}})
	for _, s := range []string{"s1", "s2", "s3", "s4"} {
		add(&pipeline.Table{Name: s, External: []string{"raw_" + s}})
	}
	g, err := dag.Build(p)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func starPlan(t *testing.T, g *dag.Graph, f *fake, in plan.Inputs) *plan.Plan {
	t.Helper()
	sql := sqlFor(g)
	in.Selected, in.Naming, in.Now = []string{"hub"}, naming, time.Unix(0, 0)
	in.SQL = func(tb *pipeline.Table) (string, string, error) { return sql(tb.Name) }
	var tables []*pipeline.Table
	for _, n := range g.Names() {
		tables = append(tables, g.Table(n))
	}
	refs, _ := plan.TableRefs(tables, naming)
	in.State, _ = f.State(context.Background(), refs)
	p, err := plan.Build(context.Background(), g, in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBlockedByNamesEveryFailedParent(t *testing.T) {
	g := star(t)
	f := newFake(time.Millisecond)
	for _, s := range []string{"s1", "s2", "s3", "s4"} {
		f.failDML[s] = "boom"
	}
	res, err := Run(context.Background(), f, starPlan(t, g, f, plan.Inputs{}), Options{MaxParallel: 4, SQL: sqlFor(g)})
	if err != nil {
		t.Fatal(err)
	}
	hub := res.Steps[len(res.Steps)-1]
	got := slices.Sorted(slices.Values(hub.BlockedBy))
	if hub.Table != "hub" || hub.Status != StatusBlocked || !reflect.DeepEqual(got, []string{"s1", "s2", "s3", "s4"}) {
		t.Errorf("hub: %s blocked by %v, want blocked by all four failed sources", hub.Status, hub.BlockedBy)
	}
	if txt := BlockedByText(hub.BlockedBy); !strings.HasSuffix(txt, " and 1 more") {
		t.Errorf("text %q, want three names and the count of the others", txt)
	}
}

func TestFailedFirstDMLDropsTheCreatedTable(t *testing.T) {
	g := star(t)
	f := newFake(0)
	f.failDML["s2"] = "Table 'raw_s2' does not exist"
	p := starPlan(t, g, f, plan.Inputs{})
	if !p.Step("s2").DropOnFailure {
		t.Fatal("the plan must say a created table is dropped again")
	}
	res, err := Run(context.Background(), f, p, Options{SQL: sqlFor(g)})
	if err != nil {
		t.Fatal(err)
	}
	if _, left := f.tables["s2"]; left {
		t.Error("s2 was left behind after its DML failed")
	}
	if _, left := f.statements["ddl-s2"]; left {
		t.Error("the DDL statement of s2 was left behind")
	}
	// The fake knows tables only through statements (like Confluent):
	// the FAILED DML goes too, or the next plan would think s2 exists.
	if _, kept := f.statements["dml-s2"]; kept {
		t.Error("dml-s2 kept: a target without a catalog would take s2 for existing")
	}
	if _, kept := f.tables["s1"]; !kept {
		t.Error("s1 succeeded and must stay")
	}
	var s2 StepResult
	for _, s := range res.Steps {
		if s.Table == "s2" {
			s2 = s
		}
	}
	if s2.Status != StatusFailed || !strings.Contains(s2.Err.Error(), "dropped again") {
		t.Errorf("s2: %s %v", s2.Status, s2.Err)
	}
	// The failure names the missing external as such.
	if !strings.Contains(s2.Err.Error(), "raw input raw_s2 is missing on the cluster; it is not part of the project") {
		t.Errorf("s2 error %q does not say raw_s2 is a missing raw input", s2.Err)
	}
}

func TestFailedRecreateKeepsItsTable(t *testing.T) {
	g := star(t)
	f := newFake(0)
	if res, _ := Run(context.Background(), f, starPlan(t, g, f, plan.Inputs{}), Options{SQL: sqlFor(g)}); !res.OK() {
		t.Fatal(res.Err())
	}
	f.failDML["s1"] = "boom"
	p := starPlan(t, g, f, plan.Inputs{Options: plan.Options{ForceAncestors: true}})
	if s := p.Step("s1"); s.Action != plan.ActionRecreate || s.DropOnFailure {
		t.Fatalf("s1 %+v", s)
	}
	if _, err := Run(context.Background(), f, p, Options{SQL: sqlFor(g)}); err != nil {
		t.Fatal(err)
	}
	if _, kept := f.tables["s1"]; !kept {
		t.Error("a recreated table whose DML failed is kept: the plan did not say it would drop it")
	}
}

func TestExternalsCreatedBeforeTheirReaders(t *testing.T) {
	g := star(t)
	f := newFake(time.Millisecond)
	ext := map[string]plan.ExternalInput{}
	for _, s := range []string{"s1", "s2", "s3", "s4"} {
		ext["raw_"+s] = plan.ExternalInput{Definition: s + "/tests/ddl.raw.sql"}
	}
	p := starPlan(t, g, f, plan.Inputs{ExternalPolicy: plan.ExternalsCreate, Externals: ext})
	sql := sqlFor(g)
	res, err := Run(context.Background(), f, p, Options{MaxParallel: 8, SQL: func(table string) (string, string, error) {
		if strings.HasPrefix(table, "raw_") {
			return "CREATE TABLE " + table + " (id INT)", "", nil
		}
		return sql(table)
	}})
	if err != nil || !res.OK() {
		t.Fatalf("%v %v", err, res.Err())
	}
	if res.Steps[0].Action != plan.ActionCreateExternal || len(res.Steps) != 9 {
		t.Errorf("steps %+v: want the 4 externals first, then 5 tables", res.Steps)
	}
	pos := map[string]int{}
	for i, l := range f.log {
		if _, seen := pos[l]; !seen {
			pos[l] = i
		}
	}
	for _, s := range []string{"s1", "s2", "s3", "s4"} {
		created, ok := pos["wait ddl-raw-"+s]
		started := pos["start dml-"+s]
		if !ok || created > started {
			t.Errorf("raw_%s created at %d, %s started at %d: the external must exist first", s, created, s, started)
		}
		if f.tables["raw_"+s] == "" {
			t.Errorf("raw_%s not created", s)
		}
	}
}

func TestFailedExternalBlocksItsReaders(t *testing.T) {
	g := star(t)
	f := newFake(0)
	f.tables["raw_s1"] = "CREATE TABLE raw_s1 (id INT)" // CreateTable refuses an existing table
	ext := map[string]plan.ExternalInput{}
	for _, s := range []string{"s1", "s2", "s3", "s4"} {
		ext["raw_"+s] = plan.ExternalInput{Definition: "d.sql"}
	}
	p := starPlan(t, g, f, plan.Inputs{ExternalPolicy: plan.ExternalsCreate, Externals: ext})
	res, err := Run(context.Background(), f, p, Options{SQL: func(table string) (string, string, error) {
		return "CREATE TABLE " + table + " (id INT)", "INSERT INTO " + table + " SELECT 1", nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Steps {
		if s.Table == "s1" && (s.Status != StatusBlocked || !reflect.DeepEqual(s.BlockedBy, []string{"raw_s1"})) {
			t.Errorf("s1: %s by %v, want blocked by raw_s1", s.Status, s.BlockedBy)
		}
	}
}

func TestIncludeExternalsDropsThemAfterTheirReaders(t *testing.T) {
	g := star(t)
	f := newFake(0)
	if res, _ := Run(context.Background(), f, starPlan(t, g, f, plan.Inputs{}), Options{SQL: sqlFor(g)}); !res.OK() {
		t.Fatal(res.Err())
	}
	f.tables["raw_s1"] = "CREATE TABLE raw_s1 (id INT)"
	var tables []*pipeline.Table
	for _, n := range g.Names() {
		tables = append(tables, g.Table(n))
	}
	refs, _ := plan.TableRefs(tables, naming)
	st, _ := f.State(context.Background(), refs)
	sql := sqlFor(g)
	p, err := plan.BuildUndeploy(context.Background(), g, plan.Inputs{Selected: []string{"hub", "s1"}, State: st, Naming: naming,
		SQL:              func(tb *pipeline.Table) (string, string, error) { return sql(tb.Name) },
		IncludeExternals: true, Externals: map[string]plan.ExternalInput{"raw_s1": {Presence: deployers.PresencePresent}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), f, p, Options{SQL: sqlFor(g)})
	if err != nil || !res.OK() {
		t.Fatalf("%v %v", err, res.Err())
	}
	if _, left := f.tables["raw_s1"]; left {
		t.Error("raw_s1 not dropped with --include-externals")
	}
	last := res.Steps[len(res.Steps)-1]
	if last.Table != "raw_s1" || last.Action != plan.ActionDropExternal {
		t.Errorf("last step %+v, want the external's drop after its readers", last)
	}
}

// submitFails refuses the DML of one table at submission, as the flink
// target does when the gateway cannot compile it.
type submitFails struct {
	*fake
	table string
}

func (s submitFails) StartStatement(ctx context.Context, req deployers.StatementRequest) (deployers.Statement, error) {
	if req.Table == s.table {
		return deployers.Statement{}, &deployers.StatementError{Name: req.Name, Phase: deployers.PhaseFailed, Detail: "compile error"}
	}
	return s.fake.StartStatement(ctx, req)
}

func TestDMLRefusedAtSubmitDropsTheCreatedTable(t *testing.T) {
	g := star(t)
	f := newFake(0)
	p := starPlan(t, g, f, plan.Inputs{})
	res, err := Run(context.Background(), submitFails{f, "s3"}, p, Options{SQL: sqlFor(g)})
	if err != nil {
		t.Fatal(err)
	}
	if _, left := f.tables["s3"]; left {
		t.Error("s3 was left behind after its DML was refused")
	}
	if res.OK() {
		t.Error("the run must fail")
	}
}
