package cli

import (
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/selector"
	"github.com/shiftleft-dev/shiftleft/workspace"
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

// selectionFrom reads the selection flags and the change set flags.
// Paths are resolved against the working directory; --dir is resolved by
// the selector (working directory first, then the pipelines folder).
func (e *Env) selectionFrom(c *ucli.Context) workspace.Selection {
	s := workspace.Selection{
		Selection: selector.Selection{
			Select:       multi(c, "select", "s"),
			Exclude:      multi(c, "exclude"),
			TableNames:   multi(c, "table-name"),
			ProductNames: multi(c, "product-name"),
			Dirs:         multi(c, "dir"),
			Root:         e.pipelinesDir(c),
			WorkDir:      e.Dir,
		},
		Since:              c.String("since"),
		IncludeUncommitted: c.Bool("include-uncommitted"),
	}
	if f := c.String("table-list-file-name"); f != "" {
		s.TableListFile = e.abs(f)
	}
	if f := c.String("exclude-table-file-name"); f != "" {
		s.ExcludeTableFile = e.abs(f)
	}
	if r := c.String("repo"); r != "" {
		s.RepoDir = e.abs(r)
	}
	return s
}
