package selector

import (
	"sort"
	"strings"
)

// Suggest returns up to max candidates close to s, best first: those within
// an edit distance of 2 (Damerau: a swap of neighbours counts one) of s or of
// a '_'-, '.'- or '/'-separated suffix of the candidate (so "fct_revnue"
// finds "saleops_fct_revenue"), then those sharing a prefix or containing s.
// Cost: O(len(candidates) × len(s) × len(candidate)) at worst; candidates
// whose length is more than 2 away are skipped in O(1). Only run on errors.
func Suggest(s string, candidates []string, max int) []string {
	type scored struct {
		name  string
		score int
	}
	if s == "" || max <= 0 {
		return nil
	}
	ls := strings.ToLower(s)
	var hits []scored
	var dist osaRows
	for _, c := range candidates {
		if c == s {
			continue
		}
		lc := strings.ToLower(c)
		// Whole-name matches score their distance (0..2), suffix matches
		// one more (1..3), prefix and substring matches 4 and 5.
		best := -1
		if d := dist.within2(ls, lc); d <= 2 && d < len(ls) {
			best = d
		} else {
			for i := 0; i < len(lc); i++ {
				if lc[i] != '_' && lc[i] != '.' && lc[i] != '/' {
					continue
				}
				if d := dist.within2(ls, lc[i+1:]); d <= 2 && d < len(ls) && (best < 0 || d+1 < best) {
					best = d + 1
				}
			}
		}
		switch {
		case best >= 0:
		case len(ls) >= 3 && (strings.HasPrefix(lc, ls) || strings.HasPrefix(ls, lc)):
			best = 4
		case len(ls) >= 4 && strings.Contains(lc, ls):
			best = 5
		default:
			continue
		}
		hits = append(hits, scored{c, best})
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score < hits[j].score
		}
		return hits[i].name < hits[j].name
	})
	if len(hits) > max {
		hits = hits[:max]
	}
	if len(hits) == 0 {
		return nil
	}
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.name
	}
	return out
}

// osaRows holds the three rows of the distance table, reused across
// candidates.
type osaRows struct{ prev2, prev, cur []int }

// within2 is the optimal-string-alignment distance (Levenshtein plus
// adjacent transpositions) over bytes when it is at most 2, and 3 for
// anything farther: strings whose lengths differ by more than 2 are
// rejected without filling the O(len(a)×len(b)) table.
func (r *osaRows) within2(a, b string) int {
	if d := len(a) - len(b); d > 2 || d < -2 {
		return 3
	}
	if d := osa(a, b, r); d < 3 {
		return d
	}
	return 3
}

func osa(a, b string, r *osaRows) int {
	if len(a) == 0 {
		return len(b)
	}
	if len(b) == 0 {
		return len(a)
	}
	n := len(b) + 1
	if cap(r.cur) < n {
		r.prev2, r.prev, r.cur = make([]int, n), make([]int, n), make([]int, n)
	}
	prev2, prev, cur := r.prev2[:n], r.prev[:n], r.cur[:n]
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
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
