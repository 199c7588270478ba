package workspace

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/internal/atomicfile"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/selector"
	"github.com/shiftleft-dev/shiftleft/unittest"
)

// InitUnitTestsRequest asks for a new unit-test suite beside a table
// (shift_left's init-unit-tests).
type InitUnitTestsRequest struct {
	Table string
	// Cases is the number of test cases (0: 2, as shift_left).
	Cases int
	// CSV writes the inputs of every second case as CSV files.
	CSV bool
	// ExternalsDirs hold CREATE TABLE files of inputs that are not tables
	// of the project (as deploy's --externals-dir).
	ExternalsDirs []string
}

// InitUnitTestsResult is what InitUnitTests wrote.
type InitUnitTestsResult struct {
	Table string `json:"table"`
	// Folder is the table folder, relative to the pipelines folder.
	Folder string `json:"folder"`
	// Inputs are the tables the suite feeds, in the order the DML reads
	// them.
	Inputs []string `json:"inputs"`
	// Cases are the generated case names.
	Cases []string `json:"cases"`
	// Files are the files written, relative to the pipelines folder.
	Files []string `json:"files"`
}

// ExistingFilesError is returned when a file InitUnitTests would write
// exists already: nothing is written.
type ExistingFilesError struct {
	Table string
	Paths []string
}

func (e *ExistingFilesError) Error() string {
	files := strings.Join(e.Paths, ", ") + " exists"
	if len(e.Paths) > 1 {
		files = strings.Join(e.Paths, ", ") + " exist"
	}
	if len(e.Paths) > 3 {
		files = fmt.Sprintf("%s and %d other files of the suite exist", strings.Join(e.Paths[:2], ", "), len(e.Paths)-2)
	}
	return fmt.Sprintf("unit tests of %s: %s already; init-unit-tests never overwrites: edit the suite, or move its files away to start again",
		e.Table, files)
}

// InitUnitTests writes a suite in the table's tests/ folder: the
// definition file, one foundation DDL per table its DML reads (taken from
// that table's DDL, or for an input outside the project from a CREATE
// TABLE in req.ExternalsDirs), typed sample inputs and validation
// skeletons that fail with a hint until they are written. It writes all
// the files or none: every target is checked first, then each file is
// written atomically. Cost: the workspace's scan plus one read per input
// DDL.
func (ws *Workspace) InitUnitTests(ctx context.Context, req InitUnitTestsRequest) (*InitUnitTestsResult, error) {
	p := ws.Project
	t := p.Table(req.Table)
	if t == nil {
		names := make([]string, len(p.Tables))
		for i, x := range p.Tables {
			names[i] = x.Name
		}
		if s := selector.Suggest(req.Table, names, 5); len(s) > 0 {
			return nil, &RequestError{Msg: fmt.Sprintf("no table named %s; did you mean %s?", req.Table, strings.Join(s, ", "))}
		}
		return nil, &RequestError{Msg: fmt.Sprintf("no table named %s in the project", req.Table)}
	}
	if t.IsExternal || t.Folder == "" {
		return nil, &RequestError{Msg: fmt.Sprintf("%s is an external table: only tables with a DML have unit tests", t.Name)}
	}
	if t.DMLPath == "" || t.DDLPath == "" {
		return nil, &RequestError{Msg: fmt.Sprintf("%s has no DML (or no DDL) in %s: a unit test runs the DML on test copies of its inputs and checks the table it writes", t.Name, t.Folder)}
	}
	if req.Cases == 0 {
		req.Cases = 2
	}
	if req.Cases < 0 || req.Cases > 100 {
		return nil, &RequestError{Msg: fmt.Sprintf("--nb-test-cases %d: give a number from 1 to 100", req.Cases)}
	}
	outDDL, err := ws.readProjectFile(t.DDLPath)
	if err != nil {
		return nil, err
	}
	inputs, err := ws.unitTestInputs(t, req.ExternalsDirs)
	if err != nil {
		return nil, err
	}
	gen := unittest.GenRequest{Table: t.Name, OutputDDL: outDDL, Inputs: inputs, Cases: req.Cases, CSV: req.CSV}
	files, err := unittest.Generate(gen)
	if err != nil {
		return nil, fmt.Errorf("unit tests of %s: %w", t.Name, err)
	}
	res := &InitUnitTestsResult{Table: t.Name, Folder: t.Folder}
	for _, in := range inputs {
		res.Inputs = append(res.Inputs, in.Table)
	}
	for n := 1; n <= req.Cases; n++ {
		res.Cases = append(res.Cases, fmt.Sprintf("test_%s_%d", t.Name, n))
	}
	// Check every target before writing any: a half-written suite would
	// block the next run, which refuses to overwrite.
	var batch []atomicfile.File
	var existing []string
	for _, f := range files {
		rel := path.Join(t.Folder, f.Name)
		abs := filepath.Join(p.Root, filepath.FromSlash(rel))
		if _, err := os.Lstat(abs); err == nil {
			existing = append(existing, rel)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("unit tests of %s: %w", t.Name, err)
		}
		batch = append(batch, atomicfile.File{Path: abs, Data: []byte(f.Content), Perm: 0o644})
		res.Files = append(res.Files, rel)
	}
	if len(existing) > 0 {
		return nil, &ExistingFilesError{Table: t.Name, Paths: existing}
	}
	dir := filepath.Join(p.Root, filepath.FromSlash(t.Folder), unittest.TestsDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("unit tests of %s: %w", t.Name, err)
	}
	if _, err := atomicfile.WriteBatch(ctx, batch, atomicfile.Options{}); err != nil {
		return nil, fmt.Errorf("unit tests of %s: %w", t.Name, err)
	}
	return res, nil
}

// unitTestInputs are the tables t's DML reads (itself excluded), in the
// order it reads them, each with its DDL.
func (ws *Workspace) unitTestInputs(t *pipeline.Table, externalsDirs []string) ([]unittest.GenInput, error) {
	var names []string
	seen := map[string]bool{t.Name: true}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	if t.DML != nil {
		for _, r := range t.DML.Reads {
			add(r.Table())
		}
	}
	for _, n := range t.Parents {
		add(n)
	}
	for _, ref := range t.External {
		add(shortName(ref))
	}
	var defs *definitions
	var out []unittest.GenInput
	for _, n := range names {
		if in := ws.Project.Table(n); in != nil && in.DDLPath != "" {
			ddl, err := ws.readProjectFile(in.DDLPath)
			if err != nil {
				return nil, err
			}
			out = append(out, unittest.GenInput{Table: n, DDL: ddl, DDLPath: in.DDLPath})
			continue
		}
		if defs == nil {
			defs = &definitions{root: ws.Project.Root, created: map[string]string{}, read: map[string]bool{}}
			for _, d := range externalsDirs {
				if err := defs.addDir(ws.opts.abs(d)); err != nil {
					return nil, err
				}
			}
		}
		file, ok := defs.created[n]
		if !ok {
			where := "no --externals-dir was given"
			if len(externalsDirs) > 0 {
				dirs := append([]string(nil), externalsDirs...)
				sort.Strings(dirs)
				where = "no CREATE TABLE " + n + " in " + strings.Join(dirs, ", ")
			}
			return nil, &RequestError{Msg: fmt.Sprintf("%s reads %s, which has no DDL in the project (%s): give --externals-dir DIR with a .sql file that creates it", t.Name, n, where)}
		}
		ddl, err := ws.readProjectFile(file)
		if err != nil {
			return nil, err
		}
		out = append(out, unittest.GenInput{Table: n, DDL: ddl, DDLPath: file})
	}
	return out, nil
}

// readProjectFile reads a file named relative to the pipelines folder (or
// absolute).
func (ws *Workspace) readProjectFile(name string) (string, error) {
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(ws.Project.Root, filepath.FromSlash(name))
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	return string(b), nil
}
