package benchproject

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/shiftleft-dev/shiftleft/internal/projectgen"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// TestDirConcurrent: benchmarks of several packages ask for the same
// project at once; one generates it, all get it whole, nothing is left over.
func TestDirConcurrent(t *testing.T) {
	base := t.TempDir()
	t.Setenv("SHIFTLEFT_BENCH_CACHE", base)
	const callers = 4
	dirs := make([]string, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dirs[i], errs[i] = Dir(60, 0)
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
	p, g, err := Graph(60, pipeline.ScanOptions{})
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
	expected := filepath.Join(dirs[0], projectgen.ExpectedFile)
	if err := os.WriteFile(expected, []byte(`{"generator_version": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if fresh(dirs[0]) {
		t.Fatal("an aged project still counts as fresh")
	}
	if _, err := Dir(60, 0); err != nil {
		t.Fatal(err)
	}
	if !fresh(dirs[0]) {
		t.Error("the aged project was not regenerated")
	}
}
