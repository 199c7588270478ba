package cli

import (
	"fmt"
	"sort"
	"strings"
)

// unknownTable is the error for a table name that is not in the project,
// with up to five close names.
func unknownTable(names []string, name string) error {
	if s := closeNames(names, name, 5); len(s) > 0 {
		return fmt.Errorf("no table named %s; did you mean %s?", name, strings.Join(s, ", "))
	}
	return fmt.Errorf("no table named %s in the project; 'shiftleft pipeline graph' lists them", name)
}

// closeNames returns names within edit distance 2 of name, or sharing
// a substring with it, closest first.
func closeNames(names []string, name string, limit int) []string {
	type cand struct {
		n string
		d int
	}
	var cs []cand
	for _, n := range names {
		d := editDistance(n, name)
		if d <= 2 || (len(name) >= 4 && strings.Contains(n, name)) {
			cs = append(cs, cand{n, d})
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].n < cs[j].n
	})
	var out []string
	for i := 0; i < len(cs) && i < limit; i++ {
		out = append(out, cs[i].n)
	}
	return out
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
