// Package benchproject hands benchmarks a generated project of a given
// size, generated once per machine: the generator is deterministic, so a
// project already in the cache folder is reused across runs.
package benchproject

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/internal/projectgen"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// Seed is the seed of every benchmark project, so numbers compare.
const Seed = 1

// Dir returns the directory of a generated project with n tables (its
// pipelines folder is Dir/pipelines), generating it when needed.
// The cache is $SHIFTLEFT_BENCH_CACHE, else the user cache directory.
func Dir(n, gitCommits int) (string, error) {
	base := os.Getenv("SHIFTLEFT_BENCH_CACHE")
	if base == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			c = os.TempDir()
		}
		base = filepath.Join(c, "shiftleft", "bench")
	}
	dir := filepath.Join(base, fmt.Sprintf("tables-%d-seed-%d-commits-%d", n, Seed, gitCommits))
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
	if _, err := projectgen.Generate(tmp, projectgen.Options{Tables: n, Seed: Seed, GitCommits: gitCommits}); err != nil && !errors.Is(err, projectgen.ErrExists) {
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
	sum, err := projectgen.ReadExpected(dir)
	return err == nil && sum.Version == projectgen.Version
}

// Graph scans the cached n-table project and builds its graph: the setup
// every benchmark after the scan shares (the scan itself is not timed by
// the caller).
func Graph(n int, opts pipeline.ScanOptions) (*pipeline.Project, *dag.Graph, error) {
	dir, err := Dir(n, 0)
	if err != nil {
		return nil, nil, err
	}
	p, err := pipeline.Scan(context.Background(), filepath.Join(dir, projectgen.PipelinesDir), opts)
	if err != nil {
		return nil, nil, err
	}
	g, err := dag.Build(p)
	if err != nil {
		return nil, nil, err
	}
	return p, g, nil
}

// ModelGraph builds the graph of an n-table project straight from the
// generator's model, without writing or scanning files: for benchmarks
// of what runs on a graph (selection, impact).
func ModelGraph(dir string, n int) (*dag.Graph, error) {
	sum, err := projectgen.Generate(dir, projectgen.Options{Tables: n, Seed: Seed})
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
