package plan

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// BuildUndeploy computes the plan that removes the selected tables: in
// reverse dependency order, delete the DML statement and drop the table —
// only for tables whose every child is also dropped or not running. A
// selected table that a running statement outside the selection still
// reads is kept and listed (and so are its ancestors in the selection).
// Only Selected, Excluded, Since, State, Naming, SQL, Target, Now,
// Externals and IncludeExternals of in are used. External inputs are listed
// in Plan.Externals, dropped after their readers only with
// IncludeExternals. Cost: one topological sort of the selection, O((V+E) log V).
func BuildUndeploy(ctx context.Context, g *dag.Graph, in Inputs) (*Plan, error) {
	in.Naming = in.Naming.prepared()
	sel, excluded, err := undeploySelection(g, in)
	if err != nil {
		return nil, err
	}
	// Readers go first: the reverse of a topological order, by level so
	// that tables which can go side by side are next to each other.
	order := byLevel(g.TopoOrderAt(sel), g.ParentsAt, g.Len())
	slices.Reverse(order)
	dec, err := decideUndeploy(ctx, g, in, order, excluded)
	if err != nil {
		return nil, err
	}
	p := &Plan{
		Version: FormatVersion, Kind: KindUndeploy,
		Target: in.Target.Target, Environment: in.Target.Environment,
		CreatedAt: in.Now.UTC(),
	}
	if p.Steps, err = undeploySteps(g, in, order, sel, dec); err != nil {
		return nil, err
	}
	// Externals are not tables of the project: listed apart, and dropped
	// only with IncludeExternals.
	var selectedExternals []string
	steps := p.Steps[:0]
	for _, s := range p.Steps {
		if t := g.Table(s.Table); t != nil && t.IsExternal {
			selectedExternals = append(selectedExternals, s.Table)
			continue
		}
		steps = append(steps, s)
	}
	p.Steps = steps
	p.Summary = summarize(p.Steps)
	if p.Externals, _, err = externalsOf(g, in, p.Steps, selectedExternals, true); err != nil {
		return nil, err
	}
	if in.SQL == nil {
		return nil, fmt.Errorf("undeploy plan: no SQL reader given")
	}
	if p.Fingerprint, err = fingerprint(ctx, g, p, in.State, in.SQL, nil); err != nil {
		return nil, err
	}
	return p, nil
}

// undeploySelection marks, by graph index, the tables the plan lists (the
// selected and the excluded ones: excluded tables are shown, never
// dropped) and the excluded ones. Names not in the graph are an
// *UnknownTableError.
func undeploySelection(g *dag.Graph, in Inputs) (sel, excluded []bool, err error) {
	var unknown []string
	sel = make([]bool, g.Len())
	excluded = make([]bool, g.Len())
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
		return nil, nil, &UnknownTableError{Tables: slices.Compact(unknown)}
	}
	for _, i := range indexes(g, in.Excluded) {
		excluded[i] = true
	}
	return sel, excluded, nil
}

// decideUndeploy decides each table of order (readers first), so that a
// table's children are decided before it: a child the plan drops no
// longer reads it.
func decideUndeploy(ctx context.Context, g *dag.Graph, in Inputs, order []int, excluded []bool) ([]*decision, error) {
	dec := make([]*decision, g.Len())
	for _, i := range order {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		dec[i] = undeployDecision(g, in, i, excluded[i], dec)
	}
	return dec, nil
}

// undeployDecision decides table i: excluded, external and undeployed
// tables stay; a table a running child still reads (one the plan does not
// drop) is kept, naming those readers; anything else is dropped.
func undeployDecision(g *dag.Graph, in Inputs, i int, excluded bool, dec []*decision) *decision {
	t := g.TableAt(i)
	st := in.State[t.Name]
	switch {
	case excluded:
		return &decision{action: ActionExcluded, reason: "excluded by the selection"}
	case t.IsExternal:
		return &decision{action: ActionNone, reason: "external table: never deployed"}
	case !st.Exists && st.DML == nil:
		return &decision{action: ActionNone, reason: "not deployed"}
	}
	var readers []string
	for _, c := range g.ChildrenAt(i) {
		if cd := dec[c]; cd != nil && cd.action == ActionDrop {
			continue
		}
		if healthy(in.State[g.NameAt(c)]) {
			readers = append(readers, g.NameAt(c))
		}
	}
	if len(readers) > 0 {
		return &decision{action: ActionKeep, reason: "read by running " + strings.Join(readers, ", ")}
	}
	d := &decision{action: ActionDrop, reason: "selected for undeploy"}
	if t.Retired {
		d.reason = "deleted from the pipelines"
		if in.Since != "" {
			d.reason += " since " + in.Since
		}
	}
	return d
}

// undeploySteps are the plan's steps in order. A drop waits for the
// nearest dropped readers within the selection and names its statements.
// Cost: O(V+E) for the waits.
func undeploySteps(g *dag.Graph, in Inputs, order []int, sel []bool, dec []*decision) ([]Step, error) {
	within := func(idx []int) []int {
		var out []int
		for _, i := range idx {
			if sel[i] {
				out = append(out, i)
			}
		}
		return out
	}
	after := nearestActing(order, func(i int) []int { return within(g.ChildrenAt(i)) }, func(i int) bool { return dec[i].action.Acts() }, g.Len())
	steps := make([]Step, 0, len(order))
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
			if err := dropStatements(&s, t, in); err != nil {
				return nil, err
			}
		}
		steps = append(steps, s)
	}
	return steps, nil
}

// dropStatements names a dropped table's statements: the drop, the DDL and
// DML it has files for, and the running DML it replaces (deletes). A name
// the naming rules cannot make is an error, even for a statement without
// a file.
func dropStatements(s *Step, t *pipeline.Table, in Inputs) error {
	var err error
	if s.Drop, err = in.Naming.Name(t, deployers.KindDrop); err != nil {
		return err
	}
	for _, k := range []deployers.StatementKind{deployers.KindDDL, deployers.KindDML} {
		name, err := in.Naming.Name(t, k)
		if err != nil {
			return err
		}
		if (k == deployers.KindDDL && t.DDLPath != "") || (k == deployers.KindDML && t.DMLPath != "") {
			s.Statements = append(s.Statements, StatementRef{Kind: k, Name: name})
		}
	}
	if st := in.State[t.Name]; st.DML != nil && st.DML.Name != "" {
		s.Replaces = []string{st.DML.Name}
	}
	return nil
}
