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
	p, err := pipeline.Scan(c.Context, e.pipelinesDir(c), pipeline.ScanOptions{Strict: c.Bool("strict")})
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
	p, err := e.loadProject(c)
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

// args checks the positional arguments: exactly want of them. urfave/cli
// stops parsing flags at the first positional argument, so a flag placed
// after one would be silently ignored: refuse it instead.
func args(c *ucli.Context, want int, names ...string) ([]string, error) {
	a := c.Args().Slice()
	for _, s := range a {
		if strings.HasPrefix(s, "-") {
			return nil, usageErrorf("flag %s comes after an argument: put flags before %s", s, strings.Join(names, " "))
		}
	}
	if len(a) != want {
		if want == 0 {
			return nil, usageErrorf("unexpected argument %q", a[0])
		}
		return nil, usageErrorf("expected %d argument(s): %s (got %d)", want, strings.Join(names, " "), len(a))
	}
	return a, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
