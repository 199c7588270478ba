package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/pipeline"
)

func tableInitCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:  "init",
		Usage: "create a table folder with DDL and DML templates (shift_left's table init)",
		UsageText: "shiftleft table init NAME --layer sources|intermediates|dimensions|facts|views|seeds [--product P]\n" +
			"   [--from TABLE ...] [--pipelines DIR]",
		Flags: concatFlags(pipelinesFlags(), []ucli.Flag{
			&ucli.StringFlag{Name: "layer", Usage: "layer folder: sources, intermediates, dimensions, facts, views or seeds"},
			&ucli.StringFlag{Name: "product", Usage: "product folder (default: none)"},
			&ucli.StringSliceFlag{Name: "from", Usage: "a table the DML reads (repeatable); without any, the table is DDL only"},
		}),
		Action: func(c *ucli.Context) error {
			a, err := args(c, 1, "NAME")
			if err != nil {
				return err
			}
			if c.String("layer") == "" {
				return usageErrorf("give the table's layer: --layer sources, intermediates, dimensions, facts, views or seeds")
			}
			nt := pipeline.NewTable{Name: a[0], Layer: c.String("layer"), Product: c.String("product"), Reads: c.StringSlice("from")}
			root := e.pipelinesDir(c)
			// An existing project is checked first: the name must be new,
			// and tables read should be known.
			if _, err := os.Stat(root); err == nil {
				ws, err := e.open(c, projectOnly)
				if err != nil {
					return err
				}
				p := ws.Project
				if t := p.Table(nt.Name); t != nil {
					return usageErrorf("table %s already exists in %s: pick another name", nt.Name, path.Join(e.rel(root), t.Folder))
				}
				for _, r := range nt.Reads {
					if p.Table(r) == nil {
						e.logger(c).Warn(fmt.Sprintf("%s reads %s, which is not a table of the project: create it, or list it in %s if it exists outside", nt.Name, r, pipeline.ExternalTablesFile))
					}
				}
			} else if !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("pipelines folder: %w", err)
			}
			rel, files, err := pipeline.CreateTableFolder(root, nt)
			if err != nil {
				return usageErrorf("%v", err)
			}
			fmt.Fprintf(e.Stdout, "created %s/\n", path.Join(e.rel(root), rel))
			for _, f := range files {
				fmt.Fprintf(e.Stdout, "  %s\n", f)
			}
			fmt.Fprintf(e.Stdout, "Edit the SQL, then review: shiftleft pipeline build-execution-plan --select %s\n", nt.Name)
			return nil
		},
	}
}
