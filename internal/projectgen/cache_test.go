package projectgen

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// TestCachedConcurrent: benchmarks of several packages ask for the same
// project at once; one generates it, all get it whole, nothing is left over.
func TestCachedConcurrent(t *testing.T) {
	base := t.TempDir()
	t.Setenv(cacheEnv, base)
	const callers = 4
	dirs := make([]string, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dirs[i], errs[i] = Cached(60, 0)
		}()
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if dirs[i] != dirs[0] {
			t.Fatalf("caller %d got %s, caller 0 %s", i, dirs[i], dirs[0])
		}
	}
	if !fresh(dirs[0]) {
		t.Fatalf("%s is not a complete project", dirs[0])
	}
	p, g, err := CachedGraph(60, pipeline.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tables) < 60 || g.Len() < 60 {
		t.Errorf("scanned %d tables, graph %d, want at least 60", len(p.Tables), g.Len())
	}
	entries, err := os.ReadDir(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary folder left over: %s", filepath.Join(base, e.Name()))
		}
	}

	// A project of an older generator is regenerated, not reused.
	expected := filepath.Join(dirs[0], ExpectedFile)
	if err := os.WriteFile(expected, []byte(`{"generator_version": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if fresh(dirs[0]) {
		t.Fatal("an aged project still counts as fresh")
	}
	if _, err := Cached(60, 0); err != nil {
		t.Fatal(err)
	}
	if !fresh(dirs[0]) {
		t.Error("the aged project was not regenerated")
	}
}

// TestModelGraph: the graph built from the model is the scanned graph of
// the same cached project without the external raw tables.
func TestModelGraph(t *testing.T) {
	t.Setenv(cacheEnv, t.TempDir())
	const n = 120
	_, scanned, err := CachedGraph(n, pipeline.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := ModelGraph(n)
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != n {
		t.Fatalf("model graph has %d tables, want %d", g.Len(), n)
	}
	if scanned.Len() <= n {
		t.Fatalf("scanned graph has %d tables, want the %d project tables and the raw tables", scanned.Len(), n)
	}
	edges := 0
	for _, name := range g.Names() {
		if !scanned.Has(name) {
			t.Errorf("%s is in the model graph, not in the scanned one", name)
			continue
		}
		var want []string
		for _, p := range scanned.Parents(name) {
			if g.Has(p) {
				want = append(want, p)
			}
		}
		got := g.Parents(name)
		edges += len(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: model parents %v, scanned %v", name, got, want)
		}
		if g.Table(name).Type != scanned.Table(name).Type {
			t.Errorf("%s: model type %s, scanned %s", name, g.Table(name).Type, scanned.Table(name).Type)
		}
	}
	if edges == 0 {
		t.Error("the model graph has no edges")
	}
}
