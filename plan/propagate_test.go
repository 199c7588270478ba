package plan

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
)

// TestPropagationRules pins rules of Build that a mutation check found
// untested: how a change reaches the children of tables that already act,
// and what --dml-only does to a table without DML.
func TestPropagationRules(t *testing.T) {
	// chain is a → b → c in one product, all stateless; chainStateful has
	// a stateful b.
	chain := []spec{
		{"a", "source", "p", false, nil},
		{"b", "intermediate", "p", false, []string{"a"}},
		{"c", "fact", "p", false, []string{"b"}},
	}
	chainStateful := []spec{chain[0], {"b", "intermediate", "p", true, []string{"a"}}, chain[2]}
	ddlChanged := func(table string) func(map[string]deployers.TableState) {
		return func(st map[string]deployers.TableState) {
			s := st[table]
			s.DDL = "CREATE TABLE " + table + " (id INT)"
			st[table] = s
		}
	}
	dmlChanged := func(table string) func(map[string]deployers.TableState) {
		return func(st map[string]deployers.TableState) {
			s := st[table]
			dml := *s.DML
			dml.SQL = "INSERT INTO " + table + " SELECT 42"
			s.DML = &dml
			st[table] = s
		}
	}
	noDML := func(table string) func(*dag.Graph, map[string]deployers.TableState) {
		return func(g *dag.Graph, st map[string]deployers.TableState) {
			g.Table(table).DMLPath = ""
			s := st[table]
			s.DML = nil
			st[table] = s
		}
	}
	cases := []struct {
		name      string
		specs     []spec
		selected  []string
		opts      Options
		shape     func(*dag.Graph, map[string]deployers.TableState)
		modify    []func(map[string]deployers.TableState)
		want      actions
		reason    map[string]string // table → its exact reason
		noWarning string            // no step warning contains this
	}{
		{
			// A restart does not force: under --may-start-descendants each
			// generation is started by the rule, not forced by its parent.
			name: "may-start-descendants: a restarted child does not force its own children", specs: chain,
			selected: []string{"a"}, opts: Options{MayStartDescendants: true},
			modify: []func(map[string]deployers.TableState){dmlChanged("a")},
			want:   actions{ActionRestart: {"a", "b", "c"}},
			reason: map[string]string{
				"b": "upstream a restarted (--may-start-descendants)",
				"c": "upstream b restarted (--may-start-descendants)",
			},
		},
		{
			// b restarts for its own reason, and a's recreate forces it:
			// the force reaches c although c was not selected.
			name: "a child already restarting is forced by a recreated parent, and forces its children", specs: chain,
			selected: []string{"a", "b"},
			modify:   []func(map[string]deployers.TableState){ddlChanged("a"), dmlChanged("b")},
			want:     actions{ActionRecreate: {"a"}, ActionRestart: {"b", "c"}},
			reason:   map[string]string{"b": "dml changed", "c": "upstream b restarted"},
		},
		{
			name: "a stateful child already restarting is recreated by a recreated parent", specs: chainStateful,
			selected: []string{"a", "b"},
			modify:   []func(map[string]deployers.TableState){ddlChanged("a"), dmlChanged("b")},
			want:     actions{ActionRecreate: {"a", "b"}, ActionRestart: {"c"}},
			reason:   map[string]string{"b": "upstream a recreated; stateful: state rebuilt", "c": "upstream b recreated"},
		},
		{
			// The product filter keeps unselected descendants of another
			// product out; a selected one follows its upstream change.
			name: "a selected table of another product follows its recreated input", specs: mixed,
			selected: []string{"int_o", "fct_m"},
			modify:   []func(map[string]deployers.TableState){ddlChanged("int_o")},
			want: actions{
				ActionRecreate: {"int_o"}, ActionRestart: {"fct_o", "fct_m"},
				ActionNone: {"src_o", "cmn_t"},
			},
			reason:    map[string]string{"fct_m": "upstream int_o recreated"},
			noWarning: "fct_m",
		},
		{
			// --dml-only keeps a table only when a DML can be restarted;
			// a table without DML gets its DDL change.
			name: "dml-only: a changed table without DML is recreated", specs: chain,
			selected: []string{"c"}, opts: Options{DMLOnly: true},
			shape:  noDML("c"),
			modify: []func(map[string]deployers.TableState){ddlChanged("c")},
			want:   actions{ActionRecreate: {"c"}, ActionNone: {"a", "b"}},
			reason: map[string]string{"c": "ddl differs from the deployed one"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := project(t, tc.specs)
			names := all(tc.specs)
			var deployed []string
			for _, n := range names {
				if !g.Table(n).IsExternal {
					deployed = append(deployed, n)
				}
			}
			st := running(g, deployed...)
			if tc.shape != nil {
				tc.shape(g, st)
			}
			for _, m := range tc.modify {
				m(st)
			}
			p, err := Build(context.Background(), g, Inputs{
				Selected: tc.selected, State: st, Options: tc.opts, Since: "main",
				Naming: testNaming, SQL: sqlOf(g), Target: deployers.Info{Target: "local", Environment: "dev"}, Now: time.Unix(0, 0),
			})
			if err != nil {
				t.Fatal(err)
			}
			if d := diffActions(gotActions(p), tc.want.byTable()); d != "" {
				t.Errorf("plan differs:\n%s", d)
			}
			checkOrder(t, g, p)
			for table, want := range tc.reason {
				if got := reasonOf(p.Step(table)); got != want {
					t.Errorf("%s: reason %q, want %q", table, got, want)
				}
			}
			if tc.noWarning != "" {
				for _, s := range p.Steps {
					for _, w := range s.Warnings {
						if strings.Contains(w, tc.noWarning) {
							t.Errorf("%s warns %q", s.Table, w)
						}
					}
				}
			}
		})
	}
}
