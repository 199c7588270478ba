package plan

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

func TestBuildUndeploy(t *testing.T) {
	g := project(t, p2)
	names := all(p2)
	cases := []struct {
		name     string
		selected []string
		running  []string
		want     actions
		reason   map[string]string
	}{
		{
			name: "a sink and its pipeline", selected: []string{"c", "e"}, running: names,
			want: actions{ActionDrop: {"c", "e"}},
		},
		{
			name:     "a table read by a running table outside the selection is kept, and its ancestors too",
			selected: []string{"z", "c", "e", "y"}, running: names,
			want:   actions{ActionKeep: {"z", "y"}, ActionDrop: {"c", "e"}},
			reason: map[string]string{"z": "read by running d, p", "y": "read by running d, z"},
		},
		{
			name: "children that do not run do not keep their parent", selected: []string{"z", "c", "e"},
			running: except(names, "d", "p"),
			want:    actions{ActionDrop: {"z", "c", "e"}},
		},
		{
			name: "tables that were never deployed", selected: []string{"e", "f"}, running: except(names, "f"),
			want: actions{ActionDrop: {"e"}, ActionNone: {"f"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := BuildUndeploy(context.Background(), g, Inputs{
				Selected: tc.selected, State: running(g, tc.running...), Naming: testNaming, SQL: sqlOf(g),
				Target: deployers.Info{Target: "local", Environment: "dev"}, Now: time.Unix(0, 0),
			})
			if err != nil {
				t.Fatal(err)
			}
			if d := diffActions(gotActions(p), tc.want.byTable()); d != "" {
				t.Errorf("plan differs:\n%s", d)
			}
			// Reverse order: a table comes after its children, and waits
			// only for earlier acting steps.
			pos := map[string]int{}
			for i, s := range p.Steps {
				pos[s.Table] = i
			}
			for i, s := range p.Steps {
				for _, c := range g.Children(s.Table) {
					if j, ok := pos[c]; ok && j > i {
						t.Errorf("%s comes before its child %s", s.Table, c)
					}
				}
				for _, a := range s.After {
					if j, ok := pos[a]; !ok || j > i || p.Steps[j].Action != ActionDrop {
						t.Errorf("%s waits for %s", s.Table, a)
					}
				}
				if s.Action == ActionDrop && (s.Drop == "" || len(s.Replaces) != 1) {
					t.Errorf("%s: drop %q replaces %v", s.Table, s.Drop, s.Replaces)
				}
			}
			for table, sub := range tc.reason {
				if s := p.Step(table); s == nil || !strings.Contains(s.Reason, sub) {
					t.Errorf("%s: reason %q, want %q", table, reasonOf(s), sub)
				}
			}
		})
	}
	if p, _ := BuildUndeploy(context.Background(), g, Inputs{Selected: []string{"c", "e"}, State: running(g, names...), Naming: testNaming, SQL: sqlOf(g)}); p.Step("c").After[0] != "e" {
		t.Errorf("c should wait for e: %v", p.Step("c").After)
	}
}
