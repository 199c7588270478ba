package plan

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
)

// BuildUndeploy computes the plan that removes the selected tables: in
// reverse dependency order, delete the DML statement and drop the table —
// only for tables whose every child is also dropped or not running. A
// selected table that a running statement outside the selection still
// reads is kept and listed (and so are its ancestors in the selection).
// Only Selected, Excluded, State, Naming, SQL, Target and Now of in are
// used. Cost: one topological sort of the selection, O((V+E) log V).
func BuildUndeploy(ctx context.Context, g *dag.Graph, in Inputs) (*Plan, error) {
	var unknown []string
	sel := map[string]bool{}
	excluded := map[string]bool{}
	for _, n := range in.Excluded {
		excluded[n] = true
	}
	for _, n := range append(append([]string(nil), in.Selected...), in.Excluded...) {
		if !g.Has(n) {
			unknown = append(unknown, n)
			continue
		}
		sel[n] = true
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, &UnknownTableError{Tables: slices.Compact(unknown)}
	}
	order := byLevel(g.TopoOrder(sel), g.Parents)
	slices.Reverse(order)
	dec := map[string]*decision{}
	for _, n := range order {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t := g.Table(n)
		st := in.State[n]
		d := &decision{}
		dec[n] = d
		switch {
		case excluded[n]:
			d.action, d.reason = ActionExcluded, "excluded by the selection"
			continue
		case t.IsExternal:
			d.action, d.reason = ActionNone, "external table: never deployed"
			continue
		case !st.Exists && st.DML == nil:
			d.action, d.reason = ActionNone, "not deployed"
			continue
		}
		var readers []string
		for _, c := range g.Children(n) {
			cd := dec[c]
			if cd != nil && cd.action == ActionDrop {
				continue
			}
			if healthy(in.State[c]) {
				readers = append(readers, c)
			}
		}
		if len(readers) > 0 {
			d.action = ActionKeep
			d.reason = "read by running " + strings.Join(readers, ", ")
			continue
		}
		d.action, d.reason = ActionDrop, "selected for undeploy"
	}
	p := &Plan{
		Version: FormatVersion, Kind: KindUndeploy,
		Target: in.Target.Target, Environment: in.Target.Environment,
		CreatedAt: in.Now.UTC(),
		Steps:     make([]Step, 0, len(order)),
	}
	within := func(names []string) []string {
		var out []string
		for _, n := range names {
			if sel[n] {
				out = append(out, n)
			}
		}
		return out
	}
	after := nearestActing(order, func(n string) []string { return within(g.Children(n)) }, func(n string) bool { return dec[n].action.Acts() })
	for _, n := range order {
		t := g.Table(n)
		d := dec[n]
		s := Step{
			Table: n, Product: t.Product, Type: t.Type, Action: d.action, Reason: d.reason,
			Statements: []StatementRef{}, After: []string{}, Stateful: t.Stateful,
		}
		if d.action == ActionDrop {
			s.After = after[n]
			var err error
			if s.Drop, err = in.Naming.Name(t, deployers.KindDrop); err != nil {
				return nil, err
			}
			for _, k := range []deployers.StatementKind{deployers.KindDDL, deployers.KindDML} {
				name, err := in.Naming.Name(t, k)
				if err != nil {
					return nil, err
				}
				if (k == deployers.KindDDL && t.DDLPath != "") || (k == deployers.KindDML && t.DMLPath != "") {
					s.Statements = append(s.Statements, StatementRef{Kind: k, Name: name})
				}
			}
			if st := in.State[n]; st.DML != nil && st.DML.Name != "" {
				s.Replaces = []string{st.DML.Name}
			}
		}
		p.Steps = append(p.Steps, s)
	}
	p.Summary = summarize(p.Steps)
	sql := in.SQL
	if sql == nil {
		return nil, fmt.Errorf("undeploy plan: no SQL reader given")
	}
	fp, err := fingerprint(ctx, g, p, in.State, sql)
	if err != nil {
		return nil, err
	}
	p.Fingerprint = fp
	return p, nil
}
