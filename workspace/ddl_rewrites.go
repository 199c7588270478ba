package workspace

import (
	"fmt"
	"strings"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// noteDDLRewrites adds a warning to every acting step whose DDL the target
// rewrites (the flink target drops Confluent Cloud clauses and options), so
// the plan says so even without --show-sql.
func noteDDLRewrites(pl *plan.Plan, g *dag.Graph, sqlOf pipeline.SQLSource, t *Target) error {
	for i := range pl.Steps {
		s := &pl.Steps[i]
		if !s.Action.Acts() || s.Action == plan.ActionDrop {
			continue
		}
		hasDDL := false
		for _, st := range s.Statements {
			hasDDL = hasDDL || st.Kind == deployers.KindDDL
		}
		if !hasDDL {
			continue
		}
		ddl, _, err := sqlOf(g.Table(s.Table))
		if err != nil {
			return err
		}
		_, changes, err := t.RenderDDL(s.Table, ddl)
		if err != nil {
			return fmt.Errorf("rewrite the DDL of %s for the %s target: %w", s.Table, t.Info().Target, err)
		}
		if len(changes) == 0 {
			continue
		}
		first := changes[0]
		if k := strings.Index(first, ": "); k >= 0 && strings.HasPrefix(first, "table ") {
			first = first[k+2:]
		}
		more := ""
		if len(changes) > 1 {
			more = fmt.Sprintf(" and %d more", len(changes)-1)
		}
		s.Warnings = append(s.Warnings, fmt.Sprintf("DDL adapted to the %s target: %s%s (see --show-sql)", t.Info().Target, first, more))
	}
	return nil
}
