package cli

import (
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/render"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// reportRunningStatementsCommand is `pipeline report-running-statements`:
// what runs or should run and does not (the DMLs RUNNING, DEGRADED,
// PENDING, FAILED or STOPPED) of the selected tables, every table without
// a selection; --all lists every statement.
func reportRunningStatementsCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "report-running-statements",
		Usage:     "show the statements of the target: phase, compute pool, age and detail",
		UsageText: "shiftleft pipeline report-running-statements [--target confluent] [--select EXPR ...] [--all] [--format table|json]",
		Flags: concatFlags(pipelinesFlags(), selectionFlags(), targetFlags(), []ucli.Flag{formatFlag("table", "json"),
			&ucli.BoolFlag{Name: "all", Usage: "list every statement: DDLs, drops and finished ones too (default: the DMLs that run, or should and do not)"}}),
		Action: func(c *ucli.Context) error {
			f, ws, err := e.readOnTarget(c)
			if err != nil {
				return err
			}
			defer e.closeWorkspace(c.Context, ws)
			found, err := ws.RunningStatements(c.Context, workspace.StatementsRequest{Selection: e.selectionFrom(c), All: c.Bool("all")})
			if err != nil {
				return err
			}
			rows := make([]statementRow, len(found))
			for i, r := range found {
				if r.NoDML {
					rows[i] = statementRow{Table: r.Table, Statement: r.Statement.Name, Phase: "-", Detail: "not deployed: no DML statement on the target"}
					continue
				}
				rows[i] = rowOf(r.Table, r.Statement, e.Now())
				if l := r.Throughput; l != nil && l.Measured() {
					if l.Known {
						rows[i].Pending = &l.Pending
					}
					if l.RowsPerSecond >= 0 {
						rows[i].RowsPerSecond = &l.RowsPerSecond
					}
				}
			}
			return writeStatementRows(e.Stdout, rows, f, render.StyleFor(e.StdoutIsTerminal))
		},
	}
}

// readOnTarget starts a command that reads a target's state for the
// project's tables: no positional argument, --format table|json, the
// workspace with its configuration.
func (e *Env) readOnTarget(c *ucli.Context) (string, *workspace.Workspace, error) {
	_, f, ws, err := e.openArgsFormat(c, 0, []string{"table", "json"}, nil, readConfig)
	return f, ws, err
}

type statementRow struct {
	Table     string    `json:"table,omitempty"`
	Statement string    `json:"statement"`
	Phase     string    `json:"phase"`
	Pool      string    `json:"compute_pool,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	Age       string    `json:"age,omitempty"`
	// Pending (records pending) and RowsPerSecond are a running DML's,
	// where the target tells them (nil otherwise).
	Pending       *int64   `json:"records_pending,omitempty"`
	RowsPerSecond *float64 `json:"rows_per_second,omitempty"`
	Detail        string   `json:"detail,omitempty"`
}

func rowOf(table string, s deployers.Statement, now time.Time) statementRow {
	r := statementRow{Table: table, Statement: s.Name, Phase: string(s.Phase), Pool: s.ComputePool, CreatedAt: s.CreatedAt, Detail: s.Detail}
	if !s.CreatedAt.IsZero() {
		r.Age = humanAge(now.Sub(s.CreatedAt))
	}
	return r
}

func writeStatementRows(w io.Writer, rows []statementRow, f string, style render.Style) error {
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Table != rows[j].Table {
			return rows[i].Table < rows[j].Table
		}
		return rows[i].Statement < rows[j].Statement
	})
	if f == "json" {
		if rows == nil {
			rows = []statementRow{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	// The throughput columns appear when the target gave numbers.
	measured := false
	for _, r := range rows {
		measured = measured || r.Pending != nil || r.RowsPerSecond != nil
	}
	t := render.Table{Header: []string{"TABLE", "STATEMENT", "PHASE", "POOL", "AGE", "DETAIL"}}
	if measured {
		t.Header = []string{"TABLE", "STATEMENT", "PHASE", "POOL", "AGE", "PENDING", "ROWS/S", "DETAIL"}
	}
	for _, r := range rows {
		detail := r.Detail
		if len(detail) > 80 {
			detail = detail[:77] + "..."
		}
		if !measured {
			t.Add(r.Table, r.Statement, r.Phase, r.Pool, r.Age, detail)
			continue
		}
		pending, rate := "-", "-"
		if r.Pending != nil {
			pending = strconv.FormatInt(*r.Pending, 10)
		}
		if r.RowsPerSecond != nil {
			rate = strconv.FormatFloat(*r.RowsPerSecond, 'f', 1, 64)
		}
		t.Add(r.Table, r.Statement, r.Phase, r.Pool, r.Age, pending, rate, detail)
	}
	return t.Write(w, style)
}
