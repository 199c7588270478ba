package impact

import (
	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// deploy is what the actions read of the deploy they describe: its flags,
// the target's state, the excluded tables, and the deploy's scope (the
// products of the tables it selects: the changed ones).
type deploy struct {
	opts     plan.Options
	deployed func(table string) (exists, running bool)
	never    map[string]bool
	products map[string]bool
}

func (a *analysis) newDeploy(opts Options) *deploy {
	d := &deploy{opts: opts.Deploy, deployed: opts.Deployed, never: map[string]bool{}, products: map[string]bool{}}
	if d.deployed == nil {
		d.deployed = a.previousVersionRuns
	}
	for _, n := range opts.NeverDeploy {
		d.never[n] = true
	}
	for n := range a.inGraph {
		if !d.never[n] {
			d.products[a.g.Table(n).Product] = true
		}
	}
	return d
}

// decideOwn decides every changed table of the graph by itself
// (plan.ChangedRule), and makes the ones the deploy acts on propagate even
// when their change alone would not (a moved folder whose table is
// missing, say): their descendants see a table that acts.
func (a *analysis) decideOwn(d *deploy) {
	a.own = make(map[string]plan.Outcome, len(a.inGraph))
	for n, k := range a.inGraph {
		o := a.ownOutcome(n, a.changed[k], d)
		a.own[n] = o
		if o.Action.Acts() && !a.isChanged[n] {
			a.isChanged[n] = true
			a.addBit(n, k)
		}
	}
}

// ownOutcome is the deploy's action on a changed table before its parents
// are considered: plan.ChangedRule on its change kind. A selected table
// whose change is unknown counts as redeployed with --force; a
// formatting-only change deploys nothing, as a plan with --since does.
func (a *analysis) ownOutcome(n string, c Changed, d *deploy) plan.Outcome {
	t := a.g.Table(n)
	switch {
	case t.IsExternal || !t.Deployable():
		return plan.Outcome{Action: plan.ActionNone}
	case d.never[n]:
		return plan.Outcome{Action: plan.ActionExcluded}
	}
	opts := d.opts
	var ch plan.Change
	switch {
	case c.FormattingOnly:
	case c.Change == ChangeSelected:
		opts.Force = true
	default:
		ch.Kind = plan.ChangeKind(c.Change)
		if c.Schema != nil {
			ch.Schema, ch.Reasons = c.Schema.Category, c.Schema.Reasons
		}
	}
	exists, running := d.deployed(n)
	return plan.ChangedRule(plan.Changed{
		Change: ch, HasDDL: t.DDLPath != "", HasDML: t.DMLPath != "", Exists: exists, Running: running,
	}, opts)
}

// actions decides what a deploy of the change does to every changed table
// of the graph and every table it reaches (order, in dependency order), by
// the plan's rules: the changed tables are selected and decided by
// themselves (decideOwn); plan.DescendantRule decides each table below
// from its parents' outcomes; and, as a plan adds the missing or stopped
// ancestors of what it deploys, a reached table upstream of a deployed
// one is created or started when it needs to be, which can make more
// tables act: the passes repeat until nothing changes. Tables upstream of
// the change are assumed to run. A table no rule deploys (external,
// without SQL files) stays alone.
//
// Cost: O(V+E) over the reached tables per pass, usually one or two.
func (a *analysis) actions(order []string, d *deploy) map[string]plan.Outcome {
	anc := map[string]plan.Outcome{}
	for {
		out := a.descend(order, d, anc)
		if !a.addAncestors(order, d, out, anc) {
			return out
		}
	}
}

// descend is one pass of the descendant rule over order, starting from
// the changed tables' own outcomes and the ancestor decisions anc.
func (a *analysis) descend(order []string, d *deploy, anc map[string]plan.Outcome) map[string]plan.Outcome {
	out := make(map[string]plan.Outcome, len(order)+len(a.own))
	for n, o := range a.own {
		out[n] = o
	}
	for _, n := range order {
		t := a.g.Table(n)
		cur, decided := out[n]
		if !decided {
			cur, decided = anc[n]
		}
		if t.IsExternal || !t.Deployable() || (decided && (cur.Action == plan.ActionCreate || cur.Action == plan.ActionExcluded)) {
			if !decided {
				cur = plan.Outcome{Action: plan.ActionNone}
			}
			out[n] = cur
			continue
		}
		reach := plan.ReachNone
		for _, p := range a.g.Parents(n) {
			po := out[p]
			switch {
			case !po.Action.Acts():
			case po.Forces:
				reach = plan.ReachForced
			case reach == plan.ReachNone:
				reach = plan.ReachActing
			}
		}
		_, changed := a.own[n]
		exists, running := d.deployed(n)
		next := plan.DescendantRule(reach, plan.Descendant{
			Stateful: t.Stateful, HasDML: t.DMLPath != "", Exists: exists, Running: running,
			Excluded: d.never[n], InScope: changed || d.opts.InScope(t.Product, d.products),
		}, d.opts.MayStartDescendants)
		if !decided {
			out[n] = next
			continue
		}
		out[n], _ = cur.Merge(next)
	}
	return out
}

// addAncestors decides, as a plan does, the reached tables that no rule
// decided and that are upstream of a changed or acting table: missing ones
// are created, existing ones whose DML does not run are started, excluded
// ones are shown excluded, the others stay. It reports whether a new
// decision acts (the descendant rule must run again). O(V+E) over order.
func (a *analysis) addAncestors(order []string, d *deploy, out, anc map[string]plan.Outcome) bool {
	upstream := map[string]bool{}
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		_, changed := a.own[n]
		if !changed && !out[n].Action.Acts() && !upstream[n] {
			continue
		}
		for _, p := range a.g.Parents(n) {
			upstream[p] = true
		}
	}
	acts := false
	for _, n := range order {
		_, changed := a.own[n]
		_, done := anc[n]
		if !upstream[n] || changed || done || out[n].Action != plan.ActionNone {
			continue
		}
		t := a.g.Table(n)
		exists, running := d.deployed(n)
		o := plan.Outcome{Action: plan.ActionNone}
		switch {
		case t.IsExternal || !t.Deployable():
		case d.never[n]:
			o.Action = plan.ActionExcluded
		case !exists:
			o.Action = plan.ActionCreate
		case t.DMLPath != "" && !running:
			o.Action = plan.ActionStart
		}
		anc[n] = o
		acts = acts || o.Action.Acts()
	}
	return acts
}

// previousVersionRuns is the default target state: every table exists and
// its DML runs, except the tables the change adds (a new folder, or a
// folder renamed to a new table name).
func (a *analysis) previousVersionRuns(table string) (exists, running bool) {
	k, ok := a.inGraph[table]
	if !ok {
		return true, true
	}
	c := a.changed[k]
	if c.Change == string(changes.KindAdded) || (c.OldName != "" && c.OldName != c.Table) {
		return false, false
	}
	return true, true
}
