// Package impact answers "what does this change touch?": given the changed
// tables (from a git change set or a selection) it lists every descendant
// with its distance, the changed tables it is reached from, whether the
// path crosses data products, and the action a deploy would need. The
// report is a plain value; render.go draws it as a table, JSON, Markdown
// (for pull-request comments), Mermaid or DOT.
package impact

import (
	"math/bits"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/dag"
)

// Change kinds beyond those of package changes.
const (
	// ChangeSelected marks tables named by a selection rather than a diff:
	// what changed is unknown, so no DDL change is assumed.
	ChangeSelected = "selected"
)

// Actions a deploy would take on an impacted table.
const (
	// ActionRestart: stop and start the table's statement on the new
	// upstream version (stateful ones rebuild their state from the inputs).
	ActionRestart = "restart"
	// ActionRecreate: drop and recreate the table and rerun its DML, because
	// an upstream DDL change is breaking (or could not be classified).
	ActionRecreate = "recreate"
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
	// Action is ActionRestart, ActionRecreate or ActionBroken.
	Action string `json:"action"`
}

// Summary counts for headers and CI gates.
type Summary struct {
	Changed, Impacted, CrossProduct, Recreate, Broken, Stateful int
}

// Summary counts the report.
func (r Report) Summary() Summary {
	s := Summary{Changed: len(r.Changed), Impacted: len(r.Impacted)}
	for _, t := range r.Impacted {
		if t.CrossProduct {
			s.CrossProduct++
		}
		switch t.Action {
		case ActionRecreate:
			s.Recreate++
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
	// (0 = no limit).
	MaxDepth int
}

// Analyze computes the impact of the changed tables on the graph. Changed
// tables are not listed as impacted, even when downstream of another
// change; a folder that only moved (renamed, same table name, same SQL)
// impacts nothing; tables deleted (or renamed away) are not in the graph,
// so the tables whose SQL still reads them (found in their External
// references) are impacted at depth 1 with the action broken, and their
// descendants below them.
//
// Each changed table k is bit k of a bitset; a table's bits say which
// changes reach it, so one pass in dependency order finds every table's
// From without a search per change.
//
// Cost: one multi-source BFS for the depths (O(V+E)), a topological pass
// over the reached tables (O((V+E) log V)) that ORs k-bit sets of changed
// tables along the edges (O(E·k/64)), and one pass over the External
// references (O(V·refs)) when something was deleted or renamed.
func Analyze(g *dag.Graph, changed []Changed, opts Options) Report {
	a := newAnalysis(g, normalize(changed))
	a.findBroken()
	depth := bfs(g, a.isChanged, a.depth1, opts.MaxDepth)
	order, subset, from := a.propagate(depth)
	return Report{
		Changed:  changedTables(a.changed),
		Impacted: a.impacted(depth, from),
		Edges:    a.edges(order, subset),
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
	// isChanged are the graph tables whose change propagates.
	isChanged map[string]bool
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
		bitsOf: map[string][]uint64{}, isChanged: map[string]bool{},
		gone: map[string]int{}, brokenBy: map[string][]uint64{},
	}
	for k, c := range changed {
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
// the reached and changed tables (subset), so from[n] holds every change
// that reaches n. Cost: O((V+E) log V) for the order, O(E·k/64) for the
// bits.
func (a *analysis) propagate(depth map[string]int) (order []string, subset map[string]bool, from map[string][]uint64) {
	subset = make(map[string]bool, len(depth)+len(a.isChanged))
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
	return order, subset, from
}

// changedTables are the report's changed tables (already sorted by
// normalize).
func changedTables(changed []Changed) []ChangedTable {
	out := make([]ChangedTable, 0, len(changed))
	for _, c := range changed {
		out = append(out, ChangedTable{Table: c.Table, Change: c.Change, Schema: c.Schema, FormattingOnly: c.FormattingOnly})
	}
	return out
}

// impacted lists every reached table that did not change itself, with the
// changes it is reached from and its action: restart, recreate when one of
// those is a breaking DDL change, broken when it reads a gone table.
// Sorted by depth, then table.
func (a *analysis) impacted(depth map[string]int, from map[string][]uint64) []ImpactedTable {
	out := []ImpactedTable{}
	for n, d := range depth {
		if a.isChanged[n] {
			continue
		}
		t := a.g.Table(n)
		it := ImpactedTable{Table: n, Depth: d, Stateful: t.Stateful, Product: t.Product, Action: ActionRestart}
		for _, k := range members(from[n]) {
			c := a.changed[k]
			it.From = append(it.From, c.Table)
			if ft := a.g.Table(c.Table); ft != nil && ft.Product != "" && t.Product != "" && ft.Product != t.Product {
				it.CrossProduct = true
			}
			if it.Action == ActionRestart && breaking(c) {
				it.Action = ActionRecreate
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

// edges are the diagrams' edges, sorted: parent → child among the tables
// of order, and from each gone table (its deleted name, or the old name of
// a rename) to its readers.
func (a *analysis) edges(order []string, subset map[string]bool) [][2]string {
	var out [][2]string
	for _, n := range order {
		for _, p := range a.g.Parents(n) {
			if subset[p] {
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

// breaking: a DDL change that is classified breaking or not classified
// at all (the safe side).
func breaking(c Changed) bool {
	if c.Change != string(changes.KindDDL) {
		return false
	}
	return c.Schema == nil || c.Schema.Category != changes.Compatible
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
