// Package benchproject hands benchmarks a generated project of a given
// size, generated once per machine: the generator is deterministic, so a
// project already in the cache folder is reused across runs.
package benchproject

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/shiftleft-dev/shiftleft/internal/projectgen"
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
	// A project made by an older generator is regenerated: its files and
	// expectations may differ.
	if sum, err := projectgen.ReadExpected(dir); err == nil && sum.Version == projectgen.Version {
		return dir, nil
	}
	// A half-generated folder from an interrupted run is regenerated.
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	if _, err := projectgen.Generate(tmp, projectgen.Options{Tables: n, Seed: Seed, GitCommits: gitCommits}); err != nil && !errors.Is(err, projectgen.ErrExists) {
		return "", fmt.Errorf("generate %d tables: %w", n, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", err
	}
	return dir, nil
}
