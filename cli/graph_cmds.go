package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/internal/atomicfile"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/render"
	"github.com/shiftleft-dev/shiftleft/report"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

func graphCommand(e *Env) *ucli.Command {
	formats := []string{"table", "json", "dot", "mermaid"}
	return &ucli.Command{
		Name:      "graph",
		Usage:     "print the dependency graph of the pipelines",
		UsageText: "shiftleft pipeline graph [--pipelines DIR] [--format table|json|dot|mermaid] [--select EXPR] [--exclude EXPR] [--target T --environment ENV]",
		// The target flags choose the release document whose live
		// versions the graph names (default: the local target's).
		Flags: concatFlags(pipelinesFlags(), []ucli.Flag{formatFlag(formats...)}, selectionFlags(), targetFlags()),
		Action: func(c *ucli.Context) error {
			_, f, ws, err := e.openArgsFormat(c, 0, formats, nil)
			if err != nil {
				return err
			}
			g := ws.Graph
			// Only the selected tables are drawn (all without selection flags).
			res, err := ws.Select(c.Context, e.selectionFrom(c))
			if err != nil {
				return err
			}
			var only map[string]bool
			if len(res.Selected) != g.Len() {
				only = make(map[string]bool, len(res.Selected))
				for _, n := range res.Selected {
					only[n] = true
				}
			}
			live, err := ws.ProjectLive(c.Context)
			if err != nil {
				return err
			}
			doc := report.Graph(g, only).WithLive(live.Name)
			switch f {
			case "json":
				return doc.WriteJSON(e.Stdout)
			case "dot":
				return doc.Diagram().DOT(e.Stdout)
			case "mermaid":
				return doc.Diagram().Mermaid(e.Stdout)
			}
			return doc.WriteTable(e.Stdout, render.StyleFor(e.StdoutIsTerminal))
		},
	}
}

func reportCommand(e *Env) *ucli.Command {
	formats := []string{"tree", "json", "yaml", "dot", "mermaid"}
	return &ucli.Command{
		Name:      "report",
		Usage:     "show a table's ancestors (and descendants) without calling any target",
		UsageText: "shiftleft pipeline report [--children-too] [--format tree|json|yaml|dot|mermaid] [--output-file-name FILE] TABLE [PIPELINES]\n   shiftleft pipeline report [--children-too] --select EXPR ...",
		Flags: append(append(pipelinesFlags(), formatFlag(formats...),
			&ucli.BoolFlag{Name: "json", Usage: "same as --format json (shift_left)"},
			&ucli.BoolFlag{Name: "yaml", Usage: "same as --format yaml (shift_left)"},
			&ucli.StringFlag{Name: "output-file-name", Usage: "write the report to FILE instead of stdout"},
			&ucli.BoolFlag{Name: "children-too", Usage: "also show the table's descendants"}), selectionFlags()...),
		Action: func(c *ucli.Context) error {
			a, err := positional(c)
			if err != nil {
				return err
			}
			// shift_left's `report TABLE PIPELINES`.
			if len(a) == 2 {
				if a, err = shiftLeftPipelinesArg(c, a); err != nil {
					return err
				}
			}
			f, err := reportFormat(c, formats)
			if err != nil {
				return err
			}
			bySelection := !e.selectionFrom(c).IsEmpty()
			switch {
			case bySelection && len(a) > 0:
				return usageErrorf("give a TABLE or a selection, not both")
			case !bySelection && len(a) != 1:
				return usageErrorf("expected 1 argument: TABLE (or a selection with --select)")
			}
			ws, err := e.open(c)
			if err != nil {
				return err
			}
			g := ws.Graph
			tables := a
			if bySelection {
				res, err := ws.Select(c.Context, e.selectionFrom(c))
				if err != nil {
					return err
				}
				tables = res.Selected
			} else if !g.Has(a[0]) {
				return unknownTable(g.Names(), a[0])
			}
			if out := c.String("output-file-name"); out != "" {
				return e.writeFile(out, func(w io.Writer) error {
					return writeLineages(e, w, ws, tables, f, c.Bool("children-too"))
				})
			}
			return writeLineages(e, e.Stdout, ws, tables, f, c.Bool("children-too"))
		},
	}
}

// reportFormat is --format, or shift_left's --json or --yaml.
func reportFormat(c *ucli.Context, formats []string) (string, error) {
	f, err := format(c, formats...)
	if err != nil {
		return "", err
	}
	var alt string
	switch {
	case c.Bool("json") && c.Bool("yaml"):
		return "", usageErrorf("give one of --json and --yaml")
	case c.Bool("json"):
		alt = "json"
	case c.Bool("yaml"):
		alt = "yaml"
	default:
		return f, nil
	}
	if c.IsSet("format") && f != alt {
		return "", usageErrorf("--%s and --format %s disagree: give one", alt, f)
	}
	return alt, nil
}

// writeLineages renders one lineage per table: trees one after the
// other; JSON and YAML one document (an array for several tables); DOT and
// Mermaid one diagram per table.
func writeLineages(e *Env, w io.Writer, ws *workspace.Workspace, tables []string, f string, childrenToo bool) error {
	ls := make([]report.Lineage, len(tables))
	for i, t := range tables {
		ls[i] = report.LineageOf(ws.Graph, t, childrenToo)
		// The report is about the lineage: its tables' warnings matter.
		ws.WorkOn(t)
		for _, a := range append(ls[i].Ancestors, ls[i].Descendants...) {
			ws.WorkOn(a.Name)
		}
	}
	if len(ls) > 1 && (f == "json" || f == "yaml") {
		return report.WriteLineages(w, ls, f)
	}
	for i, l := range ls {
		if i > 0 && (f == "tree" || f == "dot" || f == "mermaid") {
			fmt.Fprintln(w)
		}
		var err error
		switch f {
		case "json":
			err = l.WriteJSON(w)
		case "yaml":
			err = l.WriteYAML(w)
		case "dot":
			err = l.Diagram().DOT(w)
		case "mermaid":
			err = l.Diagram().Mermaid(w)
		default:
			err = l.WriteTree(w)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func buildInventoryCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "build-inventory",
		Usage:     "write inventory.json in the pipelines folder (shift_left format)",
		UsageText: "shiftleft table build-inventory [--pipelines DIR]",
		Flags:     pipelinesFlags(),
		Action: func(c *ucli.Context) error {
			if _, err := args(c, 0); err != nil {
				return err
			}
			ws, err := e.open(c, projectOnly)
			if err != nil {
				return err
			}
			p := ws.Project
			dst, err := p.WriteInventory()
			if err != nil {
				return err
			}
			fmt.Fprintf(e.Stdout, "wrote %s (%s)\n", e.rel(dst), plural(len(p.Tables), "table"))
			return nil
		},
	}
}

func buildAllMetadataCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "build-all-metadata",
		Usage:     "rewrite pipeline_definition.json in every table folder from scratch",
		UsageText: "shiftleft pipeline build-all-metadata [--pipelines DIR]",
		Flags:     pipelinesFlags(),
		Action: func(c *ucli.Context) error {
			if _, err := args(c, 0); err != nil {
				return err
			}
			ws, err := e.open(c)
			if err != nil {
				return err
			}
			p := ws.Project
			written, err := p.WriteDefinitions(c.Context, ws.Graph.Children)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.Stdout, "wrote %s in %s\n", plural(len(written), "pipeline definition"), e.rel(p.Root))
			return nil
		},
	}
}

func deleteAllMetadataCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "delete-all-metadata",
		Usage:     "remove every pipeline_definition.json under the pipelines folder",
		UsageText: "shiftleft pipeline delete-all-metadata [--pipelines DIR]",
		Flags:     pipelinesFlags(),
		Action: func(c *ucli.Context) error {
			if _, err := args(c, 0); err != nil {
				return err
			}
			root := e.pipelinesDir(c)
			removed, err := pipeline.DeleteDefinitions(c.Context, root)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.Stdout, "removed %s from %s\n", plural(len(removed), "pipeline definition"), e.rel(root))
			return nil
		},
	}
}

// writeFile writes what write renders to a file (relative to the working
// directory), all or nothing, and says where.
func (e *Env) writeFile(path string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	dst := e.abs(path)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := atomicfile.Write(dst, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.Stderr, "wrote %s\n", e.rel(dst))
	return nil
}

// rel shows a path relative to the working directory when it is below it.
func (e *Env) rel(p string) string {
	if r, err := filepath.Rel(e.Dir, p); err == nil && r != ".." && !filepath.IsAbs(r) && len(r) < len(p) && (len(r) < 3 || r[:3] != "../") {
		return r
	}
	return p
}
