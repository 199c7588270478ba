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
// Only Selected, Excluded, Since, State, Naming, SQL, Target and Now of in
// are used. Cost: one topological sort of the selection, O((V+E) log V).
func BuildUndeploy(ctx context.Context, g *dag.Graph, in Inputs) (*Plan, error) {
	in.Naming = in.Naming.prepared()
	var unknown []string
	n := g.Len()
	sel := make([]bool, n)
	excluded := make([]bool, n)
	for _, name := range append(append([]string(nil), in.Selected...), in.Excluded...) {
		i, ok := g.Index(name)
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		sel[i] = true
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, &UnknownTableError{Tables: slices.Compact(unknown)}
	}
	for _, i := range indexes(g, in.Excluded) {
		excluded[i] = true
	}
	state := func(i int) deployers.TableState { return in.State[g.NameAt(i)] }
	order := byLevel(g.TopoOrderAt(sel), g.ParentsAt, n)
	slices.Reverse(order)
	dec := make([]*decision, n)
	for _, i := range order {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t := g.TableAt(i)
		st := state(i)
		d := &decision{}
		dec[i] = d
		switch {
		case excluded[i]:
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
		for _, c := range g.ChildrenAt(i) {
			cd := dec[c]
			if cd != nil && cd.action == ActionDrop {
				continue
			}
			if healthy(state(c)) {
				readers = append(readers, g.NameAt(c))
			}
		}
		if len(readers) > 0 {
			d.action = ActionKeep
			d.reason = "read by running " + strings.Join(readers, ", ")
			continue
		}
		d.action, d.reason = ActionDrop, "selected for undeploy"
		if t.Retired {
			d.reason = "deleted from the pipelines"
			if in.Since != "" {
				d.reason += " since " + in.Since
			}
		}
	}
	p := &Plan{
		Version: FormatVersion, Kind: KindUndeploy,
		Target: in.Target.Target, Environment: in.Target.Environment,
		CreatedAt: in.Now.UTC(),
		Steps:     make([]Step, 0, len(order)),
	}
	within := func(idx []int) []int {
		var out []int
		for _, i := range idx {
			if sel[i] {
				out = append(out, i)
			}
		}
		return out
	}
	after := nearestActing(order, func(i int) []int { return within(g.ChildrenAt(i)) }, func(i int) bool { return dec[i].action.Acts() }, n)
	for _, i := range order {
		t := g.TableAt(i)
		d := dec[i]
		s := Step{
			Table: t.Name, Product: t.Product, Type: t.Type, Action: d.action, Reason: d.reason,
			Statements: []StatementRef{}, After: []string{}, Stateful: t.Stateful,
		}
		if d.action == ActionDrop {
			s.After = make([]string, len(after[i]))
			for k, a := range after[i] {
				s.After[k] = g.NameAt(a)
			}
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
			if st := state(i); st.DML != nil && st.DML.Name != "" {
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
	fp, err := fingerprint(ctx, g, p, in.State, sql, nil)
	if err != nil {
		return nil, err
	}
	p.Fingerprint = fp
	return p, nil
}
