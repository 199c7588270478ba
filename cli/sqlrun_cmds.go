package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/render"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// prepareCommand is `pipeline prepare FILE…` (shift_left's name): run
// each statement of the files in order on the target.
func prepareCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "prepare",
		Usage:     "run each statement of SQL files in order on the target and wait for each (e.g. a project's tests/insert_*.sql)",
		UsageText: "shiftleft pipeline prepare FILE... [--target flink|confluent] [--timeout 5m] [--format table|json]",
		Flags: concatFlags(pipelinesFlags(), targetFlags(), []ucli.Flag{
			formatFlag("table", "json"),
			&ucli.DurationFlag{Name: "timeout", Value: 5 * time.Minute, Usage: "how long each statement may take (a bounded INSERT runs to its end)"},
			&ucli.DurationFlag{Name: "lock-timeout", Usage: "wait this long for the environment lock held by another run"},
		}),
		Action: func(c *ucli.Context) error {
			files, err := positional(c)
			if err != nil {
				return err
			}
			if len(files) == 0 {
				return usageErrorf("pipeline prepare needs at least one SQL file")
			}
			f, err := format(c, "table", "json")
			if err != nil {
				return err
			}
			ws, err := e.open(c, readConfig, projectOnly)
			if err != nil {
				return err
			}
			defer e.closeWorkspace(c.Context, ws)
			req := workspace.PrepareRequest{Files: files, Timeout: c.Duration("timeout"), LockTimeout: c.Duration("lock-timeout")}
			if f == "table" {
				req.Progress = func(s workspace.PreparedStatement) { fmt.Fprintln(e.Stdout, preparedLine(s)) }
			}
			res, err := ws.Prepare(c.Context, req)
			if f == "json" && res != nil {
				if jerr := writeJSON(e.Stdout, res); jerr != nil {
					return jerr
				}
			}
			if err != nil {
				return err
			}
			if f == "table" {
				fmt.Fprintf(e.Stdout, "Prepared: %s on %s.\n", plural(len(res.Statements), "statement"), res.Target)
			}
			return nil
		},
	}
}

// preparedLine is one statement's line: where, what, and rows written.
func preparedLine(s workspace.PreparedStatement) string {
	what := string(s.Kind)
	if what == "" {
		what = "statement"
	}
	if s.Table != "" {
		what += " " + s.Table
	}
	rows := ""
	if s.Kind == deployers.KindDML {
		rows = ", rows written: unknown"
		if s.RowsWritten >= 0 {
			rows = ", rows written: " + strconv.FormatInt(s.RowsWritten, 10)
		}
	}
	return fmt.Sprintf("%s:%d: %s %s%s (%s)", s.File, s.Line, what, s.Phase, rows, s.Duration.Round(time.Millisecond))
}

// validateCommand is `pipeline validate`: compile the selected tables'
// SQL on the target's engine.
func validateCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "validate",
		Usage:     "compile the selected tables' DDL and DML on the target's engine without starting anything (flink: a fresh session and EXPLAIN; confluent: EXPLAIN)",
		UsageText: "shiftleft pipeline validate [--select EXPR ...] --target flink|confluent [--format table|json] [--externals-dir DIR ...]",
		Flags: concatFlags(pipelinesFlags(), selectionFlags(), targetFlags(), []ucli.Flag{
			formatFlag("table", "json"),
			externalsDirFlag(),
		}),
		Action: func(c *ucli.Context) error {
			_, f, ws, err := e.openArgsFormat(c, 0, []string{"table", "json"}, nil, readConfig, keepSQL)
			if err != nil {
				return err
			}
			defer e.closeWorkspace(c.Context, ws)
			res, err := ws.Validate(c.Context, workspace.ValidateRequest{Selection: e.selectionFrom(c), ExternalsDirs: c.StringSlice("externals-dir")})
			return e.writeValidation(res, err, f, false)
		},
	}
}

// tableExplainCommand is `table explain TABLE`: validate one table and
// print the engine's plan of its DML.
func tableExplainCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "explain",
		Usage:     "compile a table's DDL and DML on the target's engine and print the engine's plan",
		UsageText: "shiftleft table explain TABLE --target flink|confluent [--format table|json] [--externals-dir DIR ...]",
		Flags: concatFlags(pipelinesFlags(), targetFlags(), []ucli.Flag{
			formatFlag("table", "json"),
			externalsDirFlag(),
		}),
		Action: func(c *ucli.Context) error {
			a, f, ws, err := e.openArgsFormat(c, 1, []string{"table", "json"}, []string{"TABLE"}, readConfig, keepSQL)
			if err != nil {
				return err
			}
			defer e.closeWorkspace(c.Context, ws)
			res, err := ws.Validate(c.Context, workspace.ValidateRequest{Tables: a, ExternalsDirs: c.StringSlice("externals-dir")})
			return e.writeValidation(res, err, f, true)
		},
	}
}

// writeValidation renders a validation; a *workspace.ValidationError
// (printed with the result) exits 1.
func (e *Env) writeValidation(res *workspace.ValidateResult, err error, f string, plans bool) error {
	if res == nil {
		return err
	}
	if f == "json" {
		if jerr := writeJSON(e.Stdout, res); jerr != nil {
			return jerr
		}
		return validationExit(err)
	}
	ok, skipped := 0, 0
	for _, s := range res.Statements {
		switch {
		case s.Failed():
			fmt.Fprintf(e.Stdout, "%s:%d:%d: %s %s: %s\n", s.File, s.Line, s.Col, s.Table, s.Kind, s.Error)
		case s.Skipped:
			skipped++
			fmt.Fprintf(e.Stdout, "%s:%d: %s %s: not compiled: %s\n", s.File, s.Line, s.Table, s.Kind, s.Error)
		default:
			ok++
			if plans && s.Plan != "" {
				fmt.Fprintf(e.Stdout, "%s:%d: %s %s:\n%s\n", s.File, s.Line, s.Table, s.Kind, s.Plan)
			}
		}
	}
	n := len(res.Statements)
	fmt.Fprintf(e.Stdout, "Validated on %s: %d of %s compile", res.Target, ok, plural(n, "statement"))
	if skipped > 0 {
		fmt.Fprintf(e.Stdout, ", %d not compiled", skipped)
	}
	per := time.Duration(0)
	if sent := n - skipped; sent > 0 {
		per = res.Duration / time.Duration(sent)
	}
	fmt.Fprintf(e.Stdout, " (%s, %s per statement).\n", res.Duration.Round(time.Millisecond), per.Round(time.Millisecond))
	return validationExit(err)
}

// validationExit is exit 1 with a one-line summary for statements that do
// not compile (already listed on stdout); other errors as they are.
func validationExit(err error) error {
	if ve, ok := err.(*workspace.ValidationError); ok {
		verb := "do not compile"
		if len(ve.Problems) == 1 {
			verb = "does not compile"
		}
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("%s %s on the engine", plural(len(ve.Problems), "statement"), verb)}
	}
	return err
}

// tablePeekCommand is `table peek TABLE`: read a few rows of a deployed
// table.
func tablePeekCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "peek",
		Usage:     "read up to --limit rows of a deployed table (flink: a bounded SELECT; confluent: the statement results API); the local target keeps no data",
		UsageText: "shiftleft table peek TABLE [--limit 20] [--format table|json|csv] [--timeout 30s] [--latest] [--target flink|confluent]",
		Flags: concatFlags(pipelinesFlags(), targetFlags(), []ucli.Flag{
			formatFlag("table", "json", "csv"),
			&ucli.IntFlag{Name: "limit", Value: 20, Usage: "most rows read"},
			&ucli.DurationFlag{Name: "timeout", Value: 30 * time.Second, Usage: "how long the read may take; the rows read by then are shown"},
			&ucli.BoolFlag{Name: "latest", Usage: "fold the changelog by primary key: one row per key, its latest value"},
		}),
		Action: func(c *ucli.Context) error {
			a, f, err := argsFormat(c, 1, []string{"table", "json", "csv"}, "TABLE")
			if err != nil {
				return err
			}
			if c.Int("limit") < 1 {
				return usageErrorf("--limit %d: give at least 1", c.Int("limit"))
			}
			ws, err := e.open(c, readConfig, keepSQL)
			if err != nil {
				return err
			}
			defer e.closeWorkspace(c.Context, ws)
			res, err := ws.Peek(c.Context, workspace.PeekRequest{Table: a[0], Limit: c.Int("limit"), Timeout: c.Duration("timeout"), Latest: c.Bool("latest")})
			if err != nil {
				return err
			}
			return writePeek(e.Stdout, res, f, render.StyleFor(e.StdoutIsTerminal))
		},
	}
}

// writePeek renders rows; changelog tables get a leading "op" column.
func writePeek(w io.Writer, r *workspace.PeekResult, f string, style render.Style) error {
	cols := r.Columns
	if r.Changelog {
		cols = append([]deployers.Column{{Name: "op", Type: "CHANGELOG_OP"}}, cols...)
	}
	rows := make([][]any, len(r.Rows))
	for i, row := range r.Rows {
		if r.Changelog {
			rows[i] = append([]any{row.Op}, row.Values...)
		} else {
			rows[i] = row.Values
		}
	}
	switch f {
	case "json":
		return writeJSON(w, struct {
			Table   string             `json:"table"`
			Columns []deployers.Column `json:"columns"`
			Rows    [][]any            `json:"rows"`
		}{r.Table, cols, nonNil(rows)})
	case "csv":
		cw := csv.NewWriter(w)
		head := make([]string, len(cols))
		for i, c := range cols {
			head[i] = c.Name
		}
		_ = cw.Write(head)
		for _, row := range rows {
			_ = cw.Write(cells(row))
		}
		cw.Flush()
		return cw.Error()
	}
	t := render.Table{}
	for _, c := range cols {
		t.Header = append(t.Header, c.Name)
	}
	for _, row := range rows {
		t.Add(cells(row)...)
	}
	if err := t.Write(w, style); err != nil {
		return err
	}
	more := ""
	if !r.Complete {
		more = " (the timeout cut the read short)"
	}
	_, err := fmt.Fprintf(w, "%s of %s%s.\n", plural(len(rows), "row"), r.Table, more)
	return err
}

func nonNil(rows [][]any) [][]any {
	if rows == nil {
		return [][]any{}
	}
	return rows
}

// cells prints values: strings as they are, null empty, the rest as JSON.
func cells(row []any) []string {
	out := make([]string, len(row))
	for i, v := range row {
		switch x := v.(type) {
		case nil:
			out[i] = ""
		case string:
			out[i] = x
		case json.Number:
			out[i] = x.String()
		default:
			b, _ := json.Marshal(x)
			out[i] = string(b)
		}
	}
	return out
}

// writeJSON writes v as indented JSON, with <, > and & as they are (SQL
// and messages stay readable).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// externalsDirFlag is --externals-dir of validate and explain, as deploy's.
func externalsDirFlag() ucli.Flag {
	return &ucli.StringSliceFlag{Name: "externals-dir", Usage: "a folder of SQL files defining external inputs (raw tables the project reads and does not define), searched before the readers' tests/ddl*.sql; repeatable"}
}
