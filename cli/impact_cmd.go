package cli

import (
	"fmt"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/impact"
	"github.com/shiftleft-dev/shiftleft/render"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// ExitImpact is the exit code of `impact --fail-on-impact` when a table is
// impacted.
const ExitImpact = 3

func impactCommand(e *Env) *ucli.Command {
	formats := impact.Formats
	return &ucli.Command{
		Name:  "impact",
		Usage: "list the tables downstream of a change (git --since REF) or of a selection (--select), with the action a deploy would need",
		UsageText: "shiftleft pipeline impact [--since REF [--include-uncommitted] [--repo DIR] | --select EXPR ...]\n" +
			"   [--format table|json|markdown|mermaid|dot] [--max-depth N] [--fail-on-impact] [--fail-on-breaking-contract]",
		Flags: append(append(pipelinesFlags(), selectionFlags()...), formatFlag(formats...),
			&ucli.IntFlag{Name: "max-depth", Usage: "only list impacted tables up to N edges from a change (0 = all)"},
			&ucli.BoolFlag{Name: "fail-on-impact", Usage: "exit with code 3 when any table is impacted (for CI gates)"},
			&ucli.BoolFlag{Name: "fail-on-breaking-contract", Usage: "exit with code 3 when a breaking schema change touches an output port of a data product (products/<product>.yaml)"}),
		Action: func(c *ucli.Context) error {
			_, f, err := argsFormat(c, 0, formats)
			if err != nil {
				return err
			}
			if c.Int("max-depth") < 0 {
				return usageErrorf("--max-depth %d: give 0 (no limit) or a positive number", c.Int("max-depth"))
			}
			sel := e.selectionFrom(c)
			if sel.IsEmpty() && !sel.HasChangeSet() {
				return usageErrorf("give the change: --since REF (git), --include-uncommitted, or --select EXPR (tables)")
			}
			ws, err := e.open(c, readConfig)
			if err != nil {
				return err
			}
			rep, err := ws.Impact(c.Context, workspace.ImpactRequest{Selection: sel, MaxDepth: c.Int("max-depth")})
			if err != nil {
				return err
			}
			if err := ws.AddContracts(c.Context, rep); err != nil {
				// The gate fails closed; a report without it still prints.
				if c.Bool("fail-on-breaking-contract") {
					return err
				}
				if !flagOn(c, "quiet") {
					fmt.Fprintf(e.Stderr, "shiftleft: warning: contracts of data products not checked: %v\n", err)
				}
			}
			if err := rep.Write(e.Stdout, f, render.StyleFor(e.StdoutIsTerminal)); err != nil {
				return err
			}
			if f == "table" {
				if err := rep.WriteContracts(e.Stdout, render.StyleFor(e.StdoutIsTerminal)); err != nil {
					return err
				}
			}
			if broken := impact.BreakingContracts(rep.Contracts); c.Bool("fail-on-breaking-contract") && len(broken) > 0 {
				return &ExitError{Code: ExitImpact, Err: breakingContractsError(broken)}
			}
			if c.Bool("fail-on-impact") && len(rep.Impacted) > 0 {
				return &ExitError{Code: ExitImpact}
			}
			return nil
		},
	}
}

// breakingContractsError names each broken port, its product and who
// consumes it.
func breakingContractsError(broken []impact.Contract) error {
	lines := make([]string, len(broken))
	for i, c := range broken {
		product := c.Product
		if c.ProductID != "" {
			product = c.ProductID + " (" + c.Product + ")"
		}
		consumers := strings.Join(c.ConsumersOf(), ", ")
		if consumers == "" {
			consumers = "no declared consumer"
		}
		lines[i] = fmt.Sprintf("  %s: output port %s of %s, consumed by %s: %s", c.Change, c.Port, product, consumers, strings.Join(c.Reasons, "; "))
	}
	return fmt.Errorf("%s to the output ports of data products:\n%s", plural(len(broken), "breaking change"), strings.Join(lines, "\n"))
}
