package plan

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shiftleft-dev/shiftleft/config"
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

// Inputs are everything a plan is computed from.
type Inputs struct {
	// Selected are the tables the selection matched, minus Excluded.
	Selected []string
	// NeverDeploy are the tables the exclusions match, selected or not: a
	// rule that would add one (an ancestor, a descendant) shows it as
	// excluded instead, and it never runs.
	NeverDeploy []string
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
	// missing file). Nil: every file reads as empty.
	SQL pipeline.SQLSource
	// Properties reads a table's statement properties files. A running
	// DML whose SQL is unchanged but whose reported properties differ from
	// its file's is restarted, and saved plans go stale when a file
	// changes. Nil: there are no properties files.
	Properties PropertiesReader
	Target     deployers.Info
	Now        time.Time
	// Externals are the external inputs the caller found, by name as the
	// SQL reads them (see ExternalRefs); a name missing here is an
	// undeclared external without a definition, whose presence is unknown.
	Externals map[string]ExternalInput
	// ExternalPolicy says whether the target creates missing externals.
	ExternalPolicy ExternalPolicy
	// Strict makes an undeclared external read by a planned table an
	// error (*ExternalsError).
	Strict bool
	// IncludeExternals (undeploy) drops the externals the dropped tables
	// read, once nothing running reads them.
	IncludeExternals bool
}

// PropertiesReader returns the statement properties of a table's DDL or DML
// (<kind>.<table>.properties beside the SQL file; nil when there is none).
type PropertiesReader func(t *pipeline.Table, kind deployers.StatementKind) (map[string]string, error)

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

// builder holds the per-table data of a plan in slices by graph index
// (name order), not maps by name: at 50,000 tables the map reads were most
// of a plan's time.
type builder struct {
	g        *dag.Graph
	in       Inputs
	dec      []*decision // nil: not in the plan (yet)
	st       []deployers.TableState
	excluded []bool
	products map[string]bool // products of the selected tables
	ancSel   []bool          // ancestors of the selected tables
	sql      [][2]string
	sqlRead  []bool
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
//   - excluded and external tables never act;
//   - a change whose kind the rules do not know is an error
//     (*UnknownChangeKindError), as is a selected or excluded table that is
//     not in the graph (*UnknownTableError).
//
// Cost: a few passes of O(V+E) (usually two or three until no decision
// changes) plus one topological sort O((V+E) log V) and the SQL reads of
// the planned tables.
func Build(ctx context.Context, g *dag.Graph, in Inputs) (*Plan, error) {
	b, err := newBuilder(g, in)
	if err != nil {
		return nil, err
	}
	if err := b.decideSelection(ctx); err != nil {
		return nil, err
	}
	if err := b.settle(ctx); err != nil {
		return nil, err
	}
	return b.finish(ctx)
}

// newBuilder checks the inputs (names in the graph, change kinds known)
// and lays them out by graph index: state and exclusions (excluded and
// never-deploy tables alike). Cost: O(V + S + C) for S
// state entries and C changes.
func newBuilder(g *dag.Graph, in Inputs) (*builder, error) {
	if err := checkNames(g, in); err != nil {
		return nil, err
	}
	if err := checkChanges(in.Changes); err != nil {
		return nil, err
	}
	n := g.Len()
	in.Naming = in.Naming.prepared()
	b := &builder{
		g: g, in: in,
		dec:      make([]*decision, n),
		st:       make([]deployers.TableState, n),
		excluded: make([]bool, n),
		products: map[string]bool{},
		sql:      make([][2]string, n),
		sqlRead:  make([]bool, n),
	}
	for name, st := range in.State {
		if i, ok := g.Index(name); ok {
			b.st[i] = st
		}
	}
	if b.in.SQL == nil {
		b.in.SQL = func(*pipeline.Table) (string, string, error) { return "", "", nil }
	}
	for _, i := range indexes(g, in.Excluded) {
		b.excluded[i] = true
	}
	for _, n := range in.NeverDeploy {
		if i, ok := g.Index(n); ok {
			b.excluded[i] = true
		}
	}
	return b, nil
}

// checkNames returns an *UnknownTableError naming (sorted, once each) the
// selected and excluded tables that are not in the graph.
func checkNames(g *dag.Graph, in Inputs) error {
	var unknown []string
	for _, n := range append(append([]string(nil), in.Selected...), in.Excluded...) {
		if !g.Has(n) {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return &UnknownTableError{Tables: slices.Compact(unknown)}
}

// decideSelection decides the selected tables (the first rule) and marks
// the excluded ones. It also records the selected tables' products and
// ancestors, which the later rules read. Cost: O(V+E) for the ancestors
// plus one decision per selected table.
func (b *builder) decideSelection(ctx context.Context) error {
	// Indexes are in name order: sorting them sorts the names.
	selected := indexes(b.g, b.in.Selected)
	slices.Sort(selected)
	selected = slices.Compact(selected)
	var roots []int
	for _, i := range selected {
		if b.excluded[i] {
			continue
		}
		b.products[b.g.TableAt(i).Product] = true
		roots = append(roots, i)
	}
	b.ancSel = b.g.AncestorsAt(roots)
	for _, i := range selected {
		if err := ctx.Err(); err != nil {
			return err
		}
		d, err := b.decideSelected(i)
		if err != nil {
			return err
		}
		b.dec[i] = d
	}
	for _, i := range indexes(b.g, b.in.Excluded) {
		b.dec[i] = &decision{action: ActionExcluded, reason: "excluded by the selection", selected: true}
	}
	return nil
}

// settle applies the ancestor and descendant rules until no decision
// changes: a started ancestor can make a descendant act, whose ancestors
// then need deciding. Cost: O(V+E) per pass, usually two or three passes.
func (b *builder) settle(ctx context.Context) error {
	topo := b.g.TopoOrderAt(nil)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		changed, err := b.addAncestors()
		if err != nil {
			return err
		}
		more, err := b.propagate(topo)
		if err != nil {
			return err
		}
		if !changed && !more {
			return nil
		}
	}
}

// indexes are the graph indexes of names (all known: Build checked).
func indexes(g *dag.Graph, names []string) []int {
	out := make([]int, 0, len(names))
	for _, n := range names {
		if i, ok := g.Index(n); ok {
			out = append(out, i)
		}
	}
	return out
}

// addAncestors decides every undecided ancestor of the planned tables.
func (b *builder) addAncestors() (bool, error) {
	var roots []int
	for i, d := range b.dec {
		if d != nil && d.action != ActionExcluded && !b.g.TableAt(i).IsExternal {
			roots = append(roots, i)
		}
	}
	added := false
	for i, anc := range b.g.AncestorsAt(roots) {
		if !anc || b.dec[i] != nil {
			continue
		}
		d, err := b.decideAncestor(i)
		if err != nil {
			return false, err
		}
		b.dec[i] = d
		added = true
	}
	return added, nil
}

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
func (b *builder) never(i int, d *decision) bool {
	t := b.g.TableAt(i)
	switch {
	case t.IsExternal:
		d.action, d.reason = ActionNone, "external table: never deployed"
	case b.excluded[i]:
		d.action, d.reason = ActionExcluded, "excluded by the selection"
	case !t.Deployable():
		d.action, d.reason = ActionNone, "no SQL file to deploy"
	default:
		return false
	}
	return true
}

func (b *builder) decideSelected(i int) (*decision, error) {
	d := &decision{selected: true}
	opts := b.in.Options
	if b.never(i, d) {
		return d, nil
	}
	t, st := b.g.TableAt(i), b.st[i]
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
	why, err := b.ddlChanged(i, st)
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
	why, err = b.dmlChanged(i, st)
	if err == nil && why == "" {
		why, err = b.propertiesChanged(t, st)
	}
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

func (b *builder) decideAncestor(i int) (*decision, error) {
	d := &decision{}
	if b.never(i, d) {
		return d, nil
	}
	t, st := b.g.TableAt(i), b.st[i]
	if !st.Exists {
		d.action, d.reason = ActionCreate, "ancestor missing"
		return d, nil
	}
	if b.ancSel[i] && b.in.Options.ForceAncestors {
		d.action, d.reason, d.forces = ActionRecreate, "--force-ancestors", true
		return d, nil
	}
	if hasDML(t) && !healthy(st) {
		d.action, d.reason = ActionStart, "ancestor not running ("+notRunning(st)+")"
		return d, nil
	}
	d.action, d.reason = ActionNone, "running"
	if hasDML(t) {
		why, err := b.dmlChanged(i, st)
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
// descendants of acting steps by DescendantRule (the rule package impact
// applies too). It reports whether any decision was added or upgraded.
// O(V+E).
func (b *builder) propagate(topo []int) (bool, error) {
	changed := false
	opts := b.in.Options
	for _, n := range topo {
		t := b.g.TableAt(n)
		cur := b.dec[n]
		if t.IsExternal || !t.Deployable() || (cur != nil && (cur.action == ActionExcluded || cur.action == ActionCreate)) {
			continue
		}
		// forcedBy is the first parent whose change reaches every
		// descendant; actingBy the first parent that acts at all.
		forcedBy, actingBy := -1, -1
		for _, p := range b.g.ParentsAt(n) {
			pd := b.dec[p]
			if pd == nil || !pd.action.Acts() {
				continue
			}
			if pd.forces && forcedBy < 0 {
				forcedBy = p
			}
			if actingBy < 0 {
				actingBy = p
			}
		}
		if actingBy < 0 {
			continue
		}
		cause := forcedBy
		if cause < 0 && opts.MayStartDescendants {
			cause = actingBy
		}
		reach := ReachActing
		if forcedBy >= 0 {
			reach = ReachForced
		}
		st := b.st[n]
		inScope := (cur != nil && cur.selected) || b.productOK(t)
		next := DescendantRule(reach, Descendant{
			Stateful: t.Stateful, HasDML: hasDML(t), Exists: st.Exists, Running: healthy(st),
			Excluded: b.excluded[n], InScope: inScope,
		}, opts.MayStartDescendants)
		if !inScope && !b.excluded[n] && cause >= 0 {
			b.warnProduct(cause, t)
		}
		var reason string
		switch {
		case next.Action == ActionNone:
			continue
		case next.Action == ActionExcluded:
			// --exclude wins over the rules: shown, never run.
			if cur == nil {
				b.dec[n] = &decision{action: ActionExcluded,
					reason: "excluded by the selection, although upstream " + b.g.NameAt(cause) + " " + pastTense(b.dec[cause].action) + ": deploy it later"}
				changed = true
			}
			continue
		case cause < 0:
			reason = notRunning(st) + "; input " + b.g.NameAt(actingBy) + " " + pastTense(b.dec[actingBy].action)
		default:
			reason = "upstream " + b.g.NameAt(cause) + " " + pastTense(b.dec[cause].action)
			if forcedBy < 0 {
				reason += " (--may-start-descendants)"
			}
			switch next.Action {
			case ActionCreate:
				reason += "; table missing"
			case ActionRecreate:
				reason += "; stateful: state rebuilt"
			case ActionStart:
				reason += "; " + notRunning(st)
			}
		}
		if cur == nil {
			b.dec[n] = &decision{action: next.Action, reason: reason, forces: next.Forces}
			changed = true
			continue
		}
		if merged, ok := (Outcome{Action: cur.action, Forces: cur.forces}).Merge(next); ok {
			if merged.Action != cur.action {
				cur.action, cur.reason = merged.Action, reason
			}
			cur.forces = merged.Forces
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
	return b.in.Options.InScope(t.Product, b.products)
}

func (b *builder) warnProduct(parent int, t *pipeline.Table) {
	pd := b.dec[parent]
	w := fmt.Sprintf("descendant %s (product %s) is not redeployed: add --cross-product-deployment or list the product in app.accepted_common_products", t.Name, t.Product)
	if !slices.Contains(pd.warnings, w) {
		pd.warnings = append(pd.warnings, w)
	}
}

func (b *builder) files(i int) (string, string, error) {
	if b.sqlRead[i] {
		return b.sql[i][0], b.sql[i][1], nil
	}
	t := b.g.TableAt(i)
	ddl, dml, err := b.in.SQL(t)
	if err != nil {
		return "", "", fmt.Errorf("table %s: %w", t.Name, err)
	}
	b.sql[i], b.sqlRead[i] = [2]string{ddl, dml}, true
	return ddl, dml, nil
}

// sameSQL compares SQL texts as normalized; identical texts (the usual
// case: the target runs what we submitted) skip the normalization.
func sameSQL(a, b string) bool {
	return a == b || Normalize(a) == Normalize(b)
}

// ddlChanged returns why the table's DDL counts as changed, or "".
func (b *builder) ddlChanged(i int, st deployers.TableState) (string, error) {
	t := b.g.TableAt(i)
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
		ddl, _, err := b.files(i)
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
func (b *builder) dmlChanged(i int, st deployers.TableState) (string, error) {
	t := b.g.TableAt(i)
	if st.DML != nil && st.DML.SQL != "" {
		_, dml, err := b.files(i)
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

// propertiesChanged returns why the running DML's properties count as
// changed, or "": a key of the table's properties file whose value the
// running statement reports differently. Keys the target does not report
// (a service may drop client-side keys) and masked secrets are not
// compared, so a difference never comes from what cannot be seen.
func (b *builder) propertiesChanged(t *pipeline.Table, st deployers.TableState) (string, error) {
	if b.in.Properties == nil || st.DML == nil || len(st.DML.Properties) == 0 {
		return "", nil
	}
	want, err := b.in.Properties(t, deployers.KindDML)
	if err != nil {
		return "", fmt.Errorf("table %s: %w", t.Name, err)
	}
	var diffs []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		running, ok := st.DML.Properties[k]
		if !ok || running == config.Mask || running == want[k] {
			continue
		}
		diffs = append(diffs, fmt.Sprintf("%s %s → %s", k, running, want[k]))
	}
	if len(diffs) == 0 {
		return "", nil
	}
	return "dml properties changed (" + strings.Join(diffs, ", ") + ")", nil
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
	members := make([]bool, len(b.dec))
	for i, d := range b.dec {
		members[i] = d != nil
	}
	order := byLevel(b.g.TopoOrderAt(members), b.g.ParentsAt, len(b.dec))
	p := &Plan{
		Version:     FormatVersion,
		Kind:        KindDeploy,
		Target:      b.in.Target.Target,
		Environment: b.in.Target.Environment,
		CreatedAt:   b.in.Now.UTC(),
		Steps:       make([]Step, 0, len(order)),
	}
	after := nearestActing(order, b.g.ParentsAt, func(i int) bool { return b.dec[i].action.Acts() }, len(b.dec))
	var selectedExternals []string
	kept := order[:0:0]
	for _, i := range order {
		t := b.g.TableAt(i)
		if t.IsExternal {
			// Not a table of the project: listed in Plan.Externals.
			if b.dec[i].selected {
				selectedExternals = append(selectedExternals, t.Name)
			}
			continue
		}
		kept = append(kept, i)
	}
	order = kept
	for _, i := range order {
		t := b.g.TableAt(i)
		d := b.dec[i]
		s := Step{
			Table: t.Name, Product: t.Product, Type: t.Type,
			Action: d.action, Reason: d.reason,
			Statements: []StatementRef{}, After: []string{},
			Stateful: t.Stateful, Warnings: d.warnings,
		}
		if d.action.Acts() {
			s.After = b.namesAt(after[i])
			if err := b.fillStatements(&s, i); err != nil {
				return nil, err
			}
		}
		p.Steps = append(p.Steps, s)
	}
	b.warnDroppedReaders(p, order)
	p.Summary = summarize(p.Steps)
	ext, extWarnings, err := externalsOf(b.g, b.in, p.Steps, selectedExternals, false)
	if err != nil {
		return nil, err
	}
	p.Externals = ext
	p.Warnings = append(append(b.warnings, b.deletedWarnings()...), extWarnings...)
	fp, err := fingerprint(ctx, b.g, p, b.in.State, func(t *pipeline.Table) (string, string, error) {
		if i, ok := b.g.Index(t.Name); ok {
			return b.files(i)
		}
		return b.in.SQL(t)
	}, b.in.Properties)
	if err != nil {
		return nil, err
	}
	p.Fingerprint = fp
	return p, nil
}

// namesAt are the names of the tables at indexes, never nil.
func (b *builder) namesAt(indexes []int) []string {
	out := make([]string, len(indexes))
	for k, i := range indexes {
		out[k] = b.g.NameAt(i)
	}
	return out
}

func (b *builder) fillStatements(s *Step, i int) error {
	t := b.g.TableAt(i)
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
		// A table this run creates is dropped again when its DML fails to
		// start: a failed first deploy leaves nothing half made. A
		// recreated table is not: it existed before the run.
		if s.Action == ActionCreate && t.DMLPath != "" {
			s.DropOnFailure = true
			drop, err := name(deployers.KindDrop)
			if err != nil {
				return err
			}
			s.Drop = drop
		}
	}
	if t.DMLPath != "" {
		dml, err := name(deployers.KindDML)
		if err != nil {
			return err
		}
		s.Statements = append(s.Statements, StatementRef{Kind: deployers.KindDML, Name: dml})
	}
	st := b.st[i]
	var repl []string
	if st.DML != nil && st.DML.Name != "" {
		repl = append(repl, st.DML.Name)
	}
	if s.Action == ActionRecreate {
		// A table is dropped only once nothing reads it: the DML of each
		// child that the plan redeploys goes first.
		for _, c := range b.g.ChildrenAt(i) {
			cd := b.dec[c]
			cs := b.st[c]
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
		if ch.Kind == ChangeDeleted && !b.g.Has(n) {
			out = append(out, fmt.Sprintf("table %s was deleted from the pipelines since %s; if it still runs on the target, undeploy it: shiftleft pipeline undeploy --since %s --select state:deleted", n, b.since(), b.since()))
		}
	}
	sort.Strings(out)
	return out
}

// warnDroppedReaders warns about recreated tables read by running
// statements the plan does not redeploy: the drop would be refused or
// break them. order holds the table index of each step.
func (b *builder) warnDroppedReaders(p *Plan, order []int) {
	for k := range p.Steps {
		s := &p.Steps[k]
		if s.Action != ActionRecreate {
			continue
		}
		for _, c := range b.g.ChildrenAt(order[k]) {
			cd := b.dec[c]
			if (cd == nil || !cd.action.Acts()) && healthy(b.st[c]) {
				s.Warnings = append(s.Warnings, fmt.Sprintf("%s reads this table and is not redeployed: stop it first or widen the selection", b.g.NameAt(c)))
			}
		}
	}
}

// nearestActing computes, for each table of order (a topological order
// along up, of graph indexes below n), its nearest acting predecessors
// within order: a predecessor that acts, or the nearest acting
// predecessors of one that does not. Lists are ascending (name order).
// Cost: O(V+E) set unions, each bounded by the number of acting steps.
func nearestActing(order []int, up func(int) []int, acts func(int) bool, n int) [][]int {
	in := make([]bool, n)
	for _, i := range order {
		in[i] = true
	}
	out := make([][]int, n)
	for _, i := range order {
		var set []int
		for _, p := range up(i) {
			if !in[p] {
				continue
			}
			if acts(p) {
				set = append(set, p)
			} else {
				set = append(set, out[p]...)
			}
		}
		slices.Sort(set)
		out[i] = slices.Compact(set)
	}
	return out
}

// byLevel reorders a topological order (of graph indexes below n) by level
// (1 + the highest level of a predecessor in the order), ties by name
// (index): still topological, and it groups tables that can run side by
// side. O(V+E + V log V).
func byLevel(order []int, up func(int) []int, n int) []int {
	level := make([]int32, n)
	for i := range level {
		level[i] = -1
	}
	for _, i := range order {
		l := int32(0)
		for _, p := range up(i) {
			if pl := level[p]; pl >= 0 && pl+1 > l {
				l = pl + 1
			}
		}
		level[i] = l
	}
	out := slices.Clone(order)
	slices.SortFunc(out, func(a, b int) int {
		if level[a] != level[b] {
			return int(level[a] - level[b])
		}
		return a - b
	})
	return out
}
