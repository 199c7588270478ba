package projectgen

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// cacheSeed is the seed of every cached project, so benchmark numbers
// compare across runs and machines.
const cacheSeed = 1

// cacheEnv names the environment variable that moves the cache of Cached.
const cacheEnv = "SHIFTLEFT_BENCH_CACHE"

// Cached returns the folder of a generated project with n tables, seed 1 and
// the other options at their defaults (its pipelines folder is
// Cached/pipelines), generating it on first use: the generator is
// deterministic, so a project already in the cache is reused across runs
// and packages. With gitCommits > 0 the folder is also a git repository.
//
// The cache is $SHIFTLEFT_BENCH_CACHE, else shiftleft/bench in the user
// cache folder (~/.cache on Linux), one folder per size, seed and commit
// count. Cost: a stat and one read of expected_parents.json when cached;
// otherwise a whole Generate (about two files per table) under an exclusive
// file lock, so benchmarks of several packages run at once generate each
// project once.
func Cached(n, gitCommits int) (string, error) {
	base := os.Getenv(cacheEnv)
	if base == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			c = os.TempDir()
		}
		base = filepath.Join(c, "shiftleft", "bench")
	}
	dir := filepath.Join(base, fmt.Sprintf("tables-%d-seed-%d-commits-%d", n, cacheSeed, gitCommits))
	if fresh(dir) {
		return dir, nil
	}
	// Benchmarks of several packages run at once (go test -bench ./...):
	// one process generates, the others wait on the lock and reuse it.
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", err
	}
	unlock, err := lockFile(dir + ".lock")
	if err != nil {
		return "", fmt.Errorf("lock %s: %w", dir, err)
	}
	defer unlock()
	if fresh(dir) {
		return dir, nil
	}
	// An older generator's project, or a half-generated folder from an
	// interrupted run, is regenerated.
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(base, filepath.Base(dir)+".tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if _, err := Generate(tmp, Options{Tables: n, Seed: cacheSeed, GitCommits: gitCommits}); err != nil && !errors.Is(err, ErrExists) {
		return "", fmt.Errorf("generate %d tables: %w", n, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", err
	}
	return dir, nil
}

// fresh reports whether dir holds a project of the current generator:
// one made by an older generator may differ in files and expectations.
func fresh(dir string) bool {
	sum, err := ReadExpected(dir)
	return err == nil && sum.Version == Version
}

// CachedGraph scans the cached n-table project (see Cached) and builds its
// graph: the setup every benchmark after the scan shares (the caller does
// not time it). Cost: Cached, then a whole scan and dag.Build.
func CachedGraph(n int, opts pipeline.ScanOptions) (*pipeline.Project, *dag.Graph, error) {
	dir, err := Cached(n, 0)
	if err != nil {
		return nil, nil, err
	}
	p, err := pipeline.Scan(context.Background(), filepath.Join(dir, PipelinesDir), opts)
	if err != nil {
		return nil, nil, err
	}
	g, err := dag.Build(p)
	if err != nil {
		return nil, nil, err
	}
	return p, g, nil
}

// ModelGraph builds the graph of the n-table project of Cached straight
// from the generator's model, without writing or scanning files: for
// benchmarks of what runs on a graph (selection, impact). Unlike a scan, it
// has only the project tables: the external raw tables the sources read
// are not in it. Cost: O(n) for the model and dag.Build.
func ModelGraph(n int) (*dag.Graph, error) {
	sum, err := model(Options{Tables: n, Seed: cacheSeed})
	if err != nil {
		return nil, err
	}
	p := pipeline.Project{ByName: map[string]*pipeline.Table{}}
	for _, ti := range sum.Tables {
		t := &pipeline.Table{Name: ti.Name, Type: pipeline.TableType(ti.Type), Product: ti.Product, Folder: ti.Folder,
			DDLPath: ti.DDL, DMLPath: ti.DML, Parents: ti.Parents, External: ti.External, Stateful: ti.Stateful}
		p.Tables = append(p.Tables, t)
		p.ByName[t.Name] = t
	}
	return dag.Build(&p)
}
