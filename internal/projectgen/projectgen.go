// Package projectgen generates synthetic Flink SQL pipeline projects in
// shift_left's folder layout, for benchmarks and for tests that need large or
// versioned trees: N tables across five layers and products of about 50
// tables, realistic DDL and DML, the expected parents of every table, and
// optionally a git history of small changes.
//
// Output is a pure function of Options: the same options give the same bytes
// (and, in git mode, the same commit hashes). That is what lets benchmarks
// share one copy per machine: Cached generates a project once, under a file
// lock, and reuses it; CachedGraph and ModelGraph hand them its graph.
// tools/genproject is the command that calls Generate.
package projectgen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Options say what to generate.
type Options struct {
	// Tables is the number of project tables (external raw tables come on
	// top, one per source). Must be at least 1.
	Tables int
	// Seed makes the project reproducible.
	Seed int64
	// ProductSize is the number of tables per product (default 50).
	ProductSize int
	// Workers is the number of goroutines writing files (default 4: file
	// creation is system-call bound, so a few more than the 2 cores help).
	Workers int
	// GitCommits > 0 makes DIR a git repository with an initial commit of
	// everything and GitCommits more commits, each changing a few tables.
	GitCommits int
	// ChangesPerCommit is the number of tables each commit changes
	// (default 3).
	ChangesPerCommit int
}

// Version changes whenever the same options start to give different output,
// so callers that cache generated projects (benchmarks) can tell a stale
// cache from a current one; it is recorded in expected_parents.json.
const Version = 2

// ExpectedFile is the file Generate writes at the top of DIR with the
// expected parents of every table.
const ExpectedFile = "expected_parents.json"

// PipelinesDir is the pipelines folder Generate creates inside DIR.
const PipelinesDir = "pipelines"

// TableInfo is what a correct extractor must find for one table. Paths are
// slash-separated and relative to the pipelines folder, like the graph JSON
// of `shiftleft pipeline graph --format json`.
type TableInfo struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Product string `json:"product"`
	Folder  string `json:"folder"`
	DDL     string `json:"ddl"`
	DML     string `json:"dml"`
	// Parents are the tables the DML reads, sorted, as the scanner resolves
	// them: project tables, and for sources the raw table of
	// seeds/external_tables.json it reads.
	Parents []string `json:"parents"`
	// External are references to tables outside the project: always empty,
	// the generator only references tables it defines.
	External []string `json:"external"`
	// Stateful is what the DML needs: a dedup, join, subquery or GROUP BY.
	Stateful bool `json:"stateful"`
}

// Commit is one generated commit (git mode).
type Commit struct {
	Hash    string    `json:"hash"`
	Message string    `json:"message"`
	Time    time.Time `json:"time"`
	// Changed are the paths the commit adds or modifies, relative to DIR,
	// sorted. The initial commit lists every file.
	Changed []string `json:"changed"`
}

// Summary describes a generated project.
type Summary struct {
	// Version is the generator Version that wrote the project.
	Version int   `json:"generator_version"`
	Seed    int64 `json:"seed"`
	// Pipelines is the path of the generated pipelines folder.
	Pipelines string `json:"-"`
	// Tables are the project tables, sorted by name.
	Tables []TableInfo `json:"tables"`
	// ExternalTables are the raw tables of seeds/external_tables.json,
	// sorted.
	ExternalTables []string `json:"external_tables"`
	// ByType counts tables per type (source, intermediate, …).
	ByType   map[string]int `json:"by_type"`
	Products int            `json:"products"`
	// Edges counts parent→child edges between project tables (raw
	// tables excluded); CrossProduct those whose ends are in different
	// products.
	Edges        int `json:"edges"`
	CrossProduct int `json:"cross_product_edges"`
	// Files and Bytes count what was written to disk.
	Files int   `json:"-"`
	Bytes int64 `json:"-"`
	// Commits is the history in git mode, oldest first. Not in
	// expected_parents.json, which the first commit contains.
	Commits []Commit `json:"-"`
}

// ErrExists is returned when DIR already holds a generated project or a git
// repository: generating over it would mix two projects.
var ErrExists = errors.New("already exists")

func (o *Options) normalize() error {
	if o.Tables < 1 {
		return fmt.Errorf("tables = %d: generate at least 1 table", o.Tables)
	}
	if o.ProductSize == 0 {
		o.ProductSize = 50
	}
	if o.ProductSize < 1 {
		return fmt.Errorf("product size = %d: use a positive size (default 50)", o.ProductSize)
	}
	if o.Workers == 0 {
		o.Workers = 4
	}
	if o.Workers < 1 {
		return fmt.Errorf("workers = %d: use at least 1", o.Workers)
	}
	if o.GitCommits < 0 {
		return fmt.Errorf("git commits = %d: use 0 (no repository) or more", o.GitCommits)
	}
	if o.ChangesPerCommit == 0 {
		o.ChangesPerCommit = 3
	}
	if o.ChangesPerCommit < 1 {
		return fmt.Errorf("changes per commit = %d: use at least 1", o.ChangesPerCommit)
	}
	return nil
}

// Generate writes a synthetic project into dir (created if missing):
// dir/pipelines/… in shift_left's layout, dir/pipelines/seeds/
// external_tables.json, and dir/expected_parents.json (the Summary's
// tables). With GitCommits > 0, dir also becomes a git repository.
//
// Cost: O(tables) time and memory for the model; files are written by
// Options.Workers goroutines. In git mode every object is held in memory
// until one packfile is written, so memory grows with the project size.
func Generate(dir string, opts Options) (Summary, error) {
	if err := opts.normalize(); err != nil {
		return Summary{}, fmt.Errorf("generate: %w", err)
	}
	root := filepath.Join(dir, PipelinesDir)
	if _, err := os.Stat(root); err == nil {
		return Summary{}, fmt.Errorf("generate: %s %w: remove it or choose another output folder", root, ErrExists)
	}
	if opts.GitCommits > 0 {
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return Summary{}, fmt.Errorf("generate: git repository %s %w: choose an empty output folder", dir, ErrExists)
		}
	}
	p := buildModel(opts)
	sum := p.summary()
	sum.Pipelines = root

	static, err := p.staticFiles(sum)
	if err != nil {
		return Summary{}, err
	}
	files, bytesWritten, err := p.write(dir, static)
	if err != nil {
		return Summary{}, err
	}
	sum.Files, sum.Bytes = files, bytesWritten
	if opts.GitCommits > 0 {
		commits, err := p.gitHistory(dir, static)
		if err != nil {
			return Summary{}, err
		}
		sum.Commits = commits
	}
	return sum, nil
}

// model is the Summary Generate would return (Files, Bytes, Commits and
// Pipelines aside) without writing anything. Cost: O(tables).
func model(opts Options) (Summary, error) {
	if err := opts.normalize(); err != nil {
		return Summary{}, fmt.Errorf("generate: %w", err)
	}
	return buildModel(opts).summary(), nil
}

// ReadExpected reads the expected_parents.json that Generate wrote in dir.
func ReadExpected(dir string) (Summary, error) {
	path := filepath.Join(dir, ExpectedFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return Summary{}, fmt.Errorf("read %s: %w", path, err)
	}
	var s Summary
	if err := json.Unmarshal(data, &s); err != nil {
		return Summary{}, fmt.Errorf("read %s: %w", path, err)
	}
	s.Pipelines = filepath.Join(dir, PipelinesDir)
	return s, nil
}

// marshal is indented JSON without HTML escaping, newline-terminated.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode json: %w", err)
	}
	return buf.Bytes(), nil
}
