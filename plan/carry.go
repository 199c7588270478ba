package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

// CarryOffsets applies --carry-offsets to a deploy plan on a target that
// can carry offsets, after State was read for the plan's tables. Each
// restart of a stateless DML that runs now (RUNNING or DEGRADED), and each
// start of a stateless DML whose statement is STOPPED (stopped by hand, or
// by a carry that was interrupted or whose new statement failed), is
// rewritten to submit its DML under the table's other name
// (OffsetCarrier.AlternateName) and recorded with the target, which then
// starts it from the offsets of the statement it replaces.
//
// Restarts that cannot carry keep their step and get a warning saying why:
// stateful DMLs (their state would not match the offsets), inputs created
// again by the same plan (their topics are new), DMLs not running, and
// alternate names longer than MaxStatementName. Calling it again on the
// same plan (a saved plan) changes nothing more. Cost: O(steps).
func CarryOffsets(p *Plan, c deployers.OffsetCarrier) {
	if p == nil || c == nil {
		return
	}
	recreated := map[string]bool{}
	for _, s := range p.Steps {
		if s.Action == ActionRecreate || s.Action == ActionCreate {
			recreated[s.Table] = true
		}
	}
	for i := range p.Steps {
		s := &p.Steps[i]
		if s.Action != ActionRestart && s.Action != ActionStart {
			continue
		}
		dml := dmlStatement(s)
		if dml < 0 {
			continue
		}
		found, ok := c.FoundDML(s.Table)
		if s.Action == ActionStart && (!ok || found.Phase != deployers.PhaseStopped) {
			continue // nothing to carry from (missing or FAILED DML): not worth a warning
		}
		next, why := carryTarget(s, found, ok, recreated, c)
		if why != "" {
			if !slices.Contains(s.Warnings, why) {
				s.Warnings = append(s.Warnings, why)
			}
			continue
		}
		s.Statements[dml].Name = next
		if note := "; offsets carried over from " + found.Name; !strings.HasSuffix(s.Reason, note) {
			s.Reason += note
		}
		c.Carry(s.Table, found.Name, next)
	}
}

// dmlStatement is the index of the step's DML statement, -1 without one.
func dmlStatement(s *Step) int {
	ref := -1
	for j, st := range s.Statements {
		if st.Kind == deployers.KindDML {
			ref = j
		}
	}
	return ref
}

// carryTarget decides whether a restart or start carries offsets: it
// returns the name the new DML gets, or why it cannot carry.
func carryTarget(s *Step, found deployers.FoundDML, ok bool, recreated map[string]bool, c deployers.OffsetCarrier) (next, why string) {
	const fromStartup = "; it restarts from the table's startup mode"
	switch {
	case s.Stateful:
		return "", "stateful DML: --carry-offsets does not apply (its state would not match the offsets)" + fromStartup
	case s.Action == ActionRestart && (!ok || (found.Phase != deployers.PhaseRunning && found.Phase != deployers.PhaseDegraded)):
		return "", "--carry-offsets: no RUNNING DML to carry offsets from" + fromStartup
	}
	for _, a := range s.After {
		if recreated[a] {
			return "", "--carry-offsets: input " + a + " is created again by this plan (new topic, old offsets meaningless)" + fromStartup
		}
	}
	next = c.AlternateName(found.Conventional, found.Name)
	if len(next) > MaxStatementName {
		return "", fmt.Sprintf("--carry-offsets: %s would exceed %d characters%s", next, MaxStatementName, fromStartup)
	}
	return next, ""
}
