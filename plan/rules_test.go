package plan

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// mixed is a small two-product graph with a common product and an
// external table:
//
//	ext_k (external) → src_o (sales) → int_o (sales, stateful) → fct_o (sales)
//	                                                   int_o → fct_m (marketing)
//	cmn_t (common)   → int_o
//	cmn_t            → dim_c (common)
var mixed = []spec{
	{"ext_k", "external_kafka", "", false, nil},
	{"src_o", "source", "sales", false, []string{"ext_k"}},
	{"cmn_t", "source", "common", false, nil},
	{"int_o", "intermediate", "sales", true, []string{"src_o", "cmn_t"}},
	{"fct_o", "fact", "sales", false, []string{"int_o"}},
	{"fct_m", "fact", "marketing", false, []string{"int_o"}},
	{"dim_c", "dimension", "common", false, []string{"cmn_t"}},
}

func TestRules(t *testing.T) {
	g := project(t, mixed)
	names := except(all(mixed), "ext_k")
	ddlChanged := func(table string) func(map[string]deployers.TableState) {
		return func(st map[string]deployers.TableState) {
			s := st[table]
			s.DDL = "CREATE TABLE " + table + " (id INT)"
			st[table] = s
		}
	}
	phase := func(table string, ph deployers.Phase) func(map[string]deployers.TableState) {
		return func(st map[string]deployers.TableState) {
			s := st[table]
			dml := *s.DML
			dml.Phase = ph
			s.DML = &dml
			st[table] = s
		}
	}
	unknownSQL := func(st map[string]deployers.TableState) {
		for n, s := range st {
			s.DDL = ""
			dml := *s.DML
			dml.SQL = ""
			s.DML = &dml
			st[n] = s
		}
	}
	cases := []struct {
		name        string
		selected    []string
		excluded    []string
		neverDeploy []string
		opts        Options
		running     []string
		modify      []func(map[string]deployers.TableState)
		changes     map[string]Change
		want        actions
		reason      map[string]string // table → substring of its reason
		warning     string            // substring of some step warning
		planWarning string            // substring of a plan warning
		replaces    map[string][]string
		statement   map[string]string // table → its DDL statement name ("" = none)
	}{
		{
			name: "rerun after success plans nothing", selected: names, running: names,
			want:   actions{ActionNone: names},
			reason: map[string]string{"int_o": "running, unchanged"},
		},
		{
			name:     "deployed ddl differs: recreate, descendants in the product and common restarted, others warned",
			selected: []string{"int_o"}, running: names, modify: []func(map[string]deployers.TableState){ddlChanged("int_o")},
			want: actions{
				ActionRecreate: {"int_o"}, ActionRestart: {"fct_o"},
				ActionNone: {"src_o", "cmn_t"},
			},
			reason:   map[string]string{"int_o": "ddl differs from the deployed one", "fct_o": "upstream int_o recreated"},
			warning:  "descendant fct_m (product marketing) is not redeployed",
			replaces: map[string][]string{"int_o": {dmlNameP("sales", "fct_o"), dmlNameP("sales", "int_o")}},
		},
		{
			name: "cross-product deployment lifts the product filter", selected: []string{"int_o"}, running: names,
			opts:   Options{CrossProductDeployment: true},
			modify: []func(map[string]deployers.TableState){ddlChanged("int_o")},
			want: actions{
				ActionRecreate: {"int_o"}, ActionRestart: {"fct_o", "fct_m"},
				ActionNone: {"src_o", "cmn_t"},
			},
		},
		{
			name: "descendants in a common product follow any product, others are warned", selected: []string{"src_o"}, running: names,
			opts: Options{Force: true, CommonProducts: []string{"common", "marketing"}},
			want: actions{
				ActionRecreate: {"src_o", "int_o"}, ActionRestart: {"fct_o", "fct_m"}, ActionNone: {"cmn_t"},
			},
		},
		{
			name: "a sales child of a common table is not redeployed", selected: []string{"cmn_t"}, running: names,
			opts: Options{Force: true, CommonProducts: []string{"common"}},
			want: actions{
				ActionRecreate: {"cmn_t"}, ActionRestart: {"dim_c"},
			},
			warning: "int_o reads this table and is not redeployed",
		},
		{
			name: "unknown deployed ddl: the change set decides", selected: []string{"int_o"}, running: names,
			modify:  []func(map[string]deployers.TableState){unknownSQL},
			changes: map[string]Change{"int_o": {Kind: "ddl", Schema: "breaking", Reasons: []string{"column amount removed"}}},
			want:    actions{ActionRecreate: {"int_o"}, ActionRestart: {"fct_o"}, ActionNone: {"src_o", "cmn_t"}},
			reason:  map[string]string{"int_o": "ddl changed since main (breaking: column amount removed)"},
		},
		{
			name: "known deployed ddl wins over the change set", selected: []string{"int_o"}, running: names,
			changes:     map[string]Change{"int_o": {Kind: "ddl", Schema: "breaking"}, "old_t": {Kind: "deleted"}},
			planWarning: "table old_t was deleted from the pipelines since main",
			want:        actions{ActionNone: {"int_o", "src_o", "cmn_t"}},
		},
		{
			name: "unknown running sql: a dml change in git restarts", selected: []string{"fct_o"}, running: names,
			modify:  []func(map[string]deployers.TableState){unknownSQL},
			changes: map[string]Change{"fct_o": {Kind: "dml"}},
			want:    actions{ActionRestart: {"fct_o"}, ActionNone: {"int_o", "src_o", "cmn_t"}},
			reason:  map[string]string{"fct_o": "dml changed since main"},
		},
		{
			name: "failed dml is started, degraded counts as running", selected: []string{"fct_o", "fct_m"}, running: names,
			modify: []func(map[string]deployers.TableState){phase("fct_o", deployers.PhaseFailed), phase("fct_m", deployers.PhaseDegraded)},
			want:   actions{ActionStart: {"fct_o"}, ActionNone: {"fct_m", "int_o", "src_o", "cmn_t"}},
			reason: map[string]string{"fct_o": "dml is FAILED"},
		},
		{
			name: "stopped ancestor is started, its stopped child repaired", selected: []string{"fct_o"}, running: names,
			opts:   Options{CommonProducts: []string{"common"}},
			modify: []func(map[string]deployers.TableState){phase("src_o", deployers.PhaseStopped), phase("dim_c", deployers.PhaseStopped), phase("cmn_t", deployers.PhaseFailed)},
			want: actions{
				ActionStart: {"src_o", "cmn_t", "dim_c"},
				ActionNone:  {"int_o", "fct_o"},
			},
			reason: map[string]string{"src_o": "ancestor not running (dml is STOPPED)", "dim_c": "input cmn_t started"},
		},
		{
			name: "missing ancestor is created", selected: []string{"fct_o"}, running: except(names, "int_o"),
			want:      actions{ActionCreate: {"int_o"}, ActionNone: {"fct_o", "src_o", "cmn_t"}},
			statement: map[string]string{"int_o": "dev-usw2-sales-ddl-int-o"},
		},
		{
			name: "excluded tables stay visible and never act", selected: []string{"src_o", "int_o"}, excluded: []string{"int_o"},
			want: actions{ActionCreate: {"src_o"}, ActionExcluded: {"int_o"}},
		},
		{
			// --exclude fct_o matched a table outside the selection: the
			// rule that restarts a recreated table's children shows it
			// excluded instead; an excluded missing ancestor is not created.
			name: "exclusions win over the rules that add tables", selected: []string{"int_o"}, running: except(names, "src_o"),
			neverDeploy: []string{"fct_o", "src_o"}, opts: Options{Force: true},
			want: actions{ActionRecreate: {"int_o"}, ActionExcluded: {"fct_o", "src_o"}, ActionNone: {"cmn_t"}},
			reason: map[string]string{"fct_o": "excluded by the selection, although upstream int_o recreated: deploy it later",
				"src_o": "excluded by the selection"},
		},
		{
			name: "dml-only turns a ddl change into a restart", selected: []string{"int_o"}, running: names,
			opts:    Options{DMLOnly: true},
			modify:  []func(map[string]deployers.TableState){ddlChanged("int_o")},
			want:    actions{ActionRestart: {"int_o"}, ActionNone: {"src_o", "cmn_t"}},
			warning: "the DDL change is not applied",
		},
		{
			name: "may-start-descendants: the stateful child of a restart is recreated, then its children", selected: []string{"src_o"}, running: names,
			opts:   Options{MayStartDescendants: true, Force: true, DMLOnly: true},
			want:   actions{ActionRestart: {"src_o", "fct_o"}, ActionRecreate: {"int_o"}, ActionNone: {"cmn_t"}},
			reason: map[string]string{"int_o": "(--may-start-descendants); stateful: state rebuilt"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := running(g, tc.running...)
			for _, m := range tc.modify {
				m(st)
			}
			p, err := Build(context.Background(), g, Inputs{
				Selected: tc.selected, Excluded: tc.excluded, NeverDeploy: tc.neverDeploy, State: st, Options: tc.opts,
				Changes: tc.changes, Since: "main",
				Naming: testNaming, SQL: sqlOf(g), Target: deployers.Info{Target: "local", Environment: "dev"}, Now: time.Unix(0, 0),
			})
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want.byTable()
			if d := diffActions(gotActions(p), want); d != "" {
				t.Errorf("plan differs:\n%s", d)
			}
			checkOrder(t, g, p)
			for table, sub := range tc.reason {
				if s := p.Step(table); s == nil || !strings.Contains(s.Reason, sub) {
					t.Errorf("%s: reason %q, want it to contain %q", table, reasonOf(s), sub)
				}
			}
			if tc.planWarning != "" && !strings.Contains(strings.Join(p.Warnings, "\n"), tc.planWarning) {
				t.Errorf("plan warnings %q, want %q", p.Warnings, tc.planWarning)
			}
			if tc.warning != "" && !hasWarning(p, tc.warning) {
				t.Errorf("no warning containing %q", tc.warning)
			}
			for table, want := range tc.replaces {
				if got := p.Step(table).Replaces; strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("%s replaces %v, want %v", table, got, want)
				}
			}
			for table, want := range tc.statement {
				if got := p.Step(table).Statement(deployers.KindDDL); got != want {
					t.Errorf("%s ddl statement %q, want %q", table, got, want)
				}
			}
		})
	}
}

func dmlNameP(product, table string) string {
	return "dev-usw2-" + product + "-dml-" + strings.ReplaceAll(table, "_", "-")
}

func reasonOf(s *Step) string {
	if s == nil {
		return "<not in plan>"
	}
	return s.Reason
}

func hasWarning(p *Plan, sub string) bool {
	for _, s := range p.Steps {
		for _, w := range s.Warnings {
			if strings.Contains(w, sub) {
				return true
			}
		}
	}
	return false
}

func TestBuildErrors(t *testing.T) {
	g := project(t, mixed)
	_, err := Build(context.Background(), g, Inputs{Selected: []string{"int_o", "nope"}, Naming: testNaming})
	var ue *UnknownTableError
	if !errors.As(err, &ue) || len(ue.Tables) != 1 || ue.Tables[0] != "nope" {
		t.Fatalf("err = %v, want an UnknownTableError naming nope", err)
	}
	long := Naming{Template: "{cluster_type}-" + strings.Repeat("x", 95) + "-{table}", ClusterType: "dev"}
	_, err = Build(context.Background(), g, Inputs{Selected: []string{"int_o"}, Naming: long, SQL: sqlOf(g)})
	var ne *NameError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), "table ") {
		t.Fatalf("err = %v, want a NameError", err)
	}
	sqlErr := errors.New("disk on fire")
	_, err = Build(context.Background(), g, Inputs{Selected: []string{"int_o"}, State: running(g, "int_o"), Naming: testNaming,
		SQL: func(*pipeline.Table) (string, string, error) { return "", "", sqlErr }})
	if !errors.Is(err, sqlErr) || !strings.Contains(err.Error(), "int_o") {
		t.Fatalf("err = %v, want the SQL reader's error naming the table", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Build(ctx, g, Inputs{Selected: []string{"int_o"}, Naming: testNaming, SQL: sqlOf(g)}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
