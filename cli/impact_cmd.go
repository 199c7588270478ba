package cli

import (
	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/impact"
	"github.com/shiftleft-dev/shiftleft/render"
	"github.com/shiftleft-dev/shiftleft/selector"
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
			if sel.IsEmpty() && c.String("since") == "" && !c.Bool("include-uncommitted") {
				return usageErrorf("give the change: --since REF (git), --include-uncommitted, or --select EXPR (tables)")
			}
			p, g, err := e.loadGraph(c)
			if err != nil {
				return err
			}
			_, res, cs, err := e.selectTables(c, p, g)
			if err != nil {
				return err
			}
			var changed []impact.Changed
			if sel.IsEmpty() {
				changed = withoutExcluded(impact.FromChangeSet(cs), res.Excluded)
			} else {
				changed = changedOfSelection(res, cs)
			}
			rep := impact.Analyze(g, changed, impact.Options{MaxDepth: c.Int("max-depth")})
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

// changedOfSelection marks the selected tables as changed, with their kind
// from the change set when there is one (so `--since main --select
// state:modified.ddl` keeps the schema classification), and the tables
// selected by state:deleted as deleted.
func changedOfSelection(res selector.Result, cs *changes.ChangeSet) []impact.Changed {
	known := map[string]impact.Changed{}
	for _, c := range impact.FromChangeSet(cs) {
		known[c.Table] = c
	}
	var out []impact.Changed
	for _, t := range res.Selected {
		if c, ok := known[t]; ok {
			out = append(out, c)
			continue
		}
		out = append(out, impact.Changed{Table: t, Change: impact.ChangeSelected})
	}
	for _, t := range res.Deleted {
		out = append(out, impact.Changed{Table: t, Change: string(changes.KindDeleted)})
	}
	return out
}

// withoutExcluded drops the changed tables that --exclude removed.
func withoutExcluded(changed []impact.Changed, excluded []string) []impact.Changed {
	drop := make(map[string]bool, len(excluded))
	for _, t := range excluded {
		drop[t] = true
	}
	out := changed[:0:0]
	for _, c := range changed {
		if !drop[c.Table] {
			out = append(out, c)
		}
	}
	return out
}
