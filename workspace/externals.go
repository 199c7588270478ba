package workspace

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// externalReaders maps each external input of the graph (as the SQL names
// it, see plan.ExternalRefs) to the tables that read it; declared
// externals nobody reads are listed too. Cost: O(V + references).
func externalReaders(g *dag.Graph) map[string][]string {
	out := map[string][]string{}
	for _, n := range g.Names() {
		t := g.Table(n)
		if t.IsExternal {
			if _, ok := out[n]; !ok {
				out[n] = nil
			}
			continue
		}
		for _, ref := range plan.ExternalRefs(g, t) {
			out[ref] = append(out[ref], n)
		}
	}
	return out
}

// shortName is a reference's last name part, unquoted.
func shortName(ref string) string {
	return strings.Trim(ref[strings.LastIndexByte(ref, '.')+1:], "`")
}

// externalInputs finds, for every external input of the graph, whether it
// is declared, the SQL file that defines it and what the target says of
// it, and the target's policy (deployers.ExternalProvisioner). A
// definition is a SQL file whose CREATE TABLE creates the table (matched
// on what the SQL creates, never on the file name): any *.sql file of the
// externals dirs, else a tests/ddl*.sql file in a reading table's folder
// (shift_left's test convention). Cost: one analysis per candidate file and
// one ExternalChecker call.
func (ws *Workspace) externalInputs(ctx context.Context, t *Target, g *dag.Graph, dirs []string) (map[string]plan.ExternalInput, plan.ExternalPolicy, error) {
	policy := plan.ExternalsAssume
	if p, ok := t.Target.(deployers.ExternalProvisioner); ok && p.ProvisionsExternals() {
		policy = plan.ExternalsCreate
	}
	readers := externalReaders(g)
	if len(readers) == 0 {
		return nil, policy, nil
	}
	names := make([]string, 0, len(readers))
	for n := range readers {
		names = append(names, n)
	}
	sort.Strings(names)
	var presence map[string]deployers.Presence
	if c, ok := t.Target.(deployers.ExternalChecker); ok {
		var err error
		if presence, err = c.CheckExternals(ctx, names); err != nil {
			return nil, policy, fmt.Errorf("check the external inputs on %s: %w", t.Info(), err)
		}
	}
	root := ws.Project.Root
	defs := &definitions{root: root, created: map[string]string{}, read: map[string]bool{}}
	var dirGlobs []string
	for _, d := range dirs {
		d = ws.opts.abs(d)
		if err := defs.addDir(d); err != nil {
			return nil, policy, err
		}
		dirGlobs = append(dirGlobs, filepath.ToSlash(filepath.Join(d, "*.sql")))
	}
	out := make(map[string]plan.ExternalInput, len(names))
	for _, n := range names {
		in := plan.ExternalInput{Presence: presence[n]}
		if tb := g.Table(n); tb != nil && tb.IsExternal {
			in.Declared = true
		}
		short := shortName(n)
		for _, r := range readers[n] {
			folder := g.Table(r).Folder
			if folder == "" {
				continue
			}
			if err := defs.addTests(folder); err != nil {
				return nil, policy, err
			}
			in.Searched = append(in.Searched, folder+"/tests/ddl*.sql")
		}
		in.Searched = append(in.Searched, dirGlobs...)
		in.Definition = defs.created[short]
		out[n] = in
	}
	return out, policy, nil
}

// definitions indexes the SQL files that may define external inputs by
// the table their CREATE TABLE creates. Paths are relative to the
// pipelines folder, or absolute outside it. The first file found for a
// table wins: the externals dirs are read first.
type definitions struct {
	root    string
	az      flinksql.Analyzer
	created map[string]string
	read    map[string]bool
}

func (d *definitions) addDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("--externals-dir %s: %w", dir, err)
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".sql") {
			if err := d.add(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// addTests indexes the tests/ddl*.sql files of a table folder (relative
// to the pipelines folder).
func (d *definitions) addTests(folder string) error {
	matches, err := filepath.Glob(filepath.Join(d.root, filepath.FromSlash(folder), "tests", "ddl*.sql"))
	if err != nil {
		return err
	}
	sort.Strings(matches)
	for _, m := range matches {
		if err := d.add(m); err != nil {
			return err
		}
	}
	return nil
}

func (d *definitions) add(path string) error {
	if d.read[path] {
		return nil
	}
	d.read[path] = true
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	a, err := d.az.Analyze(src)
	if err != nil {
		// A broken test file defines nothing; the plan says the definition
		// is missing and where it looked.
		return nil
	}
	rel := path
	if r, err := filepath.Rel(d.root, path); err == nil && !strings.HasPrefix(r, "..") {
		rel = filepath.ToSlash(r)
	}
	for _, tb := range a.Tables {
		name := tb.Name.Table()
		if _, ok := d.created[name]; !ok {
			d.created[name] = rel
		}
	}
	return nil
}

// externalSQL reads the definition of an external input the plan creates.
func externalSQL(root string, pl *plan.Plan, table string) (string, bool, error) {
	for _, e := range pl.Externals {
		if e.Table != table || e.Definition == "" {
			continue
		}
		path := e.Definition
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, filepath.FromSlash(path))
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return "", true, fmt.Errorf("definition of external %s: %w", table, err)
		}
		return string(src), true, nil
	}
	return "", false, nil
}

// allExternalNames are the names the local target accepts as existing: the
// declared externals and every reference no table of the project defines
// (qualified as written and by last part).
func allExternalNames(p *pipeline.Project) []string {
	var out []string
	for _, t := range p.Tables {
		if t.IsExternal {
			out = append(out, t.Name)
			if t.Qualified != "" {
				out = append(out, t.Qualified)
			}
		}
		out = append(out, t.External...)
	}
	return out
}
