package catalog_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/catalog"
)

func TestParseResults(t *testing.T) {
	for _, tc := range []struct {
		name, json, err string
		n               int
	}{
		{name: "valid", json: `{"checked_at":"x","results":[{"table":"t","rule":0,"kind":"unique","status":"fail","count":2,"sample":[1]}]}`, n: 1},
		{name: "empty list", json: `{"results":[]}`, n: 0},
		{name: "not JSON", json: `{"results":[`, err: "not JSON"},
		{name: "wrong shape", json: `[1,2]`, err: "not a results file"},
		{name: "no list", json: `{"checked_at":"x"}`, err: `no "results" list`},
		{name: "no table", json: `{"results":[{"rule":0,"kind":"unique","status":"pass"}]}`, err: `results[0] (table ""): "table" is missing`},
		{name: "no rule", json: `{"results":[{"table":"t","kind":"unique","status":"pass"}]}`, err: `"rule" (the rule's position`},
		{name: "negative rule", json: `{"results":[{"table":"t","rule":-1,"kind":"unique","status":"pass"}]}`, err: `"rule" is -1`},
		{name: "no kind", json: `{"results":[{"table":"t","rule":0,"status":"pass"}]}`, err: `"kind" is missing`},
		{name: "bad status", json: `{"results":[{"table":"t","rule":0,"kind":"unique","status":"pass"},{"table":"u","rule":1,"kind":"unique","status":"ok"}]}`, err: `results[1] (table "u"): "status" is "ok": use pass, fail or error`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := catalog.ParseResults([]byte(tc.json))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Results) != tc.n {
				t.Errorf("%d results, want %d", len(r.Results), tc.n)
			}
		})
	}
}

func TestReadResultsNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "check.json")
	if err := os.WriteFile(path, []byte(`{"results": 3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := catalog.ReadResults(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("error = %v, want one naming %s", err, path)
	}
	if _, err := catalog.ReadResults(filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("error = %v, want one naming the missing file", err)
	}
	r, err := catalog.ReadResults("testdata/results.json")
	if err != nil || r.File != "testdata/results.json" || r.Target != "flink" || len(r.Results) != 4 {
		t.Errorf("ReadResults = %+v, %v", r, err)
	}
}

// TestResultsApply: a result sets the status of the rule at its position
// when the kinds agree; others are counted as unmatched.
func TestResultsApply(t *testing.T) {
	r, err := catalog.ReadResults("testdata/results.json")
	if err != nil {
		t.Fatal(err)
	}
	c := build(t, r)
	rules := c.Products[1].Ports[0].Rules
	want := []struct {
		status string
		count  int64
	}{{"pass", 0}, {"fail", 3}, {"", 0}}
	for i, w := range want {
		if rules[i].Status != w.status || rules[i].Count != w.count {
			t.Errorf("rule %d (%s) = %s/%d, want %s/%d", i, rules[i].Text, rules[i].Status, rules[i].Count, w.status, w.count)
		}
	}
	if c.Quality == nil || c.Quality.Unmatched != 2 || c.Quality.CheckedAt != "2026-12-06T09:00:00Z" {
		t.Errorf("quality = %+v, want 2 unmatched (a kind that changed, a table that is gone)", c.Quality)
	}
	// The input's products are not changed by the results.
	if shop.Ports[0].Rules[1].Status != "" {
		t.Error("Build wrote the results into its input")
	}
}
