package cli

import (
	"context"
	"fmt"

	ucli "github.com/urfave/cli/v2"
)

// shift_left's flags and positional arguments, so its users' habits and
// scripts work: the ones with a meaning here are accepted (as aliases,
// hidden flags or positional arguments), the others stop the command with
// what to use instead. Read from shift_left 0.1.52's cli_commands.

// rejecter is a shift_left flag without a meaning here.
type rejecter interface{ rejection() error }

// rejectedBool and rejectedValue are hidden flags that fail the command
// with a hint when given (checkRejected, positional).
type rejectedBool struct {
	*ucli.BoolFlag
	hint string
}

type rejectedValue struct {
	*ucli.StringFlag
	hint string
}

func (f *rejectedBool) rejection() error  { return rejection(f.Name, f.hint) }
func (f *rejectedValue) rejection() error { return rejection(f.Name, f.hint) }

func rejection(name, hint string) error {
	return usageErrorf("--%s is a shift_left flag with no meaning in shiftleft: %s", name, hint)
}

func rejectBool(name, hint string) ucli.Flag {
	return &rejectedBool{&ucli.BoolFlag{Name: name, Hidden: true}, hint}
}

func rejectValue(name, hint string) ucli.Flag {
	return &rejectedValue{&ucli.StringFlag{Name: name, Hidden: true}, hint}
}

// acceptBool is a shift_left switch that asks for what shiftleft does
// anyway: accepted, hidden, without effect.
func acceptBool(name string) ucli.Flag { return &ucli.BoolFlag{Name: name, Hidden: true} }

// shiftLeftFlags are the extra flags of a command, by its path.
func shiftLeftFlags(path string) []ucli.Flag {
	version := rejectValue("version", "table names are not versioned here; change the table's SQL and deploy: the plan recreates what must be recreated and restarts what reads it")
	switch path {
	case "pipeline report":
		return []ucli.Flag{
			acceptBool("parent-only"), // the report shows the parents by default
			rejectBool("open", "the report draws no HTML page; use --format mermaid (rendered by GitHub and most editors) or --format dot"),
		}
	case "pipeline deploy":
		return []ucli.Flag{acceptBool("parallel"), version}
	case "pipeline build-execution-plan":
		return []ucli.Flag{acceptBool("parallel")}
	case "pipeline undeploy":
		return []ucli.Flag{rejectBool("cross-product", "undeploy drops the selected tables whatever their product; widen the selection instead, e.g. --select 'table+' or --select product:A --select product:B")}
	case "pipeline report-running-statements":
		return []ucli.Flag{rejectValue("from-date", "there are no metrics to report; the AGE column (created_at with --format json) says when each statement started")}
	case "project list-modified-files":
		return []ucli.Flag{rejectValue("baseline", "DDL changes always compare the file at the base revision (merge-base of --since or --branch-name with HEAD) with HEAD's")}
	case "project housekeep-statements":
		return []ucli.Flag{
			rejectValue("age", "use --older-than with a unit: --older-than 7d"),
			rejectValue("action", "housekeep-statements deletes (with --yes); to stop a table's statements use 'shiftleft pipeline undeploy'"),
			rejectValue("statement-name", "use --prefix NAME"),
			rejectValue("compute-pool-id", "statements are chosen by --status, --older-than and --prefix"),
		}
	}
	return nil
}

// shiftLeftAliases are shift_left's names of flags shiftleft has under
// another name: alias → flag, by command path.
func shiftLeftAliases(path string) map[string]string {
	switch path {
	case "project list-modified-files":
		return map[string]string{"project-path": "repo"}
	case "project housekeep-statements":
		return map[string]string{"starts-with": "prefix"}
	case "table init":
		return map[string]string{"product-name": "product"}
	}
	return nil
}

// shiftLeftArgs are the flags shift_left's positional arguments set, in
// order, for commands that take no positional argument of their own:
// `build-all-metadata $PIPELINES`, `healthcheck PRODUCT $PIPELINES`,
// `list-modified-files BRANCH`.
func shiftLeftArgs(path string) []string {
	switch path {
	case "pipeline build-all-metadata", "pipeline delete-all-metadata", "table build-inventory",
		"pipeline build-execution-plan", "pipeline deploy", "pipeline undeploy",
		"pipeline report-running-statements":
		return []string{"pipelines"}
	case "pipeline healthcheck":
		return []string{"product-name", "pipelines"}
	case "project list-modified-files":
		return []string{"branch-name"}
	}
	return nil
}

// addShiftLeft gives every command its shift_left flags and aliases and,
// before it runs, checks that no rejected flag was given and applies the
// flags and shift_left arguments found among its arguments (parseArgs).
func addShiftLeft(cmds []*ucli.Command, parent string) {
	for _, c := range cmds {
		path := c.Name
		if parent != "" {
			path = parent + " " + c.Name
		}
		c.Flags = append(c.Flags, shiftLeftFlags(path)...)
		for alias, name := range shiftLeftAliases(path) {
			addAlias(c.Flags, name, alias)
		}
		if c.Action != nil {
			before := c.Before
			flags := c.Flags
			c.Before = func(ctx *ucli.Context) error {
				if err := checkRejected(ctx, flags); err != nil {
					return err
				}
				if err := parseArgs(ctx); err != nil {
					return err
				}
				if before != nil {
					return before(ctx)
				}
				return nil
			}
		}
		addShiftLeft(c.Subcommands, path)
	}
}

func checkRejected(c *ucli.Context, flags []ucli.Flag) error {
	for _, f := range flags {
		if r, ok := f.(rejecter); ok && c.IsSet(f.Names()[0]) {
			return r.rejection()
		}
	}
	return nil
}

// addAlias adds alias to the flag called name. Repeatable (generic) flags
// are left alone: urfave sets a flag's aliases by calling Set again, which
// would append their values twice.
func addAlias(flags []ucli.Flag, name, alias string) {
	for _, f := range flags {
		if f.Names()[0] != name {
			continue
		}
		switch f := f.(type) {
		case *ucli.StringFlag:
			f.Aliases = append(f.Aliases, alias)
		case *ucli.BoolFlag:
			f.Aliases = append(f.Aliases, alias)
		case *ucli.IntFlag:
			f.Aliases = append(f.Aliases, alias)
		default:
			panic(fmt.Sprintf("addAlias: flag --%s is a %T", name, f))
		}
	}
}

// parsedArgs holds, in the command's context, its positional arguments
// once parseArgs has applied the flags found among them.
type parsedArgs struct{ pos []string }

type parsedArgsKey struct{}

// parseArgs applies the flags given after positional arguments, then
// shift_left's positional arguments, before the action reads any flag:
// `deploy $PIPELINES --dry-run` must not deploy. positional then returns
// what is left.
func parseArgs(c *ucli.Context) error {
	pos, err := positional(c)
	if err != nil {
		return err
	}
	if pos, err = shiftLeftPositional(c, pos); err != nil {
		return err
	}
	c.Context = context.WithValue(c.Context, parsedArgsKey{}, parsedArgs{pos})
	return nil
}

// shiftLeftPositional applies shift_left's positional arguments of the
// command (shiftLeftArgs) to their flags and returns those left over. An
// argument that contradicts its flag, given too, is an error.
func shiftLeftPositional(c *ucli.Context, pos []string) ([]string, error) {
	names := shiftLeftArgs(commandPath(c))
	if len(pos) == 0 || len(pos) > len(names) {
		return pos, nil
	}
	for i, v := range pos {
		name := names[i]
		if name == "pipelines" {
			if _, err := shiftLeftPipelinesArg(c, []string{v}); err != nil {
				return nil, err
			}
			continue
		}
		if err := c.Set(name, v); err != nil {
			return nil, usageErrorf("argument %q (--%s): %v", v, name, err)
		}
	}
	return nil, nil
}

// shiftLeftPipelinesArg takes shift_left's trailing pipelines folder off
// the arguments (`report TABLE PIPELINES`) and sets --pipelines.
func shiftLeftPipelinesArg(c *ucli.Context, pos []string) ([]string, error) {
	v := pos[len(pos)-1]
	if prev := c.String("pipelines"); c.IsSet("pipelines") && prev != v {
		return nil, usageErrorf("two pipelines folders: %s (argument) and --pipelines %s; give one", v, prev)
	}
	if err := c.Set("pipelines", v); err != nil {
		return nil, usageErrorf("argument %q (--pipelines): %v", v, err)
	}
	return pos[:len(pos)-1], nil
}
