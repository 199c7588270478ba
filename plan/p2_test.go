package plan

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// spec is one table of a hand-built project: name, type, product,
// stateful, parents.
type spec struct {
	name, typ, product string
	stateful           bool
	parents            []string
}

// p2 is shift_left's acceptance graph: product p2 of its test project,
// src/shift_left/tests/data/flink-project/pipelines in
// https://github.com/jbcodeforce/shift_left_utils.
var p2 = []spec{
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

func project(t testing.TB, specs []spec) *dag.Graph {
	t.Helper()
	p := &pipeline.Project{ByName: map[string]*pipeline.Table{}}
	for _, s := range specs {
		tb := &pipeline.Table{Name: s.name, Type: pipeline.TableType(s.typ), Product: s.product, Stateful: s.stateful, Parents: s.parents}
		if s.typ == string(pipeline.TypeExternal) {
			tb.IsExternal = true
		} else {
			tb.Folder = s.typ + "s/" + s.product + "/" + s.name
			tb.DDLPath = tb.Folder + "/sql-scripts/ddl." + s.name + ".sql"
			tb.DMLPath = tb.Folder + "/sql-scripts/dml." + s.name + ".sql"
		}
		p.Tables = append(p.Tables, tb)
		p.ByName[s.name] = tb
	}
	sort.Slice(p.Tables, func(i, j int) bool { return p.Tables[i].Name < p.Tables[j].Name })
	g, err := dag.Build(p)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func ddlOf(name string) string {
	return "CREATE TABLE IF NOT EXISTS " + name + " (id STRING, PRIMARY KEY (id) NOT ENFORCED)"
}

// dmlOf reads every parent of the table.
func dmlOf(g *dag.Graph, name string) string {
	from := g.Parents(name)
	if len(from) == 0 {
		return "INSERT INTO " + name + " VALUES ('1')"
	}
	return "INSERT INTO " + name + " SELECT * FROM " + strings.Join(from, " JOIN ")
}

func sqlOf(g *dag.Graph) func(*pipeline.Table) (string, string, error) {
	return func(t *pipeline.Table) (string, string, error) {
		return ddlOf(t.Name), dmlOf(g, t.Name), nil
	}
}

var testNaming = Naming{ClusterType: "dev", Region: "us-west-2"}

// running is the state of deployed tables whose DML runs the file's SQL.
func running(g *dag.Graph, names ...string) map[string]deployers.TableState {
	st := map[string]deployers.TableState{}
	for _, n := range names {
		st[n] = deployers.TableState{Table: n, Exists: true, DDL: ddlOf(n), DML: &deployers.Statement{
			Name: dmlNameP(g.Table(n).Product, n), Table: n, Kind: deployers.KindDML, Phase: deployers.PhaseRunning,
			// Formatting differences must not count as changes.
			SQL: "-- deployed\n" + strings.ReplaceAll(dmlOf(g, n), " ", "\n  ") + ";",
		}}
	}
	return st
}

func all(specs []spec) []string {
	var out []string
	for _, s := range specs {
		out = append(out, s.name)
	}
	return out
}

func except(names []string, drop ...string) []string {
	var out []string
	for _, n := range names {
		if !contains(drop, n) {
			out = append(out, n)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// actions is the expected plan: action → tables.
type actions map[Action][]string

func (a actions) byTable() map[string]Action {
	out := map[string]Action{}
	for act, names := range a {
		for _, n := range names {
			out[n] = act
		}
	}
	return out
}

func gotActions(p *Plan) map[string]Action {
	out := map[string]Action{}
	for _, s := range p.Steps {
		out[s.Table] = s.Action
	}
	return out
}

func diffActions(got, want map[string]Action) string {
	var names []string
	for n := range got {
		names = append(names, n)
	}
	for n := range want {
		if _, ok := got[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		g, okg := got[n]
		w, okw := want[n]
		switch {
		case !okg:
			fmt.Fprintf(&b, "  %s: missing from the plan, want %s\n", n, w)
		case !okw:
			fmt.Fprintf(&b, "  %s: %s, want not in the plan\n", n, g)
		case g != w:
			fmt.Fprintf(&b, "  %s: %s, want %s\n", n, g, w)
		}
	}
	return b.String()
}

// checkOrder asserts the steps are a topological order and every After
// entry is an earlier acting step.
func checkOrder(t *testing.T, g *dag.Graph, p *Plan) {
	t.Helper()
	pos := map[string]int{}
	for i, s := range p.Steps {
		pos[s.Table] = i
	}
	for i, s := range p.Steps {
		for _, parent := range g.Parents(s.Table) {
			if j, ok := pos[parent]; ok && j > i {
				t.Errorf("%s comes before its parent %s", s.Table, parent)
			}
		}
		for _, a := range s.After {
			j, ok := pos[a]
			if !ok || j > i || !p.Steps[j].Action.Acts() {
				t.Errorf("%s waits for %s, which is not an earlier acting step", s.Table, a)
			}
		}
		if s.Reason == "" {
			t.Errorf("%s has no reason", s.Table)
		}
	}
}

// TestShiftLeftScenarios replays the ten acceptance cases of shift_left's
// src/shift_left/tests/ut/core/test_execution_plan.py (same repository) on
// the p2 graph. Where our rules differ on purpose, the case says how (see
// "Deliberate differences from shift_left" in docs/plans.md).
func TestShiftLeftScenarios(t *testing.T) {
	g := project(t, p2)
	names := all(p2)
	changedDML := func(table string) func(map[string]deployers.TableState) {
		return func(st map[string]deployers.TableState) {
			s := st[table]
			dml := *s.DML
			dml.SQL = "INSERT INTO " + table + " SELECT 'old' FROM x"
			s.DML = &dml
			st[table] = s
		}
	}
	cases := []struct {
		name     string
		selected []string
		opts     Options
		running  []string
		modify   func(map[string]deployers.TableState)
		want     actions
	}{
		{
			// shift_left restarts f although nothing changed; we plan
			// nothing, so a rerun after success is a no-op.
			name: "1 f, all running", selected: []string{"f"}, running: names,
			want: actions{ActionNone: {"f", "d", "y", "z", "src_y", "x", "src_x"}},
		},
		{
			name: "1b f with a changed dml, all running", selected: []string{"f"}, running: names, modify: changedDML("f"),
			want: actions{ActionRestart: {"f"}, ActionNone: {"d", "y", "z", "src_y", "x", "src_x"}},
		},
		{
			// shift_left: d run, f restart (f was not found either: it is
			// deployed from scratch in both tools).
			name: "2 f, d and f not found", selected: []string{"f"}, running: except(names, "d", "f"),
			want: actions{ActionCreate: {"d", "f"}, ActionNone: {"y", "z", "src_y", "x", "src_x"}},
		},
		{
			// Same 12 tables; shift_left's "restart" of c, p, e, f is a
			// create here since they were not found.
			name: "3 f + descendants; src_x, x, src_b, b running", selected: []string{"f"},
			opts: Options{MayStartDescendants: true}, running: []string{"src_x", "x", "src_b", "b"},
			want: actions{
				ActionCreate: {"src_y", "y", "z", "d", "c", "p", "e", "f"},
				ActionNone:   {"src_x", "x", "src_b", "b"},
			},
		},
		{
			name: "4 e, only x, y, z, src_x, src_y running", selected: []string{"e"},
			running: []string{"x", "y", "z", "src_x", "src_y"},
			want: actions{
				ActionCreate: {"src_b", "b", "c", "e"},
				ActionNone:   {"x", "y", "z", "src_x", "src_y"},
			},
		},
		{
			// shift_left redeploys src_x, x, src_y, y (dropping their
			// topics) and restarts z only, leaving a, d, c, p, e, f reading
			// dropped topics; we recreate what reads a recreated table.
			name: "5 z + force ancestors, all running", selected: []string{"z"},
			opts: Options{ForceAncestors: true}, running: names,
			want: actions{
				ActionRecreate: {"src_x", "x", "src_y", "y", "z", "a", "d"},
				ActionRestart:  {"c", "p", "e", "f"},
				ActionNone:     {"src_a", "src_b", "b"},
			},
		},
		{
			// shift_left restarts z because it is named; we restart it
			// because its dml changed (unchanged, z plans nothing).
			name: "6 z (dml changed) + descendants; c, d, a not found", selected: []string{"z"},
			opts: Options{MayStartDescendants: true}, running: except(names, "c", "d", "a"), modify: changedDML("z"),
			want: actions{
				ActionRestart: {"z", "p", "e", "f"},
				ActionCreate:  {"c", "d"},
				ActionNone:    {"x", "y", "src_x", "src_y", "b", "src_b"},
			},
		},
		{
			name: "6b z unchanged + descendants; c, d, a not found", selected: []string{"z"},
			opts: Options{MayStartDescendants: true}, running: except(names, "c", "d", "a"),
			want: actions{ActionNone: {"z", "x", "y", "src_x", "src_y"}},
		},
		{
			// shift_left also runs src_b, b, src_a (the ancestors of added
			// descendants are forced too); we force only the ancestors of
			// the selected tables.
			name: "7 z + both flags, all running", selected: []string{"z"},
			opts: Options{ForceAncestors: true, MayStartDescendants: true}, running: names,
			want: actions{
				ActionRecreate: {"src_x", "x", "src_y", "y", "z", "a", "d"},
				ActionRestart:  {"c", "p", "e", "f"},
				ActionNone:     {"src_a", "src_b", "b"},
			},
		},
		{
			name: "8 product p2; x, y, z, src_x, src_y running", selected: names,
			running: []string{"x", "y", "z", "src_x", "src_y"},
			want: actions{
				ActionCreate: {"src_a", "src_b", "a", "b", "c", "d", "e", "f", "p"},
				ActionNone:   {"x", "y", "z", "src_x", "src_y"},
			},
		},
		{
			name: "9 dir sources/p2; same status", selected: []string{"src_x", "src_y", "src_a", "src_b"},
			running: []string{"x", "y", "z", "src_x", "src_y"},
			want:    actions{ActionCreate: {"src_a", "src_b"}, ActionNone: {"src_x", "src_y"}},
		},
		{
			// shift_left leaves e out (c is stateless with a stateless
			// child); --may-start-descendants restarts every descendant
			// here. e and f were not found, so they are created.
			name:     "10 dir intermediates/p2 + descendants; sources, x, y, z, b running",
			selected: []string{"x", "y", "a", "b", "z", "d", "c"},
			opts:     Options{MayStartDescendants: true},
			running:  []string{"src_x", "src_y", "src_a", "src_b", "x", "y", "z", "b"},
			want: actions{
				ActionCreate: {"a", "c", "d", "e", "f"},
				ActionNone:   {"x", "y", "z", "b", "src_x", "src_y", "src_a", "src_b"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := running(g, tc.running...)
			if tc.modify != nil {
				tc.modify(st)
			}
			p, err := Build(context.Background(), g, Inputs{
				Selected: tc.selected, State: st, Options: tc.opts, Naming: testNaming,
				SQL: sqlOf(g), Target: deployers.Info{Target: "local", Environment: "dev"}, Now: time.Unix(0, 0),
			})
			if err != nil {
				t.Fatal(err)
			}
			if d := diffActions(gotActions(p), tc.want.byTable()); d != "" {
				t.Errorf("plan differs:\n%s", d)
			}
			checkOrder(t, g, p)
		})
	}
}
