package cli

import (
	"context"
	"encoding/json"
	"io"
	"sort"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
	"github.com/shiftleft-dev/shiftleft/render"
)

// reportRunningStatementsCommand is `pipeline report-running-statements`:
// the DML statements of the selected tables (one State call: one paged
// listing on Confluent), or every statement of the environment without a
// selection.
func reportRunningStatementsCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "report-running-statements",
		Usage:     "show the statements of the target: phase, compute pool, age and detail",
		UsageText: "shiftleft pipeline report-running-statements [--target confluent] [--select EXPR ...] [--format table|json]",
		Flags:     concatFlags(pipelinesFlags(), selectionFlags(), targetFlags(), []ucli.Flag{formatFlag("table", "json")}),
		Action: func(c *ucli.Context) error {
			f, cfg, proj, g, err := e.readOnTarget(c)
			if err != nil {
				return err
			}
			t, err := e.openTarget(c, proj, cfg)
			if err != nil {
				return err
			}
			defer t.Close(context.WithoutCancel(c.Context))
			defer e.reportRetries(t.Target)
			var rows []statementRow
			if e.selectionFrom(c).IsEmpty() {
				list, err := t.ListStatements(c.Context)
				if err != nil {
					return err
				}
				tableOf := statementTables(proj.Tables, naming(cfg))
				for _, s := range list {
					table := s.Table
					if table == "" {
						table = tableOf(s.Name)
					}
					rows = append(rows, rowOf(table, s, e.Now()))
				}
			} else {
				_, res, _, err := e.selectTables(c, proj, g)
				if err != nil {
					return err
				}
				var tables = proj.Tables[:0:0]
				for _, name := range res.Selected {
					if tb := proj.Table(name); tb != nil {
						tables = append(tables, tb)
					}
				}
				refs, err := plan.TableRefs(tables, naming(cfg))
				if err != nil {
					return err
				}
				state, err := t.State(c.Context, refs)
				if err != nil {
					return err
				}
				for _, ref := range refs {
					st := state[ref.Table]
					if st.DML == nil {
						rows = append(rows, statementRow{Table: ref.Table, Statement: ref.DMLName, Phase: "-", Detail: "no DML statement"})
						continue
					}
					rows = append(rows, rowOf(ref.Table, *st.DML, e.Now()))
				}
			}
			return writeStatementRows(e.Stdout, rows, f, render.StyleFor(e.StdoutIsTerminal))
		},
	}
}

// readOnTarget starts a command that reads a target's state for the
// project's tables: no positional argument, --format table|json, the
// configuration and the graph.
func (e *Env) readOnTarget(c *ucli.Context) (string, *config.Config, *pipeline.Project, *dag.Graph, error) {
	if _, err := args(c, 0); err != nil {
		return "", nil, nil, nil, err
	}
	f, err := format(c, "table", "json")
	if err != nil {
		return "", nil, nil, nil, err
	}
	cfg, err := e.loadConfig(c)
	if err != nil {
		return "", nil, nil, nil, err
	}
	proj, g, err := e.loadGraph(c)
	if err != nil {
		return "", nil, nil, nil, err
	}
	return f, cfg, proj, g, nil
}

type statementRow struct {
	Table     string    `json:"table,omitempty"`
	Statement string    `json:"statement"`
	Phase     string    `json:"phase"`
	Pool      string    `json:"compute_pool,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	Age       string    `json:"age,omitempty"`
	Detail    string    `json:"detail,omitempty"`
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
	t := render.Table{Header: []string{"TABLE", "STATEMENT", "PHASE", "POOL", "AGE", "DETAIL"}}
	for _, r := range rows {
		detail := r.Detail
		if len(detail) > 80 {
			detail = detail[:77] + "..."
		}
		t.Add(r.Table, r.Statement, r.Phase, r.Pool, r.Age, detail)
	}
	return t.Write(w, style)
}

// statementTables maps the statement names the naming convention gives the
// project's tables back to their tables, for targets whose listing does
// not know them (Confluent Cloud lists bare statements). A DML carried to
// its other name (confluent.AltSuffix) counts as the table's too; names of
// other tools' statements map to "".
func statementTables(tables []*pipeline.Table, nm plan.Naming) func(string) string {
	byName := map[string]string{}
	for _, tb := range tables {
		if !tb.Deployable() {
			continue
		}
		for _, kind := range []deployers.StatementKind{deployers.KindDDL, deployers.KindDML, deployers.KindDrop} {
			if n, err := nm.Name(tb, kind); err == nil {
				byName[n] = tb.Name
			}
		}
	}
	return func(statement string) string {
		if tb, ok := byName[statement]; ok {
			return tb
		}
		return byName[strings.TrimSuffix(statement, confluent.AltSuffix)]
	}
}
