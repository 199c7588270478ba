// Package dag is the dependency graph of a scanned project: one node per
// table, one edge parent → child. It stores the graph in dominikbraun/graph
// and answers the questions commands ask (parents, children, ancestors,
// descendants, topological order, cycles) from adjacency lists built once.
//
// dominikbraun/graph v0.23.0's TopologicalSort is O(V²) and its
// AdjacencyMap rebuilds maps on every call, so neither is called per query:
// traversals run over our own sorted slices. The library's copy of the
// graph is built on first need, for the strongly connected components of a
// cycle report and for callers of Store: filling it costs more than the
// rest of Build (about 30 ms at 10,000 tables), and the common command on
// an acyclic project never reads it.
package dag

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/dominikbraun/graph"

	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// ErrCycle is matched (errors.Is) by a *CycleError.
var ErrCycle = errors.New("dependency cycle")

// CycleError names every cycle of the graph with the files involved.
type CycleError struct {
	// Cycles are closed paths, e.g. [int_a int_b int_c int_a], each
	// starting at its smallest name, sorted.
	Cycles [][]string
	// Files maps each table in a cycle to the file that makes it read its
	// parent (its DML, else its DDL), relative to the pipelines root.
	Files map[string]string
}

func (e *CycleError) Error() string {
	var b strings.Builder
	if len(e.Cycles) == 1 {
		b.WriteString("dependency cycle: ")
	} else {
		fmt.Fprintf(&b, "%d dependency cycles: ", len(e.Cycles))
	}
	for i, c := range e.Cycles {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(strings.Join(c, " → "))
		files := make([]string, 0, len(c)-1)
		for _, t := range c[:len(c)-1] {
			if f := e.Files[t]; f != "" {
				files = append(files, f)
			}
		}
		if len(files) > 0 {
			b.WriteString(" (" + strings.Join(files, ", ") + ")")
		}
	}
	b.WriteString("; remove one of the references to break each cycle")
	return b.String()
}

func (e *CycleError) Is(target error) bool { return target == ErrCycle }

// Graph is an immutable dependency graph. Build it once per command.
type Graph struct {
	storeOnce sync.Once
	store     graph.Graph[string, string]
	storeErr  error

	tables   map[string]*pipeline.Table
	byIndex  []*pipeline.Table
	names    []string
	index    map[string]int
	parents  [][]int // by index, sorted by name
	children [][]int // by index, sorted by name
}

// Build makes the graph of a project. Parents come from the scan (only
// tables of the project; other references stay in Table.External). It
// returns a *CycleError naming every cycle. Cost: O(V+E) and one sort of
// the names; the library's copy (and Tarjan's SCC in it) is only built
// when a cycle exists or Store is called.
func Build(p *pipeline.Project) (*Graph, error) {
	g := &Graph{
		tables: make(map[string]*pipeline.Table, len(p.Tables)),
		names:  make([]string, 0, len(p.Tables)),
		index:  make(map[string]int, len(p.Tables)),
	}
	for _, t := range p.Tables {
		if _, dup := g.tables[t.Name]; dup {
			return nil, fmt.Errorf("add table %s: defined twice", t.Name)
		}
		g.tables[t.Name] = t
		g.names = append(g.names, t.Name)
	}
	sort.Strings(g.names)
	g.byIndex = make([]*pipeline.Table, len(g.names))
	for i, n := range g.names {
		g.index[n] = i
		g.byIndex[i] = g.tables[n]
	}
	g.parents = make([][]int, len(g.names))
	g.children = make([][]int, len(g.names))
	for i, n := range g.names {
		var ps []int
		for _, parent := range g.tables[n].Parents {
			if j, ok := g.index[parent]; ok && j != i {
				ps = append(ps, j)
			}
		}
		sort.Ints(ps)
		ps = compactInts(ps)
		g.parents[i] = ps
		// The outer loop runs in child order, so each children list comes
		// out sorted.
		for _, j := range ps {
			g.children[j] = append(g.children[j], i)
		}
	}
	if order := g.kahn(nil); len(order) != len(g.names) {
		return nil, g.cycleError(order)
	}
	return g, nil
}

func compactInts(s []int) []int {
	if len(s) < 2 {
		return s
	}
	out := s[:1]
	for _, v := range s[1:] {
		if v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}

// Store gives read access to the graph in dominikbraun/graph (for exports
// and the library's algorithms), built on the first call; callers must not
// modify it.
func (g *Graph) Store() (graph.Graph[string, string], error) {
	g.storeOnce.Do(func() {
		store := graph.New(graph.StringHash, graph.Directed())
		for _, n := range g.names {
			if err := store.AddVertex(n); err != nil {
				g.storeErr = fmt.Errorf("add table %s: %w", n, err)
				return
			}
		}
		for i, ps := range g.parents {
			for _, j := range ps {
				if err := store.AddEdge(g.names[j], g.names[i]); err != nil {
					g.storeErr = fmt.Errorf("add edge %s → %s: %w", g.names[j], g.names[i], err)
					return
				}
			}
		}
		g.store = store
	})
	return g.store, g.storeErr
}

// Len is the number of tables.
func (g *Graph) Len() int { return len(g.names) }

// Names are all table names, sorted.
func (g *Graph) Names() []string { return append([]string(nil), g.names...) }

// Has reports whether the table is in the graph.
func (g *Graph) Has(name string) bool { _, ok := g.index[name]; return ok }

// Table returns the table's model, or nil.
func (g *Graph) Table(name string) *pipeline.Table { return g.tables[name] }

// Parents returns the table's direct parents, sorted.
func (g *Graph) Parents(name string) []string { return g.namesOf(g.parents, name) }

// Children returns the table's direct children, sorted.
func (g *Graph) Children(name string) []string { return g.namesOf(g.children, name) }

func (g *Graph) namesOf(adj [][]int, name string) []string {
	i, ok := g.index[name]
	if !ok {
		return nil
	}
	out := make([]string, len(adj[i]))
	for k, j := range adj[i] {
		out[k] = g.names[j]
	}
	return out
}

// Ancestors returns every table reachable upward from the given tables,
// with its shortest distance (1 = parent), limited to maxDepth edges (0 = no
// limit). The start tables themselves are never in the result. One
// multi-source BFS: O(V+E).
func (g *Graph) Ancestors(names []string, maxDepth int) map[string]int {
	return g.reach(g.parents, names, maxDepth)
}

// Descendants is Ancestors downward.
func (g *Graph) Descendants(names []string, maxDepth int) map[string]int {
	return g.reach(g.children, names, maxDepth)
}

func (g *Graph) reach(adj [][]int, names []string, maxDepth int) map[string]int {
	dist := make([]int32, len(g.names))
	for i := range dist {
		dist[i] = -1
	}
	queue := make([]int, 0, len(names))
	for _, n := range names {
		if i, ok := g.index[n]; ok && dist[i] != 0 {
			dist[i] = 0
			queue = append(queue, i)
		}
	}
	out := make(map[string]int)
	for head := 0; head < len(queue); head++ {
		i := queue[head]
		d := dist[i]
		if maxDepth > 0 && int(d) >= maxDepth {
			continue
		}
		for _, j := range adj[i] {
			if dist[j] >= 0 {
				continue
			}
			dist[j] = d + 1
			out[g.names[j]] = int(d + 1)
			queue = append(queue, j)
		}
	}
	return out
}

// Index is the table's position in Names (name order), for callers that
// keep per-table data in slices rather than maps keyed by name: at tens of
// thousands of tables the map reads are what a plan costs.
func (g *Graph) Index(name string) (int, bool) {
	i, ok := g.index[name]
	return i, ok
}

// NameAt is the name of the table at index i.
func (g *Graph) NameAt(i int) string { return g.names[i] }

// TableAt is the model of the table at index i.
func (g *Graph) TableAt(i int) *pipeline.Table { return g.byIndex[i] }

// ParentsAt are the indexes of the parents of table i, ascending (so in
// name order). The slice is the graph's: do not modify it.
func (g *Graph) ParentsAt(i int) []int { return g.parents[i] }

// ChildrenAt are the indexes of the children of table i, ascending. The
// slice is the graph's: do not modify it.
func (g *Graph) ChildrenAt(i int) []int { return g.children[i] }

// AncestorsAt marks every table reachable upward from the tables at
// starts; a start is marked only when another start reaches it. O(V+E).
func (g *Graph) AncestorsAt(starts []int) []bool {
	mark := make([]bool, len(g.names))
	queue := append([]int(nil), starts...)
	for head := 0; head < len(queue); head++ {
		for _, p := range g.parents[queue[head]] {
			if !mark[p] {
				mark[p] = true
				queue = append(queue, p)
			}
		}
	}
	return mark
}

// TopoOrderAt is TopoOrder on indexes: the tables where in[i] (all when
// in is nil).
func (g *Graph) TopoOrderAt(in []bool) []int { return g.kahn(in) }

// TopoOrder returns the given tables (all tables when subset is nil) in a
// dependency order: every table after all of its ancestors that are in the
// subset. Ties are broken by name, so the order is deterministic.
// Kahn's algorithm with a min-heap: O((V+E) log V).
func (g *Graph) TopoOrder(subset map[string]bool) []string {
	var in []bool
	if subset != nil {
		in = make([]bool, len(g.names))
		for n := range subset {
			if i, ok := g.index[n]; ok {
				in[i] = true
			}
		}
	}
	order := g.kahn(in)
	out := make([]string, len(order))
	for k, i := range order {
		out[k] = g.names[i]
	}
	return out
}

// kahn orders the nodes where in[i] (all when in is nil). Edges through
// nodes outside the subset are followed transitively only by distance one:
// a subset node waits for its subset parents. That is the plan's need, as
// plans always contain every node between two planned nodes they order.
func (g *Graph) kahn(in []bool) []int {
	member := func(i int) bool { return in == nil || in[i] }
	indeg := make([]int32, len(g.names))
	// The ready tables, a min-heap of indexes (name order). Filled in
	// increasing order, the slice is already a heap.
	var h minHeap
	for i := range g.names {
		if !member(i) {
			continue
		}
		for _, p := range g.parents[i] {
			if member(p) {
				indeg[i]++
			}
		}
		if indeg[i] == 0 {
			h = append(h, i)
		}
	}
	order := make([]int, 0, len(g.names))
	for len(h) > 0 {
		i := h.pop()
		order = append(order, i)
		for _, c := range g.children[i] {
			if !member(c) {
				continue
			}
			indeg[c]--
			if indeg[c] == 0 {
				h.push(c)
			}
		}
	}
	return order
}

// minHeap is a binary min-heap of ints without container/heap's boxing
// of every value in an interface (an allocation per push).
type minHeap []int

func (h *minHeap) push(x int) {
	*h = append(*h, x)
	a := *h
	for i := len(a) - 1; i > 0; {
		parent := (i - 1) / 2
		if a[parent] <= a[i] {
			break
		}
		a[parent], a[i] = a[i], a[parent]
		i = parent
	}
}

func (h *minHeap) pop() int {
	a := *h
	top := a[0]
	last := len(a) - 1
	a[0] = a[last]
	a = a[:last]
	for i := 0; ; {
		small := i
		if l := 2*i + 1; l < len(a) && a[l] < a[small] {
			small = l
		}
		if r := 2*i + 2; r < len(a) && a[r] < a[small] {
			small = r
		}
		if small == i {
			break
		}
		a[i], a[small] = a[small], a[i]
		i = small
	}
	*h = a
	return top
}

// cycleError reports every cycle: one closed path per strongly connected
// component with more than one table.
func (g *Graph) cycleError(ordered []int) error {
	done := make([]bool, len(g.names))
	for _, i := range ordered {
		done[i] = true
	}
	store, err := g.Store()
	if err != nil {
		return fmt.Errorf("find cycles: %w", err)
	}
	comps, err := graph.StronglyConnectedComponents(store)
	if err != nil {
		return fmt.Errorf("find cycles: %w", err)
	}
	ce := &CycleError{Files: map[string]string{}}
	for _, comp := range comps {
		if len(comp) < 2 {
			continue
		}
		member := make(map[int]bool, len(comp))
		for _, n := range comp {
			member[g.index[n]] = true
		}
		cycle := g.cycleIn(member)
		ce.Cycles = append(ce.Cycles, cycle)
		for _, n := range cycle {
			t := g.tables[n]
			if t.DMLPath != "" {
				ce.Files[n] = t.DMLPath
			} else {
				ce.Files[n] = t.DDLPath
			}
		}
	}
	sort.Slice(ce.Cycles, func(a, b int) bool { return ce.Cycles[a][0] < ce.Cycles[b][0] })
	return ce
}

// cycleIn finds one closed path inside a strongly connected component,
// starting at its smallest member and following the smallest child that
// leads back: a DFS bounded by the component's size.
func (g *Graph) cycleIn(member map[int]bool) []string {
	start := -1
	for i := range member {
		if start == -1 || i < start {
			start = i
		}
	}
	var path []int
	visited := map[int]bool{}
	var dfs func(i int) bool
	dfs = func(i int) bool {
		path = append(path, i)
		visited[i] = true
		for _, c := range g.children[i] {
			if !member[c] {
				continue
			}
			if c == start {
				return true
			}
			if !visited[c] && dfs(c) {
				return true
			}
		}
		path = path[:len(path)-1]
		return false
	}
	dfs(start)
	out := make([]string, 0, len(path)+1)
	for _, i := range path {
		out = append(out, g.names[i])
	}
	return append(out, g.names[start])
}
