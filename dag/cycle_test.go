package dag

import (
	"errors"
	"reflect"
	"slices"
	"testing"
)

// TestCycleReportPaths pins the exact closed path reported per strongly
// connected component: a dead-end branch beside the cycle (inside the
// component or leaving it) must not appear in the path, and every step of
// the path must be an edge.
func TestCycleReportPaths(t *testing.T) {
	tests := []struct {
		name string
		spec []string // "child: parents"
		want [][]string
	}{
		{
			// a → b → d → a is the cycle; b → c → b is a loop that, taken
			// first (c < d), dead-ends for a path back to a; b → e leaves
			// the component.
			name: "dead-end branch inside the component",
			spec: []string{"a: d", "b: a c", "c: b", "d: b", "e: b"},
			want: [][]string{{"a", "b", "d", "a"}},
		},
		{
			// b's first child c leaves the component and leads nowhere.
			name: "dead-end branch leaving the component",
			spec: []string{"a: d", "b: a", "c: b", "d: b", "e: c"},
			want: [][]string{{"a", "b", "d", "a"}},
		},
		{
			// From a, the smallest child b reaches only c, whose children
			// are b (on the path) and d; d leads back to a.
			name: "longer detour through visited members",
			spec: []string{"a: d", "b: a c", "c: b", "d: c"},
			want: [][]string{{"a", "b", "c", "d", "a"}},
		},
		{
			name: "two components, each reported from its smallest member",
			spec: []string{"m: n", "n: m", "a: c", "b: a", "c: b", "z: a"},
			want: [][]string{{"a", "b", "c", "a"}, {"m", "n", "m"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := project(t, tc.spec...)
			_, err := Build(p)
			var ce *CycleError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCycle) {
				t.Fatalf("want a *CycleError, got %v", err)
			}
			if !reflect.DeepEqual(ce.Cycles, tc.want) {
				t.Errorf("cycles %v, want %v", ce.Cycles, tc.want)
			}
			for _, c := range ce.Cycles {
				for k := 1; k < len(c); k++ {
					if !slices.Contains(p.ByName[c[k]].Parents, c[k-1]) {
						t.Errorf("cycle %v: %s → %s is not an edge", c, c[k-1], c[k])
					}
				}
			}
		})
	}
}
