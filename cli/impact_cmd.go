package cli

import (
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
			"   [--format table|json|markdown|mermaid|dot] [--max-depth N] [--fail-on-impact]",
		Flags: append(append(pipelinesFlags(), selectionFlags()...), formatFlag(formats...),
			&ucli.IntFlag{Name: "max-depth", Usage: "only list impacted tables up to N edges from a change (0 = all)"},
			&ucli.BoolFlag{Name: "fail-on-impact", Usage: "exit with code 3 when any table is impacted (for CI gates)"}),
		Action: func(c *ucli.Context) error {
			if _, err := args(c, 0); err != nil {
				return err
			}
			f, err := format(c, formats...)
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
			ws, err := e.open(c)
			if err != nil {
				return err
			}
			rep, err := ws.Impact(c.Context, workspace.ImpactRequest{Selection: sel, MaxDepth: c.Int("max-depth")})
			if err != nil {
				return err
			}
			if err := rep.Write(e.Stdout, f, render.StyleFor(e.StdoutIsTerminal)); err != nil {
				return err
			}
			if c.Bool("fail-on-impact") && len(rep.Impacted) > 0 {
				return &ExitError{Code: ExitImpact}
			}
			return nil
		},
	}
}

