// Package impact answers "what does this change touch?": given the changed
// tables (from a git change set or a selection) it lists every descendant
// with its distance, the changed tables it is reached from, whether the
// path crosses data products, and what a deploy of the change does to it,
// by the plan's own rules (actions.go). The report is a plain value;
// render.go draws it as a table, JSON, Markdown (for pull-request
// comments), Mermaid or DOT.
package impact

import (
	"math/bits"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// Change kinds beyond those of package changes.
const (
	// ChangeSelected marks tables named by a selection rather than a diff:
	// what changed is unknown, so the table counts as redeployed from
	// scratch, as `deploy --force` does.
	ChangeSelected = "selected"
)

// Actions a deploy takes on a table: the plan's (package plan), and broken.
const (
	// ActionCreate: the table is missing; it is created and its DML
	// started.
	ActionCreate = string(plan.ActionCreate)
	// ActionRecreate: the table is dropped and created again and its DML
	// rerun: its topic was dropped upstream, or it is stateful and its
	// state came from the old data.
	ActionRecreate = string(plan.ActionRecreate)
	// ActionRestart: the table's DML is stopped and started on the new
	// upstream version.
	ActionRestart = string(plan.ActionRestart)
	// ActionStart: the table's DML is not running; it is started.
	ActionStart = string(plan.ActionStart)
	// ActionNone: the deploy leaves the table as it is; it reads the new
	// data as it comes (or its product is out of the deploy's scope).
	ActionNone = string(plan.ActionNone)
	// ActionExcluded: --exclude matched the table; the deploy would
	// redeploy it but never runs it.
	ActionExcluded = string(plan.ActionExcluded)
	// ActionBroken: the table still reads a table that was deleted (or
	// renamed away); its SQL must be fixed before any deploy.
	ActionBroken = "broken"
)

// Changed is one changed table given to Analyze.
type Changed struct {
	Table string
	// Change is a changes.Kind value (ddl, dml, added, deleted, renamed) or
	// ChangeSelected.
	Change string
	// Schema classifies a ddl change; nil for a ddl change means it could
	// not be classified, which counts as breaking.
	Schema *changes.SchemaChange
	// FormattingOnly marks a change of comments or layout only
	// (changes.TableChange.FormattingOnly): listed, but impacts no one.
	FormattingOnly bool
	// OldName is the previous name of a renamed table: tables still
	// reading it lose an input.
	OldName string
}

// FromChangeSet turns a change set's tables into Changed entries, leaving
// out tables whose folders only had changes of kind other.
func FromChangeSet(cs *changes.ChangeSet) []Changed {
	if cs == nil {
		return nil
	}
	out := make([]Changed, 0, len(cs.Tables))
	for _, tc := range cs.Tables {
		if tc.Kind == changes.KindOther {
			continue
		}
		c := Changed{Table: tc.Table, Change: string(tc.Kind), Schema: tc.Schema, OldName: tc.OldName, FormattingOnly: tc.FormattingOnly}
		if tc.Kind == changes.KindRenamed && tc.Content != "" {
			// A moved folder whose SQL also changed propagates like that
			// SQL change.
			c.Change = string(tc.Content)
		}
		out = append(out, c)
	}
	return out
}

// FromSelection marks each selected table as ChangeSelected.
func FromSelection(tables []string) []Changed {
	out := make([]Changed, len(tables))
	for i, t := range tables {
		out[i] = Changed{Table: t, Change: ChangeSelected}
	}
	return out
}

// Report is the result of Analyze. Changed is sorted by table; Impacted by
// depth, then table, so the closest tables come first.
type Report struct {
	Changed  []ChangedTable  `json:"changed"`
	Impacted []ImpactedTable `json:"impacted"`
	// Edges are the parent → child edges among the changed and impacted
	// tables (and from deleted tables to their former readers), sorted;
	// the diagrams draw them.
	Edges [][2]string `json:"-"`
	// Contracts are the changed output ports of data products (see
	// contracts.go), set by the caller that knows the manifests.
	Contracts []Contract `json:"contracts,omitempty"`
}

// ChangedTable is one changed table of the report.
type ChangedTable struct {
	Table  string                `json:"table"`
	Change string                `json:"change"`
	Schema *changes.SchemaChange `json:"schema,omitempty"`
	// FormattingOnly: comments or layout only; nothing downstream is
	// impacted by it.
	FormattingOnly bool `json:"formatting_only,omitempty"`
	// Action is what the deploy does to the table itself ("" for a table
	// that is not in the project any more).
	Action string `json:"action,omitempty"`
}

// ImpactedTable is a table downstream of a change.
type ImpactedTable struct {
	Table string `json:"table"`
	// Depth is the shortest number of edges from any changed table.
	Depth int `json:"depth"`
	// From are the changed tables it is reached from, sorted.
	From     []string `json:"from"`
	Stateful bool     `json:"stateful"`
	Product  string   `json:"product"`
	// CrossProduct is true when the table's product differs from the
	// product of at least one of its From tables (both non-empty): the
	// change crosses a data product's boundary, so another team is
	// affected.
	CrossProduct bool `json:"cross_product"`
	// Action is what the deploy does to the table (ActionCreate …
	// ActionExcluded), or ActionBroken.
	Action string `json:"action"`
}

// Summary counts for headers and CI gates; the action counts are of the
// impacted tables.
type Summary struct {
	Changed, Impacted, CrossProduct, Stateful        int
	Create, Recreate, Restart, Start, None, Excluded int
	Broken                                           int
}

// Summary counts the report.
func (r Report) Summary() Summary {
	s := Summary{Changed: len(r.Changed), Impacted: len(r.Impacted)}
	for _, t := range r.Impacted {
		if t.CrossProduct {
			s.CrossProduct++
		}
		switch t.Action {
		case ActionCreate:
			s.Create++
		case ActionRecreate:
			s.Recreate++
		case ActionRestart:
			s.Restart++
		case ActionStart:
			s.Start++
		case ActionNone:
			s.None++
		case ActionExcluded:
			s.Excluded++
		case ActionBroken:
			s.Broken++
		}
		if t.Stateful {
			s.Stateful++
		}
	}
	return s
}

// Options tune Analyze.
type Options struct {
	// MaxDepth limits the impacted tables to this many edges from a change
	// (0 = no limit). The actions are those of the whole change either way.
	MaxDepth int
	// Deploy are the flags of the deploy the actions describe; the zero
	// value is a deploy's defaults (set CommonProducts from the config).
	// ForceAncestors is not modeled: impact looks downstream only.
	Deploy plan.Options
	// Deployed says whether a table exists on the target and whether its
	// DML runs. Nil: the target runs the previous version of every table,
	// so only the tables the change adds (added, or renamed to a new name)
	// are missing.
	Deployed func(table string) (exists, running bool)
	// NeverDeploy are the tables --exclude matches: a deploy shows them as
	// excluded when a rule would redeploy them, and never runs them.
	NeverDeploy []string
}

// Analyze computes the impact of the changed tables on the graph. Changed
// tables are not listed as impacted, even when downstream of another
// change; a folder that only moved (renamed, same table name, same SQL)
// impacts nothing; tables deleted (or renamed away) are not in the graph,
// so the tables whose SQL still reads them (found in their External
// references) are impacted at depth 1 with the action broken, and their
// descendants below them. Every action is the deploy's, by the plan's
// rules (actions.go), decided over the whole change even when MaxDepth
// shortens the listing.
//
// Each changed table k is bit k of a bitset; a table's bits say which
// changes reach it, so one pass in dependency order finds every table's
// From without a search per change.
//
// Cost: one multi-source BFS for the depths (O(V+E)), a topological pass
// over the reached tables (O((V+E) log V)) that ORs k-bit sets of changed
// tables along the edges (O(E·k/64)), one or two passes of the plan's
// rules over them (O(V+E) each), and one pass over the External
// references (O(V·refs)) when something was deleted or renamed.
func Analyze(g *dag.Graph, changed []Changed, opts Options) Report {
	a := newAnalysis(g, normalize(changed))
	d := a.newDeploy(opts)
	a.decideOwn(d)
	a.findBroken()
	depth := bfs(g, a.isChanged, a.depth1, 0)
	order, from := a.propagate(depth)
	act := a.actions(order, d)
	listed := a.listed(depth, opts.MaxDepth)
	return Report{
		Changed:  a.changedTables(act),
		Impacted: a.impacted(listed, from, act),
		Edges:    a.edges(order, listed),
	}
}

// analysis is Analyze's working state: the change bits each table starts
// with, before propagation.
type analysis struct {
	g       *dag.Graph
	changed []Changed // normalized: bit k is changed[k]
	words   int       // uint64 words per bitset
	// bitsOf are the bits a table carries itself: its own change, or the
	// gone tables it still reads.
	bitsOf map[string][]uint64
	// isChanged are the graph tables whose change propagates (or that
	// the deploy acts on).
	isChanged map[string]bool
	// inGraph are the changed tables of the graph, propagating or not
	// (a deploy selects them all), with their index in changed.
	inGraph map[string]int
	// own is the deploy's outcome of each changed table of the graph by
	// itself.
	own map[string]plan.Outcome
	// gone maps a deleted or renamed-away name to its bit.
	gone map[string]int
	// brokenBy are, for each reader of a gone table, the gone tables' bits;
	// depth1 lists those readers in discovery order.
	brokenBy map[string][]uint64
	depth1   []string
}

// newAnalysis gives each changed table its bit: a table of the graph whose
// change propagates carries it, and a name that left the graph (deleted,
// or the old name of a rename) is recorded as gone.
func newAnalysis(g *dag.Graph, changed []Changed) *analysis {
	a := &analysis{
		g: g, changed: changed, words: (len(changed) + 63) / 64,
		bitsOf: map[string][]uint64{}, isChanged: map[string]bool{}, inGraph: map[string]int{},
		gone: map[string]int{}, brokenBy: map[string][]uint64{},
	}
	for k, c := range changed {
		if g.Has(c.Table) {
			a.inGraph[c.Table] = k
		}
		if g.Has(c.Table) && propagates(c) {
			a.isChanged[c.Table] = true
			a.addBit(c.Table, k)
		}
		if c.Change == string(changes.KindDeleted) && !g.Has(c.Table) {
			a.gone[c.Table] = k
		}
		if c.OldName != "" && c.OldName != c.Table && !g.Has(c.OldName) {
			a.gone[c.OldName] = k
		}
	}
	return a
}

// addBit sets bit k in the bits table carries itself.
func (a *analysis) addBit(table string, k int) {
	b := a.bitsOf[table]
	if b == nil {
		b = make([]uint64, a.words)
		a.bitsOf[table] = b
	}
	b[k/64] |= 1 << (k % 64)
}

// findBroken finds the tables whose SQL still reads a gone table (by the
// last part of an External reference): they start at depth 1 with the gone
// table's bit. Cost: O(V·refs), only when something is gone.
func (a *analysis) findBroken() {
	if len(a.gone) == 0 {
		return
	}
	for _, n := range a.g.Names() {
		for _, ref := range a.g.Table(n).External {
			k, ok := a.gone[lastPart(ref)]
			if !ok {
				continue
			}
			if a.brokenBy[n] == nil {
				a.brokenBy[n] = make([]uint64, a.words)
				a.depth1 = append(a.depth1, n)
			}
			a.brokenBy[n][k/64] |= 1 << (k % 64)
			a.addBit(n, k)
		}
	}
}

// propagate ORs the change bits along the edges, in dependency order over
// the reached and changed tables, so from[n] holds every change that
// reaches n. Cost: O((V+E) log V) for the order, O(E·k/64) for the bits.
func (a *analysis) propagate(depth map[string]int) (order []string, from map[string][]uint64) {
	subset := make(map[string]bool, len(depth)+len(a.isChanged))
	for n := range depth {
		subset[n] = true
	}
	for n := range a.isChanged {
		subset[n] = true
	}
	order = a.g.TopoOrder(subset)
	from = make(map[string][]uint64, len(subset))
	for _, n := range order {
		b := make([]uint64, a.words)
		copy(b, a.bitsOf[n])
		for _, p := range a.g.Parents(n) {
			if pb, ok := from[p]; ok {
				for w := range b {
					b[w] |= pb[w]
				}
			}
		}
		from[n] = b
	}
	return order, from
}

// listed are the reached tables the report lists: not changed themselves,
// at most maxDepth edges from a change (0: all), with their depth.
func (a *analysis) listed(depth map[string]int, maxDepth int) map[string]int {
	out := make(map[string]int, len(depth))
	for n, d := range depth {
		if _, changed := a.inGraph[n]; changed || (maxDepth > 0 && d > maxDepth) {
			continue
		}
		out[n] = d
	}
	return out
}

// changedTables are the report's changed tables (already sorted by
// normalize), with the deploy's action on each table of the graph.
func (a *analysis) changedTables(act map[string]plan.Outcome) []ChangedTable {
	out := make([]ChangedTable, 0, len(a.changed))
	for _, c := range a.changed {
		ct := ChangedTable{Table: c.Table, Change: c.Change, Schema: c.Schema, FormattingOnly: c.FormattingOnly}
		if a.g.Has(c.Table) {
			ct.Action = string(act[c.Table].Action)
		}
		out = append(out, ct)
	}
	return out
}

// impacted lists the listed tables with the changes each is reached from
// and the deploy's action on it (broken when it reads a gone table).
// Sorted by depth, then table.
func (a *analysis) impacted(listed map[string]int, from map[string][]uint64, act map[string]plan.Outcome) []ImpactedTable {
	out := []ImpactedTable{}
	for n, d := range listed {
		t := a.g.Table(n)
		it := ImpactedTable{Table: n, Depth: d, Stateful: t.Stateful, Product: t.Product, Action: string(act[n].Action)}
		for _, k := range members(from[n]) {
			c := a.changed[k]
			it.From = append(it.From, c.Table)
			if ft := a.g.Table(c.Table); ft != nil && ft.Product != "" && t.Product != "" && ft.Product != t.Product {
				it.CrossProduct = true
			}
		}
		if a.brokenBy[n] != nil {
			it.Action = ActionBroken
		}
		sort.Strings(it.From)
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Depth != out[j].Depth {
			return out[i].Depth < out[j].Depth
		}
		return out[i].Table < out[j].Table
	})
	return out
}

// edges are the diagrams' edges, sorted: parent → child among the
// propagating changes and the listed tables, and from each gone table (its
// deleted name, or the old name of a rename) to its listed readers.
func (a *analysis) edges(order []string, listed map[string]int) [][2]string {
	inOrder := make(map[string]bool, len(order))
	for _, n := range order {
		inOrder[n] = true
	}
	drawn := func(n string) bool {
		_, ok := listed[n]
		_, changed := a.inGraph[n]
		return ok || (changed && inOrder[n])
	}
	var out [][2]string
	for _, n := range order {
		if !drawn(n) {
			continue
		}
		for _, p := range a.g.Parents(n) {
			if drawn(p) {
				out = append(out, [2]string{p, n})
			}
		}
		for _, k := range members(a.brokenBy[n]) {
			name := a.changed[k].Table
			if a.changed[k].Change != string(changes.KindDeleted) {
				name = a.changed[k].OldName
			}
			out = append(out, [2]string{name, n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i][0] != out[j][0] {
			return out[i][0] < out[j][0]
		}
		return out[i][1] < out[j][1]
	})
	return out
}

// normalize sorts by table and merges duplicates (the strongest change
// wins: deleted > ddl > added > renamed > dml > selected).
func normalize(in []Changed) []Changed {
	rank := map[string]int{"deleted": 6, "ddl": 5, "added": 4, "renamed": 3, "dml": 2, ChangeSelected: 1}
	byTable := map[string]Changed{}
	for _, c := range in {
		if c.Table == "" {
			continue
		}
		prev, ok := byTable[c.Table]
		if !ok || rank[c.Change] > rank[prev.Change] {
			if ok && c.OldName == "" {
				c.OldName = prev.OldName
			}
			byTable[c.Table] = c
		}
	}
	out := make([]Changed, 0, len(byTable))
	for _, c := range byTable {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Table < out[j].Table })
	return out
}

// propagates is false for a table folder that only moved (same table name,
// same SQL) and for a formatting-only edit: nothing downstream changes.
func propagates(c Changed) bool {
	if c.FormattingOnly {
		return false
	}
	return c.Change != string(changes.KindRenamed) || (c.OldName != "" && c.OldName != c.Table)
}

// bfs returns the shortest distance of every table reached from the start
// tables (distance 0, left out of the result) and the depth1 tables
// (distance 1). The queue holds distances in non-decreasing order, so one
// multi-source pass suffices: O(V+E).
func bfs(g *dag.Graph, start map[string]bool, depth1 []string, maxDepth int) map[string]int {
	dist := make(map[string]int, len(start)+len(depth1))
	queue := make([]string, 0, len(start)+len(depth1))
	names := make([]string, 0, len(start))
	for n := range start {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		dist[n] = 0
		queue = append(queue, n)
	}
	sort.Strings(depth1)
	for _, n := range depth1 {
		if _, ok := dist[n]; !ok {
			dist[n] = 1
			queue = append(queue, n)
		}
	}
	for head := 0; head < len(queue); head++ {
		n := queue[head]
		d := dist[n]
		if maxDepth > 0 && d >= maxDepth {
			continue
		}
		for _, c := range g.Children(n) {
			if _, ok := dist[c]; ok {
				continue
			}
			dist[c] = d + 1
			queue = append(queue, c)
		}
	}
	for n := range start {
		delete(dist, n)
	}
	return dist
}

func members(b []uint64) []int {
	var out []int
	for w, word := range b {
		for word != 0 {
			i := bits.TrailingZeros64(word)
			out = append(out, w*64+i)
			word &^= 1 << i
		}
	}
	return out
}

// lastPart is the table part of a qualified reference (`cat`.`db`.`tbl`).
func lastPart(ref string) string {
	if i := strings.LastIndexByte(ref, '.'); i >= 0 {
		ref = ref[i+1:]
	}
	return strings.Trim(ref, "`")
}
