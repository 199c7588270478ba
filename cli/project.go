package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// Flags shared by every command that reads the pipelines tree.
func pipelinesFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "pipelines", Usage: "pipelines folder (default: $PIPELINES, else ./pipelines)"},
		&ucli.BoolFlag{Name: "strict", Usage: "treat references to tables outside the project as errors"},
		&ucli.BoolFlag{Name: "verbose", Usage: "log more detail on stderr"},
	}
}

// pipelinesDir is --pipelines, else $PIPELINES, else ./pipelines.
func (e *Env) pipelinesDir(c *ucli.Context) string {
	if d := c.String("pipelines"); d != "" {
		return e.abs(d)
	}
	if d := e.Getenv("PIPELINES"); d != "" {
		return e.abs(d)
	}
	return filepath.Join(e.Dir, "pipelines")
}

// loadProject scans the pipelines folder and logs its warnings.
func (e *Env) loadProject(c *ucli.Context) (*pipeline.Project, error) {
	return e.scan(c, false)
}

// scan reads the project; keepSQL keeps the files' text for plans.
func (e *Env) scan(c *ucli.Context, keepSQL bool) (*pipeline.Project, error) {
	p, err := pipeline.Scan(c.Context, e.pipelinesDir(c), pipeline.ScanOptions{Strict: c.Bool("strict"), KeepSQL: keepSQL})
	if err != nil {
		return nil, err
	}
	log := e.logger(c)
	for _, w := range p.Warnings {
		log.Warn(w.String())
	}
	return p, nil
}

// loadGraph scans the project and builds its graph.
func (e *Env) loadGraph(c *ucli.Context) (*pipeline.Project, *dag.Graph, error) {
	return e.loadGraphSQL(c, false)
}

// loadGraphSQL is loadGraph keeping the SQL text (for plans and deploys).
func (e *Env) loadGraphSQL(c *ucli.Context, keepSQL bool) (*pipeline.Project, *dag.Graph, error) {
	p, err := e.scan(c, keepSQL)
	if err != nil {
		return nil, nil, err
	}
	g, err := dag.Build(p)
	if err != nil {
		return nil, nil, err
	}
	return p, g, nil
}

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
			return nil, usageErrorf("flag provided but not defined: %s", s)
		}
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
