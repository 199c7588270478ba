package plan

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// Options are the deploy flags that change the rules.
type Options struct {
	// Force recreates the selected tables (drop, DDL, DML).
	Force bool
	// ForceAncestors recreates the running ancestors of the selected tables.
	ForceAncestors bool
	// MayStartDescendants restarts the descendants of every acting step.
	MayStartDescendants bool
	// CrossProductDeployment lifts the product filter on descendants.
	CrossProductDeployment bool
	// DMLOnly keeps the selected tables: a DDL change or --force only
	// restarts their DML.
	DMLOnly bool
	// CommonProducts are products whose descendants are redeployed with
	// any product's (config app.accepted_common_products).
	CommonProducts []string
}

// Change is what the plan needs of a table's change in git (package
// changes computes them; the CLI converts).
type Change struct {
	// Kind is ddl, dml, added, renamed (deleted tables are not in the graph).
	Kind string
	// Content is ddl or dml for a renamed table whose SQL also changed.
	Content string
	// Schema is "compatible" or "breaking" for DDL changes, "" when unknown.
	Schema  string
	Reasons []string
}

func (c Change) ddl() bool { return c.Kind == "ddl" || c.Content == "ddl" }
func (c Change) dml() bool { return c.Kind == "dml" || c.Content == "dml" }

// Inputs are everything a plan is computed from.
type Inputs struct {
	// Selected are the tables the selection matched, minus Excluded.
	Selected []string
	// Excluded are tables the selection matched and excluded: they are
	// shown in the plan and never run.
	Excluded []string
	// Changes are the git changes by table (nil without --since).
	Changes map[string]Change
	// Since is the git reference of Changes, for reasons.
	Since string
	// State is the target's state by table; a missing entry is a table
	// that does not exist.
	State   map[string]deployers.TableState
	Options Options
	Naming  Naming
	// SQL returns the contents of a table's DDL and DML files ("" for a
	// missing file).
	SQL    func(t *pipeline.Table) (ddl, dml string, err error)
	Target deployers.Info
	Now    time.Time
}

// UnknownTableError names selected tables that are not in the graph.
type UnknownTableError struct{ Tables []string }

func (e *UnknownTableError) Error() string {
	return fmt.Sprintf("unknown table(s) %s: check the names with 'shiftleft pipeline report'", strings.Join(e.Tables, ", "))
}

// decision is the action chosen for one table while the plan is built.
type decision struct {
	action Action
	reason string
	// forces is true when the table's descendants must be redeployed
	// whatever the flags: its topic is dropped (recreate) or the change
	// reached it through such a table.
	forces   bool
	selected bool
	warnings []string
}

type builder struct {
	g        *dag.Graph
	in       Inputs
	dec      map[string]*decision
	excluded map[string]bool
	products map[string]bool // products of the selected tables
	common   map[string]bool
	ancSel   map[string]int // ancestors of the selected tables
	sql      map[string][2]string
	warnings []string
}

// Build computes the deploy plan. The rules, in order:
//   - every selected table: create when it does not exist; recreate when
//     --force or its DDL changed (per the deployed DDL the target knows,
//     else per the change set); start when no healthy DML runs; restart
//     when the running DML's SQL differs from the file's (normalized), or
//     the target does not know it and the change set says the DML changed;
//     none otherwise;
//   - ancestors of planned tables that are missing or not running are
//     created or started; running ones stay (none) unless --force-ancestors
//     (recreate, for ancestors of the selected tables);
//   - descendants of a recreate (always), of any acting step (with
//     --may-start-descendants), and existing descendants whose DML is not
//     running (repair): stateful ones are recreated, stateless ones
//     restarted, limited to the selected tables' products, the common
//     products and --cross-product-deployment;
//   - excluded and external tables never act.
//
// Cost: a few passes of O(V+E) (usually two or three until no decision
// changes) plus one topological sort O((V+E) log V) and the SQL reads of
// the planned tables.
func Build(ctx context.Context, g *dag.Graph, in Inputs) (*Plan, error) {
	b := &builder{
		g: g, in: in,
		dec:      map[string]*decision{},
		excluded: map[string]bool{},
		products: map[string]bool{},
		common:   map[string]bool{},
		sql:      map[string][2]string{},
	}
	if b.in.SQL == nil {
		b.in.SQL = func(*pipeline.Table) (string, string, error) { return "", "", nil }
	}
	var unknown []string
	for _, n := range append(append([]string(nil), in.Selected...), in.Excluded...) {
		if !g.Has(n) {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, &UnknownTableError{Tables: slices.Compact(unknown)}
	}
	for _, n := range in.Excluded {
		b.excluded[n] = true
	}
	for _, p := range in.Options.CommonProducts {
		b.common[p] = true
	}
	selected := append([]string(nil), in.Selected...)
	sort.Strings(selected)
	selected = slices.Compact(selected)
	var roots []string
	for _, n := range selected {
		if b.excluded[n] {
			continue
		}
		b.products[g.Table(n).Product] = true
		roots = append(roots, n)
	}
	b.ancSel = g.Ancestors(roots, 0)
	for _, n := range selected {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d, err := b.decideSelected(g.Table(n))
		if err != nil {
			return nil, err
		}
		b.dec[n] = d
	}
	for _, n := range in.Excluded {
		b.dec[n] = &decision{action: ActionExcluded, reason: "excluded by the selection", selected: true}
	}

	topo := g.TopoOrder(nil)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		changed, err := b.addAncestors()
		if err != nil {
			return nil, err
		}
		more, err := b.propagate(topo)
		if err != nil {
			return nil, err
		}
		if !changed && !more {
			break
		}
	}
	return b.finish(ctx)
}

// addAncestors decides every undecided ancestor of the planned tables.
func (b *builder) addAncestors() (bool, error) {
	roots := make([]string, 0, len(b.dec))
	for n, d := range b.dec {
		if d.action != ActionExcluded && !b.g.Table(n).IsExternal {
			roots = append(roots, n)
		}
	}
	anc := b.g.Ancestors(roots, 0)
	names := make([]string, 0, len(anc))
	for n := range anc {
		if b.dec[n] == nil {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		d, err := b.decideAncestor(b.g.Table(n))
		if err != nil {
			return false, err
		}
		b.dec[n] = d
	}
	return len(names) > 0, nil
}

func (b *builder) state(name string) deployers.TableState { return b.in.State[name] }

func hasDML(t *pipeline.Table) bool { return t.DMLPath != "" }

func healthy(st deployers.TableState) bool { return st.DML != nil && st.DML.Phase.Healthy() }

func notRunning(st deployers.TableState) string {
	if st.DML == nil {
		return "no dml statement"
	}
	return "dml is " + string(st.DML.Phase)
}

// never fills d for a table no rule deploys (external, excluded, without
// SQL) and says whether it did.
func (b *builder) never(t *pipeline.Table, d *decision) bool {
	switch {
	case t.IsExternal:
		d.action, d.reason = ActionNone, "external table: never deployed"
	case b.excluded[t.Name]:
		d.action, d.reason = ActionExcluded, "excluded by the selection"
	case !t.Deployable():
		d.action, d.reason = ActionNone, "no SQL file to deploy"
	default:
		return false
	}
	return true
}

func (b *builder) decideSelected(t *pipeline.Table) (*decision, error) {
	d := &decision{selected: true}
	opts := b.in.Options
	if b.never(t, d) {
		return d, nil
	}
	st := b.state(t.Name)
	if !st.Exists {
		d.action, d.reason = ActionCreate, "table does not exist"
		if opts.DMLOnly {
			d.warnings = append(d.warnings, "--dml-only ignored: the table does not exist")
		}
		return d, nil
	}
	if opts.Force {
		if opts.DMLOnly && hasDML(t) {
			d.action, d.reason = ActionRestart, "--force --dml-only"
			return d, nil
		}
		d.action, d.reason, d.forces = ActionRecreate, "--force", true
		return d, nil
	}
	why, err := b.ddlChanged(t, st)
	if err != nil {
		return nil, err
	}
	if why != "" {
		if opts.DMLOnly && hasDML(t) {
			d.action, d.reason = ActionRestart, why+"; --dml-only: dml restarted, table kept"
			d.warnings = append(d.warnings, "the DDL change is not applied (--dml-only)")
			return d, nil
		}
		d.action, d.reason, d.forces = ActionRecreate, why, true
		return d, nil
	}
	if !hasDML(t) {
		d.action, d.reason = ActionNone, "table exists, ddl unchanged"
		return d, nil
	}
	if !healthy(st) {
		d.action, d.reason = ActionStart, notRunning(st)
		return d, nil
	}
	why, err = b.dmlChanged(t, st)
	if err != nil {
		return nil, err
	}
	if why != "" {
		d.action, d.reason = ActionRestart, why
		return d, nil
	}
	d.action, d.reason = ActionNone, "running, unchanged"
	if st.DML.SQL == "" {
		d.reason = "running; the target does not report its SQL"
	}
	return d, nil
}

func (b *builder) decideAncestor(t *pipeline.Table) (*decision, error) {
	d := &decision{}
	if b.never(t, d) {
		return d, nil
	}
	st := b.state(t.Name)
	if !st.Exists {
		d.action, d.reason = ActionCreate, "ancestor missing"
		return d, nil
	}
	if _, ok := b.ancSel[t.Name]; ok && b.in.Options.ForceAncestors {
		d.action, d.reason, d.forces = ActionRecreate, "--force-ancestors", true
		return d, nil
	}
	if hasDML(t) && !healthy(st) {
		d.action, d.reason = ActionStart, "ancestor not running ("+notRunning(st)+")"
		return d, nil
	}
	d.action, d.reason = ActionNone, "running"
	if hasDML(t) {
		why, err := b.dmlChanged(t, st)
		if err != nil {
			return nil, err
		}
		if why != "" && st.DML.SQL != "" {
			d.warnings = append(d.warnings, "the running dml differs from the file: select the table to redeploy it")
		}
	}
	return d, nil
}

// propagate walks the graph in topological order and redeploys the
// descendants of acting steps as the rules say. It reports whether any
// decision was added or upgraded. O(V+E).
func (b *builder) propagate(topo []string) (bool, error) {
	changed := false
	opts := b.in.Options
	for _, n := range topo {
		t := b.g.Table(n)
		cur := b.dec[n]
		if t.IsExternal || !t.Deployable() || (cur != nil && (cur.action == ActionExcluded || cur.action == ActionCreate)) {
			continue
		}
		// forcedBy is the first parent whose change reaches every
		// descendant; actingBy the first parent that acts at all.
		var forcedBy, actingBy string
		for _, p := range b.g.Parents(n) {
			pd := b.dec[p]
			if pd == nil || !pd.action.Acts() {
				continue
			}
			if pd.forces && forcedBy == "" {
				forcedBy = p
			}
			if actingBy == "" {
				actingBy = p
			}
		}
		if actingBy == "" {
			continue
		}
		cause := forcedBy
		if cause == "" && opts.MayStartDescendants {
			cause = actingBy
		}
		st := b.state(n)
		if !(cur != nil && cur.selected) && !b.productOK(t) {
			if cause != "" {
				b.warnProduct(cause, t)
			}
			continue
		}
		nd := &decision{}
		switch {
		case cause != "":
			why := "upstream " + cause + " " + pastTense(b.dec[cause].action)
			if forcedBy == "" {
				why += " (--may-start-descendants)"
			}
			nd.forces = forcedBy != ""
			switch {
			case !st.Exists:
				nd.action, nd.reason = ActionCreate, why+"; table missing"
			case t.Stateful:
				nd.action, nd.reason, nd.forces = ActionRecreate, why+"; stateful: state rebuilt", true
			case !hasDML(t):
				continue
			case healthy(st):
				nd.action, nd.reason = ActionRestart, why
			default:
				nd.action, nd.reason = ActionStart, why+"; "+notRunning(st)
			}
		case st.Exists && hasDML(t) && !healthy(st):
			// Repair: an existing table left without its DML (e.g. by an
			// interrupted recreate of its input) is started again.
			nd.action, nd.reason = ActionStart, notRunning(st)+"; input "+actingBy+" "+pastTense(b.dec[actingBy].action)
		default:
			continue
		}
		if cur == nil {
			b.dec[n] = nd
			changed = true
			continue
		}
		if rank(nd.action) > rank(cur.action) || (nd.forces && !cur.forces && cur.action.Acts()) {
			if rank(nd.action) > rank(cur.action) {
				cur.action, cur.reason = nd.action, nd.reason
			}
			cur.forces = cur.forces || nd.forces
			changed = true
		}
	}
	return changed, nil
}

func rank(a Action) int {
	switch a {
	case ActionStart, ActionRestart:
		return 1
	case ActionRecreate:
		return 2
	case ActionCreate:
		return 3
	}
	return 0
}

func pastTense(a Action) string {
	switch a {
	case ActionCreate:
		return "created"
	case ActionRecreate:
		return "recreated"
	case ActionRestart:
		return "restarted"
	case ActionStart:
		return "started"
	}
	return string(a)
}

func (b *builder) productOK(t *pipeline.Table) bool {
	return b.in.Options.CrossProductDeployment || b.products[t.Product] || b.common[t.Product]
}

func (b *builder) warnProduct(parent string, t *pipeline.Table) {
	pd := b.dec[parent]
	w := fmt.Sprintf("descendant %s (product %s) is not redeployed: add --cross-product-deployment or list the product in app.accepted_common_products", t.Name, t.Product)
	if !slices.Contains(pd.warnings, w) {
		pd.warnings = append(pd.warnings, w)
	}
}

func (b *builder) files(t *pipeline.Table) (string, string, error) {
	if f, ok := b.sql[t.Name]; ok {
		return f[0], f[1], nil
	}
	ddl, dml, err := b.in.SQL(t)
	if err != nil {
		return "", "", fmt.Errorf("table %s: %w", t.Name, err)
	}
	b.sql[t.Name] = [2]string{ddl, dml}
	return ddl, dml, nil
}

// sameSQL compares SQL texts as normalized; identical texts (the usual
// case: the target runs what we submitted) skip the normalization.
func sameSQL(a, b string) bool {
	return a == b || Normalize(a) == Normalize(b)
}

// ddlChanged returns why the table's DDL counts as changed, or "".
func (b *builder) ddlChanged(t *pipeline.Table, st deployers.TableState) (string, error) {
	if t.DDLPath == "" {
		return "", nil
	}
	ch := b.in.Changes[t.Name]
	schema := ""
	if ch.ddl() && ch.Schema != "" {
		schema = " (" + ch.Schema
		if len(ch.Reasons) > 0 {
			schema += ": " + strings.Join(ch.Reasons, ", ")
		}
		schema += ")"
	}
	if st.DDL != "" {
		ddl, _, err := b.files(t)
		if err != nil {
			return "", err
		}
		if !sameSQL(st.DDL, ddl) {
			return "ddl differs from the deployed one" + schema, nil
		}
		return "", nil
	}
	if ch.ddl() {
		return "ddl changed since " + b.since() + schema, nil
	}
	return "", nil
}

// dmlChanged returns why the running DML counts as changed, or "".
func (b *builder) dmlChanged(t *pipeline.Table, st deployers.TableState) (string, error) {
	if st.DML != nil && st.DML.SQL != "" {
		_, dml, err := b.files(t)
		if err != nil {
			return "", err
		}
		if !sameSQL(st.DML.SQL, dml) {
			return "dml changed", nil
		}
		return "", nil
	}
	if ch := b.in.Changes[t.Name]; ch.dml() {
		return "dml changed since " + b.since(), nil
	}
	return "", nil
}

func (b *builder) since() string {
	if b.in.Since == "" {
		return "the base"
	}
	return b.in.Since
}

// finish closes the plan upward (every planned table's ancestors are
// steps), orders it, computes After, statement names and fingerprints.
func (b *builder) finish(ctx context.Context) (*Plan, error) {
	members := make(map[string]bool, len(b.dec))
	for n := range b.dec {
		members[n] = true
	}
	order := byLevel(b.g.TopoOrder(members), b.g.Parents)
	p := &Plan{
		Version:     FormatVersion,
		Kind:        KindDeploy,
		Target:      b.in.Target.Target,
		Environment: b.in.Target.Environment,
		CreatedAt:   b.in.Now.UTC(),
		Steps:       make([]Step, 0, len(order)),
	}
	after := nearestActing(order, b.g.Parents, func(n string) bool { return b.dec[n].action.Acts() })
	for _, n := range order {
		t := b.g.Table(n)
		d := b.dec[n]
		s := Step{
			Table: n, Product: t.Product, Type: t.Type,
			Action: d.action, Reason: d.reason,
			Statements: []StatementRef{}, After: []string{},
			Stateful: t.Stateful, Warnings: d.warnings,
		}
		if d.action.Acts() {
			s.After = after[n]
			if err := b.fillStatements(&s, t); err != nil {
				return nil, err
			}
		}
		p.Steps = append(p.Steps, s)
	}
	b.warnDroppedReaders(p)
	p.Summary = summarize(p.Steps)
	p.Warnings = append(b.warnings, b.deletedWarnings()...)
	fp, err := fingerprint(ctx, b.g, p, b.in.State, b.files)
	if err != nil {
		return nil, err
	}
	p.Fingerprint = fp
	return p, nil
}

func (b *builder) fillStatements(s *Step, t *pipeline.Table) error {
	name := func(k deployers.StatementKind) (string, error) { return b.in.Naming.Name(t, k) }
	if s.Action == ActionRecreate {
		drop, err := name(deployers.KindDrop)
		if err != nil {
			return err
		}
		s.Drop = drop
	}
	if (s.Action == ActionCreate || s.Action == ActionRecreate) && t.DDLPath != "" {
		ddl, err := name(deployers.KindDDL)
		if err != nil {
			return err
		}
		s.Statements = append(s.Statements, StatementRef{Kind: deployers.KindDDL, Name: ddl})
	}
	if t.DMLPath != "" {
		dml, err := name(deployers.KindDML)
		if err != nil {
			return err
		}
		s.Statements = append(s.Statements, StatementRef{Kind: deployers.KindDML, Name: dml})
	}
	st := b.state(t.Name)
	var repl []string
	if st.DML != nil && st.DML.Name != "" {
		repl = append(repl, st.DML.Name)
	}
	if s.Action == ActionRecreate {
		// A table is dropped only once nothing reads it: the DML of each
		// child that the plan redeploys goes first.
		for _, c := range b.g.Children(t.Name) {
			cd := b.dec[c]
			cs := b.state(c)
			if cd != nil && cd.action.Acts() && healthy(cs) && cs.DML.Name != "" {
				repl = append(repl, cs.DML.Name)
			}
		}
	}
	sort.Strings(repl)
	s.Replaces = slices.Compact(repl)
	return nil
}

// deletedWarnings names the tables the change set says were deleted: they
// are not in the graph, so no plan can undeploy them.
func (b *builder) deletedWarnings() []string {
	var out []string
	for n, ch := range b.in.Changes {
		if ch.Kind == "deleted" && !b.g.Has(n) {
			out = append(out, fmt.Sprintf("table %s was deleted from the pipelines since %s; if it still runs on the target, undeploy it before merging (or drop it by hand)", n, b.since()))
		}
	}
	sort.Strings(out)
	return out
}

// warnDroppedReaders warns about recreated tables read by running
// statements the plan does not redeploy: the drop would be refused or
// break them.
func (b *builder) warnDroppedReaders(p *Plan) {
	for i := range p.Steps {
		s := &p.Steps[i]
		if s.Action != ActionRecreate {
			continue
		}
		for _, c := range b.g.Children(s.Table) {
			cd := b.dec[c]
			if (cd == nil || !cd.action.Acts()) && healthy(b.state(c)) {
				s.Warnings = append(s.Warnings, fmt.Sprintf("%s reads this table and is not redeployed: stop it first or widen the selection", c))
			}
		}
	}
}

// nearestActing computes, for each table of order (a topological order
// along up), its nearest acting predecessors within order: a predecessor
// that acts, or the nearest acting predecessors of one that does not.
// Cost: O(V+E) set unions, each bounded by the number of acting steps.
func nearestActing(order []string, up func(string) []string, acts func(string) bool) map[string][]string {
	in := make(map[string]bool, len(order))
	for _, n := range order {
		in[n] = true
	}
	out := make(map[string][]string, len(order))
	for _, n := range order {
		var set []string
		for _, p := range up(n) {
			if !in[p] {
				continue
			}
			if acts(p) {
				set = append(set, p)
			} else {
				set = append(set, out[p]...)
			}
		}
		sort.Strings(set)
		out[n] = slices.Compact(set)
		if out[n] == nil {
			out[n] = []string{}
		}
	}
	return out
}

// byLevel reorders a topological order by level (1 + the highest level of
// a predecessor in the order), ties by name: still topological, and it
// groups tables that can run side by side. O(V+E + V log V).
func byLevel(order []string, up func(string) []string) []string {
	level := make(map[string]int, len(order))
	type leveled struct {
		name  string
		level int
	}
	out := make([]leveled, len(order))
	for i, n := range order {
		l := 0
		for _, p := range up(n) {
			if pl, ok := level[p]; ok && pl+1 > l {
				l = pl + 1
			}
		}
		level[n] = l
		out[i] = leveled{n, l}
	}
	// Sorting pairs, not names looked up in the map per comparison:
	// at 50,000 tables that was three million map reads.
	sort.Slice(out, func(i, j int) bool {
		if out[i].level != out[j].level {
			return out[i].level < out[j].level
		}
		return out[i].name < out[j].name
	})
	names := make([]string, len(out))
	for i, l := range out {
		names[i] = l.name
	}
	return names
}
