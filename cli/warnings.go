package cli

import (
	"fmt"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/workspace"
)

// quietFlag silences warnings. It is both global (`shiftleft --quiet
// pipeline graph`) and declared by every command that scans the project.
func quietFlag() ucli.Flag {
	return &ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print no warnings (errors still print)"}
}

// flagOn says whether a boolean flag is on at the command's level or at
// any level above it: urfave's c.Bool stops at the first level that
// declares the flag, so `shiftleft --quiet pipeline graph` would read the
// command's own, unset, --quiet.
func flagOn(c *ucli.Context, name string) bool {
	for _, x := range c.Lineage() {
		if x.Bool(name) {
			return true
		}
	}
	return false
}

// keepWarnings remembers a workspace the command opened, so that its scan
// warnings print once when the command ends (showWarnings).
func (e *Env) keepWarnings(c *ucli.Context, ws *workspace.Workspace) {
	e.opened = append(e.opened, ws)
	e.verbose = e.verbose || flagOn(c, "verbose")
	e.quiet = e.quiet || flagOn(c, "quiet")
}

// showWarnings prints the scan warnings about the tables the command
// worked on (every warning with --verbose, none with --quiet), each once,
// then one line counting the others.
func (e *Env) showWarnings() {
	if e.quiet {
		return
	}
	seen := map[string]bool{}
	others := 0
	for _, ws := range e.opened {
		shown, n := ws.WarningsInPlay()
		if e.verbose {
			shown, n = ws.Warnings, 0
		}
		for _, w := range shown {
			if s := w.String(); !seen[s] {
				seen[s] = true
				fmt.Fprintf(e.Stderr, "shiftleft: warning: %s\n", s)
			}
		}
		others += n
	}
	if others > 0 {
		fmt.Fprintf(e.Stderr, "shiftleft: %s about tables this command did not work on: --verbose\n", plural(others, "more warning"))
	}
}
