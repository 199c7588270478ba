package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/internal/junit"
	"github.com/shiftleft-dev/shiftleft/render"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// unitTestFlags are the flags of table run-unit-tests and pipeline test.
func unitTestFlags() []ucli.Flag {
	return []ucli.Flag{
		formatFlag("table", "json"),
		&ucli.StringFlag{Name: "test-case", Usage: "run only the case of that name"},
		&ucli.BoolFlag{Name: "keep", Usage: "leave each case's tables, topics and jobs in place (the next run removes them)"},
		&ucli.IntFlag{Name: "max-parallel", Value: 4, Usage: "cases run at once"},
		&ucli.DurationFlag{Name: "case-timeout", Value: 60 * time.Second, Usage: "how long one case may take"},
		&ucli.StringFlag{Name: "junit", Usage: "also write the results as JUnit XML to `FILE`"},
		&ucli.DurationFlag{Name: "lock-timeout", Usage: "how long to wait for the environment lock held by another run (default: fail at once)"},
	}
}

func runUnitTestsCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "run-unit-tests",
		Usage:     "run the table's unit tests (tests/test_definitions.yaml) on the target's engine, on test copies of its tables",
		UsageText: "shiftleft table run-unit-tests TABLE [--test-case NAME] [--target flink|confluent] [--keep] [--max-parallel 4] [--case-timeout 60s] [--format table|json] [--junit FILE]",
		Flags:     concatFlags(pipelinesFlags(), targetFlags(), unitTestFlags()),
		Action: func(c *ucli.Context) error {
			a, err := args(c, 1, "TABLE")
			if err != nil {
				return err
			}
			return e.runUnitTests(c, nil, a[0])
		},
	}
}

func pipelineTestCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "test",
		Usage:     "run the unit tests of every selected table that has them",
		UsageText: "shiftleft pipeline test [--select EXPR ...] [--target flink|confluent] [--keep] [--max-parallel 4] [--case-timeout 60s] [--format table|json] [--junit FILE]",
		Flags:     concatFlags(pipelinesFlags(), selectionFlags(), targetFlags(), unitTestFlags()),
		Action: func(c *ucli.Context) error {
			if _, err := args(c, 0, ""); err != nil {
				return err
			}
			return e.runUnitTests(c, func(ws *workspace.Workspace) ([]string, error) {
				sel, err := ws.Select(c.Context, e.selectionFrom(c))
				if err != nil {
					return nil, err
				}
				return sel.Selected, nil
			}, "")
		},
	}
}

func deleteUnitTestsCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "delete-unit-tests",
		Usage:     "remove the test tables, topics and jobs the table's unit tests left on the target",
		UsageText: "shiftleft table delete-unit-tests TABLE [--target flink|confluent]",
		Flags: concatFlags(pipelinesFlags(), targetFlags(), []ucli.Flag{
			&ucli.DurationFlag{Name: "lock-timeout", Usage: "how long to wait for the environment lock held by another run (default: fail at once)"},
		}),
		Action: func(c *ucli.Context) error {
			a, err := args(c, 1, "TABLE")
			if err != nil {
				return err
			}
			ws, err := e.open(c, readConfig, keepSQL)
			if err != nil {
				return err
			}
			defer e.closeWorkspace(c.Context, ws)
			removed, err := ws.DeleteUnitTests(c.Context, []string{a[0]}, c.Duration("lock-timeout"))
			for _, r := range removed {
				fmt.Fprintln(e.Stdout, "removed "+r)
			}
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(e.Stdout, "Removed %s left by the unit tests of %s.\n", plural(len(removed), "object"), a[0])
			return err
		},
	}
}

// runUnitTests parses the flags, runs the suites and renders the results.
func (e *Env) runUnitTests(c *ucli.Context, tables func(*workspace.Workspace) ([]string, error), table string) error {
	f, err := format(c, "table", "json")
	if err != nil {
		return err
	}
	if c.Int("max-parallel") < 1 {
		return usageErrorf("--max-parallel %d: give at least 1", c.Int("max-parallel"))
	}
	if c.Duration("case-timeout") <= 0 {
		return usageErrorf("--case-timeout %s: give a positive duration", c.Duration("case-timeout"))
	}
	ws, err := e.open(c, readConfig, keepSQL)
	if err != nil {
		return err
	}
	defer e.closeWorkspace(c.Context, ws)
	names := []string{table}
	if tables != nil {
		if names, err = tables(ws); err != nil {
			return err
		}
	}
	req := workspace.UnitTestRequest{Tables: names, Case: c.String("test-case"), Keep: c.Bool("keep"),
		MaxParallel: c.Int("max-parallel"), CaseTimeout: c.Duration("case-timeout"), LockTimeout: c.Duration("lock-timeout")}
	res, err := ws.RunUnitTests(c.Context, req)
	if res != nil {
		for _, w := range res.Warnings {
			fmt.Fprintln(e.Stderr, "warning: "+w.String())
		}
		if path := c.String("junit"); path != "" {
			if jerr := writeJUnitFile(path, res); jerr != nil {
				return jerr
			}
		}
		var rerr error
		if f == "json" {
			rerr = writeJSON(e.Stdout, res)
		} else {
			rerr = writeUnitTests(e.Stdout, res, render.StyleFor(e.StdoutIsTerminal))
		}
		if rerr != nil {
			return rerr
		}
	}
	if err != nil {
		return err
	}
	if res.Failed() {
		return &ExitError{Code: ExitFailure}
	}
	return nil
}

// writeUnitTests renders the results table, the details of each case that
// did not pass, and a summary line.
func writeUnitTests(w io.Writer, r *workspace.UnitTestResult, style render.Style) error {
	t := render.Table{Header: []string{"suite", "case", "result", "duration", "detail"}}
	for _, c := range r.Cases {
		detail := c.Error
		if c.Where != "" {
			detail = c.Where + ": " + detail
		}
		t.Add(c.Suite, c.Case, c.Result, c.Duration.Round(10*time.Millisecond).String(), firstLine(detail))
	}
	if err := t.Write(w, style); err != nil {
		return err
	}
	for _, c := range r.Cases {
		if c.Result == workspace.CasePass && len(c.Left) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s %s: %s\n", c.Suite, c.Case, c.Result)
		if c.Where != "" || c.Error != "" {
			fmt.Fprintf(w, "  %s\n", strings.TrimPrefix(c.Where+": "+c.Error, ": "))
		}
		if c.Validation != nil {
			fmt.Fprintln(w, "  validation rows:")
			writeRows(w, c.Validation.Columns, c.Validation.Rows, style)
		}
		if c.Output != nil {
			fmt.Fprintf(w, "  first rows of %s%s:\n", c.Suite, c.Suffix)
			writeRows(w, c.Output.Columns, c.Output.Rows, style)
		}
		for _, l := range c.Left {
			fmt.Fprintf(w, "  not removed: %s\n", l)
		}
	}
	for _, s := range r.NoSuite {
		fmt.Fprintf(w, "%s has no unit tests.\n", s)
	}
	if len(r.Removed) > 0 {
		fmt.Fprintf(w, "Removed %s left by earlier runs.\n", plural(len(r.Removed), "object"))
	}
	_, err := fmt.Fprintf(w, "Unit tests: %d passed, %d failed, %d errors in %s.\n", r.Counts[workspace.CasePass], r.Counts[workspace.CaseFail], r.Counts[workspace.CaseError], r.Duration.Round(10*time.Millisecond))
	return err
}

func writeRows(w io.Writer, cols []deployers.Column, rows []deployers.Row, style render.Style) {
	t := render.Table{Header: []string{"op"}}
	for _, c := range cols {
		t.Header = append(t.Header, c.Name)
	}
	for _, r := range rows {
		t.Add(append([]string{r.Op}, cells(r.Values)...)...)
	}
	_ = t.Write(w, style)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// writeJUnitFile writes the results as JUnit XML: one testsuite per table.
func writeJUnitFile(path string, r *workspace.UnitTestResult) error {
	var out junit.Report
	for _, c := range r.Cases {
		jc := junit.Case{Name: c.Case, Classname: c.Suite}
		msg := strings.TrimPrefix(c.Where+": "+c.Error, ": ")
		switch c.Result {
		case workspace.CaseFail:
			jc.Failure = &junit.Problem{Message: msg, Text: msg}
		case workspace.CaseError:
			jc.Error = &junit.Problem{Message: msg, Text: msg}
		}
		out.Add(c.Suite, jc, c.Duration)
	}
	var b bytes.Buffer
	if err := junit.Write(&b, &out); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write JUnit report: %w", err)
	}
	return nil
}
