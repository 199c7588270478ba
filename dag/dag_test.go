package dag

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// project builds an in-memory project from "child: parent parent" lines.
func project(t *testing.T, spec ...string) *pipeline.Project {
	t.Helper()
	p := &pipeline.Project{ByName: map[string]*pipeline.Table{}}
	add := func(n string) *pipeline.Table {
		if tb, ok := p.ByName[n]; ok {
			return tb
		}
		tb := &pipeline.Table{Name: n, Type: pipeline.TypeIntermediate, DMLPath: "intermediates/" + n + "/sql-scripts/dml." + n + ".sql"}
		p.ByName[n] = tb
		p.Tables = append(p.Tables, tb)
		return tb
	}
	for _, line := range spec {
		child, parents, _ := strings.Cut(line, ":")
		c := add(strings.TrimSpace(child))
		for _, par := range strings.Fields(parents) {
			add(par)
			c.Parents = append(c.Parents, par)
		}
	}
	return p
}

// p2 is shift_left's acceptance graph: product p2 of its test project,
// src/shift_left/tests/data/flink-project/pipelines in
// https://github.com/jbcodeforce/shift_left_utils.
var p2 = []string{
	"src_x:", "src_y:", "src_a:", "src_b:",
	"x: src_x", "y: src_y", "a: src_a src_x", "b: src_b",
	"z: x y", "d: y z", "c: b z", "e: c", "f: d", "p: z",
}

func TestRelations(t *testing.T) {
	g, err := Build(project(t, p2...))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"parents of d", g.Parents("d"), []string{"y", "z"}},
		{"children of z", g.Children("z"), []string{"c", "d", "p"}},
		{"children of src_x", g.Children("src_x"), []string{"a", "x"}},
		{"parents of unknown", g.Parents("nope"), []string(nil)},
		{"ancestors of f", g.Ancestors([]string{"f"}, 0), map[string]int{"d": 1, "y": 2, "z": 2, "src_y": 3, "x": 3, "src_x": 4}},
		{"ancestors of f, depth 2", g.Ancestors([]string{"f"}, 2), map[string]int{"d": 1, "y": 2, "z": 2}},
		{"descendants of z", g.Descendants([]string{"z"}, 0), map[string]int{"c": 1, "d": 1, "p": 1, "e": 2, "f": 2}},
		{"descendants of y and z: shortest depth, starts excluded", g.Descendants([]string{"y", "z"}, 0), map[string]int{"c": 1, "d": 1, "p": 1, "e": 2, "f": 2}},
		{"descendants of a sink", g.Descendants([]string{"e"}, 0), map[string]int{}},
	}
	for _, tc := range tests {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestTopoOrder(t *testing.T) {
	g, err := Build(project(t, p2...))
	if err != nil {
		t.Fatal(err)
	}
	all := g.TopoOrder(nil)
	want := []string{"src_a", "src_b", "b", "src_x", "a", "src_y", "x", "y", "z", "c", "d", "e", "f", "p"}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("order:\n got %v\nwant %v", all, want)
	}
	assertTopological(t, g, all)

	sub := g.TopoOrder(map[string]bool{"f": true, "d": true, "z": true, "y": true, "unknown": true})
	if !reflect.DeepEqual(sub, []string{"y", "z", "d", "f"}) {
		t.Errorf("subset order: %v", sub)
	}
}

func assertTopological(t *testing.T, g *Graph, order []string) {
	t.Helper()
	pos := map[string]int{}
	for i, n := range order {
		pos[n] = i
	}
	for _, n := range order {
		for _, p := range g.Parents(n) {
			if pp, ok := pos[p]; ok && pp > pos[n] {
				t.Errorf("%s comes before its parent %s", n, p)
			}
		}
	}
}

func TestCycles(t *testing.T) {
	tests := []struct {
		name string
		spec []string
		want string
	}{
		{"one cycle", []string{"int_a: int_c src", "int_b: int_a", "int_c: int_b", "src:"},
			"dependency cycle: int_a → int_b → int_c → int_a (intermediates/int_a/sql-scripts/dml.int_a.sql, intermediates/int_b/sql-scripts/dml.int_b.sql, intermediates/int_c/sql-scripts/dml.int_c.sql)"},
		{"two cycles, both named", []string{"a: b", "b: a", "x: y", "y: x", "ok:"},
			"2 dependency cycles: a → b → a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(project(t, tc.spec...))
			if !errors.Is(err, ErrCycle) {
				t.Fatalf("want a cycle error, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			var ce *CycleError
			errors.As(err, &ce)
			if tc.name == "two cycles, both named" && (len(ce.Cycles) != 2 || !strings.Contains(err.Error(), "x → y → x")) {
				t.Errorf("want both cycles, got %v", ce.Cycles)
			}
		})
	}
}

func TestSelfReferenceAndUnknownParentsAreNotEdges(t *testing.T) {
	p := project(t, "a:", "b: a")
	p.ByName["b"].Parents = append(p.ByName["b"].Parents, "b", "ghost")
	g, err := Build(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := g.Parents("b"); !reflect.DeepEqual(got, []string{"a"}) {
		t.Errorf("parents of b: %v", got)
	}
}

func TestDuplicateParentsAreOneEdge(t *testing.T) {
	p := project(t, "a:", "b: a a", "c: b a b")
	g, err := Build(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := g.Parents("c"); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("parents of c: %v", got)
	}
	if got := g.Children("a"); !reflect.DeepEqual(got, []string{"b", "c"}) {
		t.Errorf("children of a: %v", got)
	}
}

// TestStoreHoldsTheSameGraph checks the library copy built on demand has
// exactly the tables and edges the adjacency lists answer with.
func TestStoreHoldsTheSameGraph(t *testing.T) {
	g, err := Build(project(t, p2...))
	if err != nil {
		t.Fatal(err)
	}
	store, err := g.Store()
	if err != nil {
		t.Fatal(err)
	}
	order, err := store.Order()
	if err != nil {
		t.Fatal(err)
	}
	if order != g.Len() {
		t.Errorf("store has %d tables, graph %d", order, g.Len())
	}
	preds, err := store.PredecessorMap()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range g.Names() {
		var got []string
		for parent := range preds[n] {
			got = append(got, parent)
		}
		sort.Strings(got)
		want := g.Parents(n)
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("store parents of %s: %v, graph says %v", n, got, want)
		}
	}
	again, _ := g.Store()
	if again != store {
		t.Error("Store built the library graph twice")
	}
}

func TestMinHeapPopsInOrder(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		r := rand.New(rand.NewPCG(seed, seed))
		var h minHeap
		var want []int
		for range 500 {
			// Interleave pushes and pops, as Kahn's algorithm does.
			if len(h) > 0 && r.IntN(3) == 0 {
				sort.Ints(want)
				if got := h.pop(); got != want[0] {
					t.Fatalf("seed %d: pop %d, want %d", seed, got, want[0])
				}
				want = want[1:]
				continue
			}
			x := r.IntN(100)
			h.push(x)
			want = append(want, x)
		}
		sort.Ints(want)
		for _, w := range want {
			if got := h.pop(); got != w {
				t.Fatalf("seed %d: drain pop %d, want %d", seed, got, w)
			}
		}
		if len(h) != 0 {
			t.Fatalf("seed %d: %d left", seed, len(h))
		}
	}
}
