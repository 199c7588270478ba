package cli

import (
	"fmt"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// Flags shared by every command that reads the pipelines tree.
func pipelinesFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "pipelines", Usage: "pipelines folder (default: $PIPELINES, else ./pipelines, else . when it holds layer folders)"},
		&ucli.BoolFlag{Name: "strict", Usage: "treat references to tables outside the project as errors"},
		&ucli.BoolFlag{Name: "verbose", Usage: "log more detail on stderr, and every warning of the scan"},
		quietFlag(),
	}
}

// pipelinesDir is --pipelines, else $PIPELINES, else ./pipelines, else
// the working folder when it is a pipelines folder itself.
func (e *Env) pipelinesDir(c *ucli.Context) string {
	if d := c.String("pipelines"); d != "" {
		return e.abs(d)
	}
	if d := e.Getenv("PIPELINES"); d != "" {
		return e.abs(d)
	}
	return pipeline.DefaultDir(e.Dir)
}

// workspaceOptions turns the flags commands share into workspace
// options: the pipelines folder, --config, --strict, the target flags and
// what the process gives (environment, working directory, clock, logger).
func (e *Env) workspaceOptions(c *ucli.Context) (workspace.Options, error) {
	o := workspace.Options{
		PipelinesDir: e.pipelinesDir(c),
		ConfigPath:   c.String("config"),
		Strict:       c.Bool("strict"),
		WorkDir:      e.Dir,
		Getenv:       e.Getenv,
		Version:      version(),
		Logger:       e.logger(c),
		Now:          e.Now,
		Target: workspace.TargetOptions{
			Name:              c.String("target"),
			Environment:       c.String("environment"),
			StateDir:          c.String("state-dir"),
			ComputePool:       c.String("compute-pool-id"),
			AllowPoolCreation: c.Bool("pool-creation"),
			CarryOffsets:      c.Bool("carry-offsets"),
			FromSavepoint:     c.Bool("from-savepoint"),
		},
	}
	// SHIFTLEFT_LOCAL_LATENCY makes every call of the local target take
	// that long, like a round trip to a service: for demos and for the
	// interruption tests. Never on by default.
	if v := e.Getenv("SHIFTLEFT_LOCAL_LATENCY"); v != "" && o.Target.Name == workspace.TargetLocal {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return o, usageErrorf("SHIFTLEFT_LOCAL_LATENCY=%q: give a duration such as 50ms", v)
		}
		o.Target.LocalLatency = d
	}
	return o, nil
}

// open opens the workspace of the command: the scan and graph, plus what
// each option function asks (readConfig, keepSQL, projectOnly).
func (e *Env) open(c *ucli.Context, with ...func(*workspace.Options)) (*workspace.Workspace, error) {
	o, err := e.workspaceOptions(c)
	if err != nil {
		return nil, err
	}
	for _, f := range with {
		f(&o)
	}
	ws, err := workspace.Open(c.Context, o)
	if err == nil {
		e.keepWarnings(c, ws)
	}
	return ws, err
}

// Options of open.
func readConfig(o *workspace.Options)  { o.ReadConfig = true }
func keepSQL(o *workspace.Options)     { o.KeepSQL = true }
func projectOnly(o *workspace.Options) { o.ProjectOnly = true }

// formatFlag declares --format with its allowed values; the first is the default.
func formatFlag(values ...string) ucli.Flag {
	return &ucli.StringFlag{Name: "format", Aliases: []string{"o"}, Value: values[0],
		Usage: "output format: " + strings.Join(values, ", ")}
}

// format returns --format after checking it is one of the allowed values.
func format(c *ucli.Context, values ...string) (string, error) {
	f := c.String("format")
	for _, v := range values {
		if f == v {
			return f, nil
		}
	}
	return "", usageErrorf("--format %q: use one of %s", f, strings.Join(values, ", "))
}

// argsFormat checks the positional arguments (exactly want, named names)
// and then --format (one of formats): the first two steps of most commands.
func argsFormat(c *ucli.Context, want int, formats []string, names ...string) ([]string, string, error) {
	pos, err := args(c, want, names...)
	if err != nil {
		return nil, "", err
	}
	f, err := format(c, formats...)
	if err != nil {
		return nil, "", err
	}
	return pos, f, nil
}

// openArgsFormat is argsFormat, then open with the options: how most
// commands that read the project begin. The caller closes the workspace
// (e.closeWorkspace) when it holds a target.
func (e *Env) openArgsFormat(c *ucli.Context, want int, formats, names []string, with ...func(*workspace.Options)) ([]string, string, *workspace.Workspace, error) {
	pos, f, err := argsFormat(c, want, formats, names...)
	if err != nil {
		return nil, "", nil, err
	}
	ws, err := e.open(c, with...)
	if err != nil {
		return nil, "", nil, err
	}
	return pos, f, ws, nil
}

// args returns the positional arguments, exactly want of them. urfave/cli
// stops parsing flags at the first positional argument (`report TABLE
// --format json` would silently ignore --format), so flags found among
// the arguments are applied here.
func args(c *ucli.Context, want int, names ...string) ([]string, error) {
	pos, err := positional(c)
	if err != nil {
		return nil, err
	}
	if len(pos) != want {
		if want == 0 {
			return nil, usageErrorf("unexpected argument %q", pos[0])
		}
		return nil, usageErrorf("expected %d argument(s): %s (got %d)", want, strings.Join(names, " "), len(pos))
	}
	return pos, nil
}

// positional applies the flags found among the arguments and returns the
// rest.
func positional(c *ucli.Context) ([]string, error) {
	if p, ok := c.Context.Value(parsedArgsKey{}).(parsedArgs); ok {
		return p.pos, nil
	}
	var pos []string
	a := c.Args().Slice()
	for i := 0; i < len(a); i++ {
		s := a[i]
		if s == "--" {
			pos = append(pos, a[i+1:]...)
			break
		}
		if !strings.HasPrefix(s, "-") || s == "-" {
			pos = append(pos, s)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(s, "-"), "=")
		f := lookupFlag(c, name)
		if f == nil {
			return nil, unknownFlag(c, name)
		}
		if r, ok := f.(rejecter); ok {
			return nil, r.rejection()
		}
		// Set the flag under its name: urfave copies a value set through
		// an alias to the name only while parsing.
		name = f.Names()[0]
		if bf, ok := f.(*ucli.BoolFlag); ok {
			if !hasValue {
				value = "true"
			}
			name = bf.Name
		} else if !hasValue {
			if i+1 >= len(a) {
				return nil, usageErrorf("flag %s needs a value", s)
			}
			i++
			value = a[i]
		}
		if err := c.Set(name, value); err != nil {
			return nil, usageErrorf("flag %s: %v", s, err)
		}
	}
	return pos, nil
}

func lookupFlag(c *ucli.Context, name string) ucli.Flag {
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
