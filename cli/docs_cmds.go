package cli

import (
	"fmt"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/workspace"
)

// docsCommands are the `shiftleft docs …` subcommands: the data catalog.
func docsCommands(e *Env) []*ucli.Command {
	return []*ucli.Command{docsGenerateCommand(e), docsServeCommand(e)}
}

func resultsFlag() ucli.Flag {
	return &ucli.StringFlag{Name: "results", Usage: "quality results of 'shiftleft product check' (JSON) whose statuses the rules show"}
}

func docsGenerateCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "generate",
		Usage:     "write the data catalog: one self-contained HTML page of products, tables, SQL and lineage",
		UsageText: "shiftleft docs generate [--pipelines DIR] [--out DIR] [--results FILE] [--target T --environment ENV]",
		// The target flags choose the release document whose live
		// versions the ports name (default: the local target's).
		Flags: concatFlags(pipelinesFlags(), []ucli.Flag{resultsFlag(),
			&ucli.StringFlag{Name: "out", Usage: "folder of index.html (default: .shiftleft/catalog beside the pipelines folder)"}}, targetFlags()),
		Action: func(c *ucli.Context) error {
			if _, err := args(c, 0); err != nil {
				return err
			}
			ws, err := e.open(c, keepSQL)
			if err != nil {
				return err
			}
			res, err := ws.GenerateCatalog(c.Context, workspace.CatalogRequest{OutDir: c.String("out"), ResultsPath: c.String("results")})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.Stderr, "Catalog of %s and %s (%d KiB).\n", plural(res.Tables, "table"), plural(res.Products, "product"), (res.Bytes+1023)/1024)
			// The path alone on stdout, for scripts: open "$(shiftleft docs generate)".
			fmt.Fprintln(e.Stdout, res.Path)
			return nil
		},
	}
}

func docsServeCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "serve",
		Usage:     "serve the data catalog on a loopback address until Ctrl-C",
		UsageText: "shiftleft docs serve [--pipelines DIR] [--addr 127.0.0.1:0] [--results FILE] [--target T --environment ENV]",
		Flags: concatFlags(pipelinesFlags(), []ucli.Flag{resultsFlag(),
			&ucli.StringFlag{Name: "addr", Value: "127.0.0.1:0", Usage: "loopback host:port to listen on (port 0 picks a free one)"}}, targetFlags()),
		Action: func(c *ucli.Context) error {
			if _, err := args(c, 0); err != nil {
				return err
			}
			ws, err := e.open(c, keepSQL)
			if err != nil {
				return err
			}
			return ws.ServeCatalog(c.Context, workspace.ServeCatalogRequest{
				Addr: c.String("addr"), ResultsPath: c.String("results"),
				Ready: func(url string) {
					fmt.Fprintf(e.Stdout, "Serving the catalog at %s (Ctrl-C stops)\n", url)
				},
			})
		},
	}
}
