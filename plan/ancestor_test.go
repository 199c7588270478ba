package plan

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

// driftWarning is the warning on an unselected ancestor whose running DML
// differs from its file.
const driftWarning = "the running dml differs from the file: select the table to redeploy it"

// TestAncestorDriftIsLeftAlone pins the rule that a running ancestor the
// user did not select is never touched, even when its running DML differs
// from the file: redeploying it would restart a table outside the
// selection. The plan warns on that ancestor's step instead.
func TestAncestorDriftIsLeftAlone(t *testing.T) {
	g := project(t, mixed)
	names := except(all(mixed), "ext_k")
	drift := func(table, sql string) func(map[string]deployers.TableState) {
		return func(st map[string]deployers.TableState) {
			s := st[table]
			dml := *s.DML
			dml.SQL = sql
			s.DML = &dml
			st[table] = s
		}
	}
	cases := []struct {
		name     string
		selected []string
		opts     Options
		modify   func(map[string]deployers.TableState)
		changes  map[string]Change
		want     actions
		reason   map[string]string // table → its exact reason
		warned   []string          // steps that carry driftWarning; no other step does
	}{
		{
			name: "running sql differs: none, warned", selected: []string{"fct_o"},
			modify: drift("src_o", "INSERT INTO src_o SELECT 42"),
			want:   actions{ActionNone: {"fct_o", "int_o", "src_o", "cmn_t"}},
			reason: map[string]string{"src_o": "running"},
			warned: []string{"src_o"},
		},
		{
			name: "a nearer ancestor differs: none, warned on it alone", selected: []string{"fct_o"},
			modify: drift("int_o", "INSERT INTO int_o SELECT * FROM src_o"),
			want:   actions{ActionNone: {"fct_o", "int_o", "src_o", "cmn_t"}},
			warned: []string{"int_o"},
		},
		{
			name: "the same drift on a selected table restarts it and does not warn", selected: []string{"src_o"},
			modify: drift("src_o", "INSERT INTO src_o SELECT 42"),
			want:   actions{ActionRestart: {"src_o"}},
			reason: map[string]string{"src_o": "dml changed"},
		},
		{
			// Without the running SQL only git knows of a change, and git
			// is no evidence that the running DML differs: no warning.
			name: "unknown running sql and a dml change in git: none, not warned", selected: []string{"fct_o"},
			modify:  drift("src_o", ""),
			changes: map[string]Change{"src_o": {Kind: "dml"}},
			want:    actions{ActionNone: {"fct_o", "int_o", "src_o", "cmn_t"}},
		},
		{
			name: "--may-start-descendants does not redeploy a drifted ancestor", selected: []string{"fct_o"},
			opts:   Options{MayStartDescendants: true},
			modify: drift("src_o", "INSERT INTO src_o SELECT 42"),
			want:   actions{ActionNone: {"fct_o", "int_o", "src_o", "cmn_t"}},
			warned: []string{"src_o"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := running(g, names...)
			tc.modify(st)
			p, err := Build(context.Background(), g, Inputs{
				Selected: tc.selected, State: st, Options: tc.opts, Changes: tc.changes, Since: "main",
				Naming: testNaming, SQL: sqlOf(g), Target: deployers.Info{Target: "local", Environment: "dev"}, Now: time.Unix(0, 0),
			})
			if err != nil {
				t.Fatal(err)
			}
			if d := diffActions(gotActions(p), tc.want.byTable()); d != "" {
				t.Errorf("plan differs:\n%s", d)
			}
			for table, want := range tc.reason {
				if got := reasonOf(p.Step(table)); got != want {
					t.Errorf("%s: reason %q, want %q", table, got, want)
				}
			}
			var warned []string
			for _, s := range p.Steps {
				if slices.Contains(s.Warnings, driftWarning) {
					warned = append(warned, s.Table)
				}
			}
			if !slices.Equal(warned, tc.warned) {
				t.Errorf("steps warned %q: %v, want %v", driftWarning, warned, tc.warned)
			}
		})
	}
}
