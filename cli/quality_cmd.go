package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/quality"
	"github.com/shiftleft-dev/shiftleft/render"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// productCheckCommand is `product check ID`: run the quality rules of a
// product's output ports on a target.
func productCheckCommand(e *Env) *ucli.Command {
	formats := []string{"table", "json"}
	return &ucli.Command{
		Name: "check",
		Usage: "run the quality rules of a product's output ports on the deployed tables (flink: bounded queries; confluent when it can run queries); " +
			"each rule passes or fails with a count and a sample of offending rows; exit 1 when a rule fails",
		UsageText: "shiftleft product check ID|PRODUCT [--target flink|confluent] [--format table|json] [--junit FILE] [--results FILE] [--timeout 2m]",
		Flags:     concatFlags(productFlags(), targetFlags(), qualityFlags(), []ucli.Flag{formatFlag(formats...)}),
		Action: func(c *ucli.Context) error {
			pos, f, err := argsFormat(c, 1, formats, "ID")
			if err != nil {
				return err
			}
			if c.Duration("timeout") < 0 {
				return usageErrorf("--timeout must not be negative")
			}
			ws, err := e.open(c, readConfig, keepSQL, lenientScan)
			if err != nil {
				return err
			}
			defer e.closeWorkspace(c.Context, ws)
			rep, err := ws.CheckQuality(c.Context, workspace.QualityRequest{Products: pos, Timeout: c.Duration("timeout")})
			if err != nil {
				return err
			}
			if f == "json" {
				err = writeJSON(e.Stdout, rep)
			} else {
				err = writeQuality(e.Stdout, rep, render.StyleFor(e.StdoutIsTerminal))
			}
			if err != nil {
				return err
			}
			return e.endQuality(c, rep)
		},
	}
}

// qualityFlags are the flags of a quality check, shared with `pipeline
// deploy --check-quality`.
func qualityFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "junit", Usage: "also write the results as JUnit XML to FILE"},
		&ucli.StringFlag{Name: "results", Usage: "also write the results as JSON to FILE, for 'docs generate --results FILE'"},
		&ucli.DurationFlag{Name: "timeout", Value: workspace.DefaultQualityTimeout, Usage: "how long each rule's query may take"},
	}
}

// endQuality writes --junit and --results, and ends the command with exit 1
// when a rule failed or could not run.
func (e *Env) endQuality(c *ucli.Context, rep *quality.Report) error {
	if path := c.String("results"); path != "" {
		if err := e.writeFile(path, func(w io.Writer) error { return writeJSON(w, rep) }); err != nil {
			return fmt.Errorf("write --results %s: %w", path, err)
		}
	}
	if path := c.String("junit"); path != "" {
		if err := e.writeFile(path, func(w io.Writer) error { return quality.WriteJUnit(w, rep) }); err != nil {
			return fmt.Errorf("write --junit %s: %w", path, err)
		}
	}
	if !rep.OK() {
		return &ExitError{Code: ExitFailure, Err: &workspace.QualityError{Report: rep}}
	}
	return nil
}

// writeQuality prints one table of rules per port, the samples of failed
// rules, and a summary line.
func writeQuality(w io.Writer, rep *quality.Report, style render.Style) error {
	var b strings.Builder
	port := ""
	var tab *render.Table
	flush := func() error {
		if tab == nil {
			return nil
		}
		if err := tab.Write(&b, style); err != nil {
			return err
		}
		tab = nil
		return nil
	}
	for _, r := range rep.Results {
		if key := r.Product + "/" + r.Table; key != port {
			if err := flush(); err != nil {
				return err
			}
			if port != "" {
				b.WriteString("\n")
			}
			port = key
			fmt.Fprintf(&b, "Output port %s of %s (%s)\n", r.Table, r.Product, r.File)
			tab = &render.Table{Header: []string{"STATUS", "RULE", "COUNT", "TIME", "MESSAGE"}}
		}
		tab.Add(r.Status, r.Description, strconv.FormatInt(r.Count, 10), (time.Duration(r.DurationMS) * time.Millisecond).String(), strings.TrimPrefix(r.Message, r.Where()+": "))
	}
	if err := flush(); err != nil {
		return err
	}
	for _, r := range rep.Results {
		if r.Sample == nil || len(r.Sample.Rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s: %s of %s, %s: sample of offending rows\n", r.Where(), r.Status, r.Table, r.Description)
		st := render.Table{Header: r.Sample.Columns}
		for _, row := range r.Sample.Rows {
			cells := make([]string, len(row))
			for i, v := range row {
				cells[i] = cell(v)
			}
			st.Add(cells...)
		}
		if err := st.Write(&b, style); err != nil {
			return err
		}
	}
	if len(rep.Results) == 0 {
		fmt.Fprintf(&b, "%s declares no quality rule on its output ports.\n", strings.Join(rep.Products, ", "))
	} else {
		fmt.Fprintf(&b, "\n%s checked on %s environment %s: %d passed, %d failed, %d could not run.\n",
			plural(len(rep.Results), "rule"), rep.Target, rep.Environment, rep.Passed, rep.Failed, rep.Errors)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cell is a value as text: NULL for nil, JSON for anything not a string.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return x
	}
	out, _ := json.Marshal(v)
	return string(out)
}
