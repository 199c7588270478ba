package plan_test

import (
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// carrier is what a target that carries offsets knows: the DMLs State
// found, and the carries it was told about.
type carrier struct {
	found   map[string]deployers.FoundDML
	carried map[string]string // old → next
}

func (c *carrier) FoundDML(table string) (deployers.FoundDML, bool) {
	f, ok := c.found[table]
	return f, ok
}

func (c *carrier) AlternateName(conventional, current string) string {
	if current == conventional+".b" {
		return conventional
	}
	return conventional + ".b"
}

func (c *carrier) Carry(_, old, next string) { c.carried[old] = next }

// TestCarryOffsets covers each decision of plan.CarryOffsets: which
// restarts carry, which get a warning and why, and the name limit.
func TestCarryOffsets(t *testing.T) {
	long := strings.Repeat("a", plan.MaxStatementName-1)
	for _, tc := range []struct {
		name     string
		step     plan.Step
		found    *deployers.FoundDML
		extra    []plan.Step // other steps of the plan
		wantName string      // DML name after; "" = unchanged
		warning  string      // substring of the warning; "" = none
	}{
		{name: "running stateless restart carries",
			step:     restart("t", "dml-t", false),
			found:    &deployers.FoundDML{Conventional: "dml-t", Name: "dml-t", Phase: deployers.PhaseRunning},
			wantName: "dml-t.b"},
		{name: "carried back to the conventional name",
			step:     restart("t", "dml-t", false),
			found:    &deployers.FoundDML{Conventional: "dml-t", Name: "dml-t.b", Phase: deployers.PhaseDegraded},
			wantName: "dml-t"},
		{name: "stateful restart warns",
			step:    restart("t", "dml-t", true),
			found:   &deployers.FoundDML{Conventional: "dml-t", Name: "dml-t", Phase: deployers.PhaseRunning},
			warning: "stateful DML"},
		{name: "restart of a failed DML warns",
			step:    restart("t", "dml-t", false),
			found:   &deployers.FoundDML{Conventional: "dml-t", Name: "dml-t", Phase: deployers.PhaseFailed},
			warning: "no RUNNING DML"},
		{name: "input recreated by the plan warns",
			step:    withAfter(restart("t", "dml-t", false), "parent"),
			found:   &deployers.FoundDML{Conventional: "dml-t", Name: "dml-t", Phase: deployers.PhaseRunning},
			extra:   []plan.Step{{Table: "parent", Action: plan.ActionRecreate}},
			warning: "input parent is created again"},
		{name: "start of a stopped DML carries",
			step:     start("t", "dml-t"),
			found:    &deployers.FoundDML{Conventional: "dml-t", Name: "dml-t", Phase: deployers.PhaseStopped},
			wantName: "dml-t.b"},
		{name: "start of a missing DML does nothing",
			step: start("t", "dml-t")},
		{name: "alternate name too long warns",
			step:    restart("t", long, false),
			found:   &deployers.FoundDML{Conventional: long, Name: long, Phase: deployers.PhaseRunning},
			warning: "would exceed 100 characters"},
		{name: "back from a long alternate fits",
			step:     restart("t", long+".b", false),
			found:    &deployers.FoundDML{Conventional: long, Name: long + ".b", Phase: deployers.PhaseRunning},
			wantName: long},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &carrier{found: map[string]deployers.FoundDML{}, carried: map[string]string{}}
			if tc.found != nil {
				c.found["t"] = *tc.found
			}
			p := &plan.Plan{Steps: append([]plan.Step{tc.step}, tc.extra...)}
			before := p.Steps[0].Statements[len(p.Steps[0].Statements)-1].Name
			plan.CarryOffsets(p, c)
			plan.CarryOffsets(p, c) // a saved plan: applying it again changes nothing more
			s := p.Steps[0]
			got := s.Statements[len(s.Statements)-1].Name
			want := tc.wantName
			if want == "" {
				want = before
			}
			if got != want {
				t.Errorf("DML name = %q, want %q", got, want)
			}
			if tc.wantName != "" && c.carried[tc.found.Name] != tc.wantName {
				t.Errorf("carried = %v, want %s → %s", c.carried, tc.found.Name, tc.wantName)
			}
			if tc.wantName == "" && len(c.carried) > 0 {
				t.Errorf("carried %v, want nothing", c.carried)
			}
			switch {
			case tc.warning == "" && len(s.Warnings) > 0:
				t.Errorf("warnings %q, want none", s.Warnings)
			case tc.warning != "" && (len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], tc.warning)):
				t.Errorf("warnings %q, want one with %q", s.Warnings, tc.warning)
			}
			if tc.wantName != "" && strings.Count(s.Reason, "offsets carried over") != 1 {
				t.Errorf("reason %q: want one note of the carry", s.Reason)
			}
		})
	}
}

func restart(table, dml string, stateful bool) plan.Step {
	return plan.Step{Table: table, Action: plan.ActionRestart, Stateful: stateful, Reason: "DML changed",
		Statements: []plan.StatementRef{{Name: dml, Kind: deployers.KindDML}}}
}

func start(table, dml string) plan.Step {
	s := restart(table, dml, false)
	s.Action = plan.ActionStart
	return s
}

func withAfter(s plan.Step, after ...string) plan.Step {
	s.After = after
	return s
}
