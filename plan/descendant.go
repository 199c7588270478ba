package plan

import "slices"

// The rules for a table below the plan's acting steps, and for a changed
// table whose SQL the target does not report, as plain functions: Build
// applies the first, and package impact applies both, so an impact report
// says what a deploy will do.

// Reach is how a table's acting parents reach it, the strongest of them.
type Reach int

const (
	// ReachNone: no parent acts.
	ReachNone Reach = iota
	// ReachActing: a parent acts (creates, restarts, starts) and none
	// forces.
	ReachActing
	// ReachForced: a parent forces its descendants: its topic is dropped
	// (recreate), or the change reached it through such a table.
	ReachForced
)

// Outcome is a table's action and whether its descendants must be
// redeployed whatever the flags.
type Outcome struct {
	Action Action
	Forces bool
}

// Descendant is what the descendant rule reads of a table.
type Descendant struct {
	Stateful bool
	// HasDML: the table has a DML file.
	HasDML bool
	// Exists: the table is on the target; Running: its DML is healthy.
	Exists, Running bool
	// Excluded: --exclude matched it; it is shown, never run.
	Excluded bool
	// InScope: the deploy may redeploy the table: it is selected, or its
	// product passes Options.InScope.
	InScope bool
}

// DescendantRule decides a table whose parents reach it (external tables
// and tables without SQL files are never decided):
//   - a forcing parent, or any acting parent with --may-start-descendants,
//     redeploys it: create when missing, recreate when stateful (its state
//     came from the old data; it then forces its own descendants), restart
//     when its DML runs, start when it does not; a table without DML
//     stays;
//   - otherwise an acting parent only repairs it: an existing table whose
//     DML is not running is started;
//   - an excluded table becomes excluded when it would be redeployed, and a
//     table out of scope stays.
//
// The outcome forces when the table is recreated or a forcing parent
// reached it. ActionNone means the rule leaves the table alone.
func DescendantRule(reach Reach, d Descendant, mayStartDescendants bool) Outcome {
	if reach == ReachNone {
		return Outcome{Action: ActionNone}
	}
	forced := reach == ReachForced
	caused := forced || mayStartDescendants
	switch {
	case d.Excluded:
		if caused {
			return Outcome{Action: ActionExcluded}
		}
		return Outcome{Action: ActionNone}
	case !d.InScope:
		return Outcome{Action: ActionNone}
	case !caused:
		// Repair: an existing table left without its DML (e.g. by an
		// interrupted recreate of its input) is started again.
		if d.Exists && d.HasDML && !d.Running {
			return Outcome{Action: ActionStart}
		}
		return Outcome{Action: ActionNone}
	case !d.Exists:
		return Outcome{Action: ActionCreate, Forces: forced}
	case d.Stateful:
		return Outcome{Action: ActionRecreate, Forces: true}
	case !d.HasDML:
		return Outcome{Action: ActionNone}
	case d.Running:
		return Outcome{Action: ActionRestart, Forces: forced}
	default:
		return Outcome{Action: ActionStart, Forces: forced}
	}
}

// Merge combines a table's outcome so far with the one a rule gives it
// now: the stronger action wins (create > recreate > restart, start >
// none), and a forcing outcome makes the table force too when it acts. It
// reports whether the outcome changed.
func (o Outcome) Merge(next Outcome) (Outcome, bool) {
	stronger := rank(next.Action) > rank(o.Action)
	if !stronger && !(next.Forces && !o.Forces && o.Action.Acts()) {
		return o, false
	}
	if stronger {
		o.Action = next.Action
	}
	o.Forces = o.Forces || next.Forces
	return o, true
}

// InScope reports whether a deploy whose selected tables have the products
// selected redeploys a descendant of product p: one of those products, a
// common product (app.accepted_common_products), or any product with
// --cross-product-deployment.
func (o Options) InScope(p string, selected map[string]bool) bool {
	return o.CrossProductDeployment || selected[p] || slices.Contains(o.CommonProducts, p)
}

// Changed is what the selected-table rule reads of a changed table whose
// SQL the target does not report (so the change set decides).
type Changed struct {
	// Change is the table's change in git (zero: none).
	Change Change
	// HasDDL and HasDML: the table has a DDL file, a DML file.
	HasDDL, HasDML bool
	// Exists: the table is on the target; Running: its DML is healthy.
	Exists, Running bool
}

// ChangedRule is Build's rule for a selected table when the target reports
// neither its DDL nor its DML SQL: create when missing; recreate (forcing)
// with --force or a DDL change, whatever the schema classification, since
// a deploy drops and creates the table again either way (--dml-only
// restarts the DML instead); start when its DML is not running; restart
// for a DML change; none otherwise.
func ChangedRule(c Changed, opts Options) Outcome {
	ddl := c.HasDDL && c.Change.ddl()
	switch {
	case !c.Exists:
		return Outcome{Action: ActionCreate}
	case opts.Force || ddl:
		if opts.DMLOnly && c.HasDML {
			return Outcome{Action: ActionRestart}
		}
		return Outcome{Action: ActionRecreate, Forces: true}
	case !c.HasDML:
		return Outcome{Action: ActionNone}
	case !c.Running:
		return Outcome{Action: ActionStart}
	case c.Change.dml():
		return Outcome{Action: ActionRestart}
	}
	return Outcome{Action: ActionNone}
}
