package cli

import (
	"fmt"
	"regexp"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/selector"
)

// unknownTable is the error for a table name that is not in the project,
// with up to five close names.
func unknownTable(names []string, name string) error {
	if s := selector.Suggest(name, names, 5); len(s) > 0 {
		return fmt.Errorf("no table named %s; did you mean %s?", name, strings.Join(s, ", "))
	}
	return fmt.Errorf("no table named %s in the project; 'shiftleft pipeline graph' lists them", name)
}

// commandPath is the command as typed after the program name, e.g.
// "pipeline graph" ("" for the program itself).
func commandPath(c *ucli.Context) string {
	var names []string
	for _, x := range c.Lineage() {
		if x.Command != nil && x.Command.Name != "" && (x.App == nil || x.Command.Name != x.App.Name) {
			names = append([]string{x.Command.Name}, names...)
		}
	}
	return strings.Join(names, " ")
}

// unknownCommand is the error for a subcommand that does not exist, with
// the close ones, and the help that lists them.
func unknownCommand(c *ucli.Context, name string) error {
	parent := commandPath(c)
	var subs []*ucli.Command
	if c.Command != nil && parent != "" {
		subs = c.Command.Subcommands
	} else if c.App != nil {
		subs = c.App.Commands
	}
	var names []string
	for _, s := range subs {
		if !s.Hidden {
			names = append(names, s.Names()...)
		}
	}
	help := helpOf(parent)
	if s := selector.Suggest(name, names, 3); len(s) > 0 {
		for i := range s {
			s[i] = "'" + strings.TrimSpace(parent+" "+s[i]) + "'"
		}
		return usageErrorf("unknown command %q: did you mean %s? ('%s' lists them)", name, strings.Join(s, " or "), help)
	}
	return usageErrorf("unknown command %q: run '%s' for the list", name, help)
}

// undefinedFlag finds the flag name in urfave's "flag provided but not
// defined: -x" (it prints one dash whatever was typed).
var undefinedFlag = regexp.MustCompile(`flag provided but not defined: -+([^\s=]+)`)

// unknownFlag is the error for a flag the command does not declare, with
// the close names among the command's visible flags and its help.
func unknownFlag(c *ucli.Context, name string) error {
	name = strings.TrimLeft(name, "-")
	var names []string
	if c.Command != nil {
		for _, f := range c.Command.Flags {
			if vf, ok := f.(ucli.VisibleFlag); ok && !vf.IsVisible() {
				continue
			}
			names = append(names, f.Names()...)
		}
	}
	help := helpOf(commandPath(c))
	if s := selector.Suggest(name, names, 3); len(s) > 0 {
		for i := range s {
			s[i] = dashes(s[i])
		}
		return usageErrorf("unknown flag %s: did you mean %s? (see '%s')", dashes(name), strings.Join(s, " or "), help)
	}
	return usageErrorf("unknown flag %s (see '%s')", dashes(name), help)
}

// helpOf is the help command of a command path.
func helpOf(path string) string {
	return strings.Join(strings.Fields("shiftleft "+path+" --help"), " ")
}

// dashes writes a flag name as it is typed: -o, --format.
func dashes(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}
