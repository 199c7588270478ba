package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/changes"
)

// listModifiedOptions are the inputs of `project list-modified-files`.
type listModifiedOptions struct {
	Changes    changes.Options
	FileFilter string
	Format     string
	Verbose    bool
}

func listModifiedFilesCommand(e *Env) *ucli.Command {
	formats := []string{"text", "json"}
	return &ucli.Command{
		Name:  "list-modified-files",
		Usage: "list the files changed under the pipelines folder since a git revision, with their table and change kind (reads git only: nothing is checked out)",
		UsageText: "shiftleft project list-modified-files --since REF|--branch-name BRANCH [--include-uncommitted] [--repo DIR]\n" +
			"   [--file-filter .sql] [--format text|json] [--verbose]\n\n" +
			"REF is a branch, tag, remote branch (origin/main), commit, HEAD~N or a date (2026-11-01:\n" +
			"the last commit of HEAD's first-parent line before that day, 00:00 UTC). The change set is\n" +
			"merge-base(REF, HEAD)..HEAD. Kinds: ddl, dml, added, deleted, renamed (table folders), and\n" +
			"other (tests, Makefile, generated files; shown with --verbose).",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "pipelines", Usage: "pipelines folder (default: $PIPELINES, else ./pipelines)"},
			&ucli.StringFlag{Name: "since", Usage: "base revision: branch, tag, remote branch, commit, HEAD~N or date YYYY-MM-DD"},
			&ucli.StringFlag{Name: "branch-name", Usage: "base branch, as shift_left's BRANCH argument (also accepted as the first argument): the same as --since BRANCH"},
			&ucli.BoolFlag{Name: "include-uncommitted", Usage: "also list the edits not yet committed (staged or not) under the pipelines folder"},
			&ucli.StringFlag{Name: "repo", Usage: "git repository (default: found from the pipelines folder upward)"},
			&ucli.StringFlag{Name: "file-filter", Usage: "only list files whose path contains this text, e.g. .sql"},
			formatFlag(formats...),
			&ucli.BoolFlag{Name: "verbose", Usage: "also list files of kind other and the schema change of each DDL change"},
		},
		Action: func(c *ucli.Context) error {
			_, f, err := argsFormat(c, 0, formats)
			if err != nil {
				return err
			}
			since := c.String("since")
			if b := c.String("branch-name"); b != "" {
				if since != "" && since != b {
					return usageErrorf("--branch-name %s and --since %s: the change set has one base revision, give one of them", b, since)
				}
				since = b
			}
			if since == "" && !c.Bool("include-uncommitted") {
				return usageErrorf("give the base revision with --since REF (or --include-uncommitted for the edits not yet committed)")
			}
			opts := listModifiedOptions{
				Changes: changes.Options{
					PipelinesDir:       e.pipelinesDir(c),
					Since:              since,
					IncludeUncommitted: c.Bool("include-uncommitted"),
				},
				FileFilter: c.String("file-filter"),
				Format:     f,
				Verbose:    c.Bool("verbose"),
			}
			if r := c.String("repo"); r != "" {
				opts.Changes.RepoDir = e.abs(r)
			}
			return e.runListModified(c, opts)
		},
	}
}

func (e *Env) runListModified(c *ucli.Context, opts listModifiedOptions) error {
	cs, err := changes.Compute(c.Context, opts.Changes)
	if err != nil {
		return err
	}
	log := e.logger(c)
	for _, w := range cs.Warnings {
		log.Warn(w)
	}
	files := cs.Files[:0:0]
	for _, f := range cs.Files {
		if opts.FileFilter == "" || strings.Contains(f.Path, opts.FileFilter) {
			files = append(files, f)
		}
	}
	if opts.Format == "json" {
		// JSON keeps every kind (consumers filter on "kind"); the file
		// filter applies.
		out := *cs
		out.Files = files
		return writeJSON(e.Stdout, out)
	}
	return writeModifiedText(e.Stdout, cs, files, opts.Verbose)
}

// writeModifiedText prints one line per file (kind, action, table, path),
// then one summary line.
func writeModifiedText(w io.Writer, cs *changes.ChangeSet, files []changes.FileChange, verbose bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	shown, hidden := 0, 0
	tables := map[string]bool{}
	for _, f := range files {
		if f.Kind == changes.KindOther && !verbose {
			hidden++
			continue
		}
		shown++
		if f.Table != "" {
			tables[f.Table] = true
		}
		table := f.Table
		if table == "" {
			table = "-"
		}
		p := f.Path
		if f.Action == changes.ActionRenamed {
			p += " (from " + f.OldPath + ")"
		}
		if f.Uncommitted {
			p += " (uncommitted)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Kind, f.Action, table, p)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if verbose {
		for _, t := range cs.Tables {
			if t.Schema != nil {
				fmt.Fprintf(w, "schema of %s: %s", t.Table, t.Schema.Category)
				if len(t.Schema.Reasons) > 0 {
					fmt.Fprintf(w, " (%s)", strings.Join(t.Schema.Reasons, "; "))
				}
				fmt.Fprintln(w)
			}
		}
	}
	summary := fmt.Sprintf("%s in %s changed", plural(shown, "file"), plural(len(tables), "table"))
	switch {
	case cs.BaseRef != "" && cs.Base != "":
		summary += fmt.Sprintf(" since %s (base %s)", cs.BaseRef, cs.Base[:12])
	case cs.BaseRef != "":
		summary += fmt.Sprintf(" since %s (before the first commit)", cs.BaseRef)
	default:
		summary += " since HEAD"
	}
	if hidden > 0 {
		summary += fmt.Sprintf("; %s of kind other not shown (--verbose)", plural(hidden, "file"))
	}
	_, err := fmt.Fprintln(w, summary+".")
	return err
}
