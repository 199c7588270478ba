package cli

import (
	"errors"
	"path"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/selector"
)

// multiValue is a repeatable string flag that keeps each value whole:
// urfave's StringSliceFlag splits on commas, which would turn the
// intersection `a,b` into the union `a b`.
type multiValue struct{ values []string }

func (m *multiValue) Set(v string) error { m.values = append(m.values, v); return nil }
func (m *multiValue) String() string {
	if m == nil {
		return ""
	}
	return strings.Join(m.values, " ")
}

// multiFlag declares a repeatable flag. Short forms are separate hidden
// flags, not aliases: urfave copies a set flag's String() into its aliases
// by calling Set again, which would append every value twice.
func multiFlag(name, short, usage string) []ucli.Flag {
	flags := []ucli.Flag{&ucli.GenericFlag{Name: name, Usage: usage, Value: &multiValue{}}}
	if short != "" {
		flags = append(flags, &ucli.GenericFlag{Name: short, Hidden: true, Value: &multiValue{}})
	}
	return flags
}

// multi returns the values of a repeatable flag and of its short form.
func multi(c *ucli.Context, names ...string) []string {
	var out []string
	for _, n := range names {
		if m, ok := c.Generic(n).(*multiValue); ok && m != nil {
			out = append(out, m.values...)
		}
	}
	return out
}

// selectionFlags are the table selection flags every command that takes
// tables declares (graph, report, impact, build-execution-plan, deploy,
// undeploy): dbt's --select/--exclude grammar, shift_left's shorthands,
// and the git change set that state:/git: selectors read.
func selectionFlags() []ucli.Flag {
	var flags []ucli.Flag
	flags = append(flags, multiFlag("select", "s", "(-s) tables to act on, dbt syntax: name, +name, name+2, @name, product:X, type:fact, path:facts/*, external:true, state:modified[.ddl|.dml|.breaking], state:new, state:deleted; space = union, comma = intersection (repeatable)")...)
	flags = append(flags, multiFlag("exclude", "", "tables to leave out, same syntax as --select (repeatable)")...)
	flags = append(flags, multiFlag("table-name", "", "a table to act on (repeatable; shift_left shorthand)")...)
	flags = append(flags, multiFlag("product-name", "", "all tables of a data product (repeatable)")...)
	flags = append(flags, multiFlag("dir", "", "all tables under a folder, relative to the working directory or the pipelines folder (repeatable)")...)
	return append(flags,
		&ucli.StringFlag{Name: "table-list-file-name", Usage: "file with one table name per line ('#' comments)"},
		&ucli.StringFlag{Name: "exclude-table-file-name", Usage: "file with tables to leave out, one per line"},
		&ucli.StringFlag{Name: "since", Usage: "git base for state:/git: selectors: branch, tag, origin/main, commit, HEAD~N or a date YYYY-MM-DD"},
		&ucli.BoolFlag{Name: "include-uncommitted", Usage: "add uncommitted edits under the pipelines folder to the change set"},
		&ucli.StringFlag{Name: "repo", Usage: "git repository (default: found from the pipelines folder upward)"},
	)
}

// selectionFrom reads the selection flags. Paths are resolved against the
// working directory; --dir is resolved by the selector (working directory
// first, then the pipelines folder).
func (e *Env) selectionFrom(c *ucli.Context) selector.Selection {
	s := selector.Selection{
		Select:       multi(c, "select", "s"),
		Exclude:      multi(c, "exclude"),
		TableNames:   multi(c, "table-name"),
		ProductNames: multi(c, "product-name"),
		Dirs:         multi(c, "dir"),
		Root:         e.pipelinesDir(c),
		WorkDir:      e.Dir,
	}
	if f := c.String("table-list-file-name"); f != "" {
		s.TableListFile = e.abs(f)
	}
	if f := c.String("exclude-table-file-name"); f != "" {
		s.ExcludeTableFile = e.abs(f)
	}
	return s
}

// selectionChangeSet computes the git change set when --since or
// --include-uncommitted is given (--include-uncommitted alone: the edits
// not yet committed). It returns nil when neither is given, and a usage
// error when a state:/git: selector needs a change set.
func (e *Env) selectionChangeSet(c *ucli.Context, p *pipeline.Project, sel selector.Selection) (*changes.ChangeSet, error) {
	since := c.String("since")
	uncommitted := c.Bool("include-uncommitted")
	if since == "" && !uncommitted {
		if sel.NeedsChanges() {
			return nil, usageErrorf("%v", selector.ErrNoChangeSet)
		}
		return nil, nil
	}
	opts := changes.Options{
		PipelinesDir:       p.Root,
		Since:              since,
		IncludeUncommitted: uncommitted,
		TableOf:            tableOfPath(p),
	}
	if r := c.String("repo"); r != "" {
		opts.RepoDir = e.abs(r)
	}
	cs, err := changes.Compute(c.Context, opts)
	if err != nil {
		return nil, err
	}
	log := e.logger(c)
	for _, w := range cs.Warnings {
		log.Warn(w)
	}
	return cs, nil
}

// tableOfPath maps a path relative to the pipelines root to the table whose
// folder holds it: a walk up the path's folders, O(depth) per call.
func tableOfPath(p *pipeline.Project) func(string) string {
	byFolder := make(map[string]string, len(p.Tables))
	for _, t := range p.Tables {
		if t.Folder != "" {
			byFolder[t.Folder] = t.Name
		}
	}
	return func(rel string) string {
		for d := path.Dir(rel); d != "." && d != "/" && d != ""; d = path.Dir(d) {
			if n, ok := byFolder[d]; ok {
				return n
			}
		}
		return ""
	}
}

// selectTables evaluates the selection flags on the graph. A syntax error
// or a state: selector without --since is a usage error (exit 2); names
// that match nothing exit 1 with suggestions.
func (e *Env) selectTables(c *ucli.Context, p *pipeline.Project, g *dag.Graph) (selector.Selection, selector.Result, *changes.ChangeSet, error) {
	sel := e.selectionFrom(c)
	cs, err := e.selectionChangeSet(c, p, sel)
	if err != nil {
		return sel, selector.Result{}, nil, err
	}
	res, err := selector.Select(g, sel, cs)
	var se *selector.SyntaxError
	switch {
	case errors.As(err, &se):
		return sel, res, cs, usageErrorf("%v", err)
	case errors.Is(err, selector.ErrNoChangeSet):
		return sel, res, cs, usageErrorf("%v", err)
	}
	return sel, res, cs, err
}
