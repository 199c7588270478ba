package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/health"
	"github.com/shiftleft-dev/shiftleft/render"
)

// ExitUnhealthy is the exit code of `healthcheck --fail-on-unhealthy` when
// a table does not run or runs out of order.
const ExitUnhealthy = 3

// healthcheckCommand is `pipeline healthcheck`: per product, the tables
// that run, those that do not, and statements started before a table they
// read was created again.
func healthcheckCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:  "healthcheck",
		Usage: "check that the selected tables (and their ancestors) run on the target, each started after the tables it reads were created",
		UsageText: "shiftleft pipeline healthcheck [--select EXPR ...] [--target local|confluent|flink] [--format table|json]\n" +
			"   [--fail-on-unhealthy]",
		Flags: concatFlags(pipelinesFlags(), selectionFlags(), targetFlags(), []ucli.Flag{
			formatFlag("table", "json"),
			&ucli.BoolFlag{Name: "fail-on-unhealthy", Usage: fmt.Sprintf("exit %d when a table does not run or started before a table it reads was created again", ExitUnhealthy)},
		}),
		Action: func(c *ucli.Context) error {
			f, ws, err := e.readOnTarget(c)
			if err != nil {
				return err
			}
			defer e.closeWorkspace(c.Context, ws)
			h, err := ws.Health(c.Context, e.selectionFrom(c))
			if err != nil {
				return err
			}
			r := h.Report
			if f == "json" {
				enc := json.NewEncoder(e.Stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(struct {
					Target      string `json:"target"`
					Environment string `json:"environment"`
					Healthy     bool   `json:"healthy"`
					*health.Report
					// Throughput: records pending and rows per second
					// per running table, where the target tells them.
					Throughput map[string]deployers.Lag `json:"throughput,omitempty"`
				}{h.Target.Target, h.Target.Environment, r.Healthy(), r, h.Throughput}); err != nil {
					return err
				}
			} else if err := writeHealth(e.Stdout, h.Target, r, render.StyleFor(e.StdoutIsTerminal)); err != nil {
				return err
			} else if err := writeThroughput(e.Stdout, h.Throughput, render.StyleFor(e.StdoutIsTerminal)); err != nil {
				return err
			}
			if c.Bool("fail-on-unhealthy") && !r.Healthy() {
				return &ExitError{Code: ExitUnhealthy}
			}
			return nil
		},
	}
}

func writeHealth(w io.Writer, info deployers.Info, r *health.Report, style render.Style) error {
	tables := 0
	for _, p := range r.Products {
		tables += p.Tables
	}
	fmt.Fprintf(w, "Health of %s: %s in %s.\n\n", info, plural(tables, "table"), plural(len(r.Products), "product"))
	pt := render.Table{Header: []string{"PRODUCT", "TABLES", "RUNNING", "NOT RUNNING", "OUT OF ORDER"}}
	for _, p := range r.Products {
		name := p.Product
		if name == "" {
			name = "(none)"
		}
		pt.Add(name, strconv.Itoa(p.Tables), strconv.Itoa(p.Running), strconv.Itoa(p.NotRunning), strconv.Itoa(p.OutOfOrder))
	}
	if err := pt.Write(w, style); err != nil {
		return err
	}
	if len(r.NotRunning) > 0 {
		fmt.Fprintf(w, "\nNot running (%d):\n", len(r.NotRunning))
		nt := render.Table{Header: []string{"TABLE", "PRODUCT", "STATE", "STATEMENT", "DETAIL"}}
		for _, x := range r.NotRunning {
			detail := x.Detail
			if len(detail) > 80 {
				detail = detail[:77] + "..."
			}
			nt.Add(x.Table, x.Product, x.State, x.Statement, detail)
		}
		if err := nt.Write(w, style); err != nil {
			return err
		}
	}
	if len(r.OutOfOrder) > 0 {
		fmt.Fprintf(w, "\nStarted before a table it reads was created again (%d): it reads a topic that was replaced; redeploy it:\n", len(r.OutOfOrder))
		ot := render.Table{Header: []string{"TABLE", "STARTED", "PARENT", "PARENT CREATED"}}
		for _, o := range r.OutOfOrder {
			ot.Add(o.Table, o.StartedAt.UTC().Format(stampMillis), o.Parent, o.ParentCreatedAt.UTC().Format(stampMillis))
		}
		if err := ot.Write(w, style); err != nil {
			return err
		}
	}
	if len(r.Unknown) > 0 {
		fmt.Fprintf(w, "\n%s without DML cannot be checked on %s: it knows tables only through their statements (%s).\n",
			plural(len(r.Unknown), "table"), info.Target, strings.Join(r.Unknown, ", "))
	}
	if r.Healthy() {
		fmt.Fprintln(w, "\nHealthy: every table runs, started after the tables it reads.")
	} else {
		fmt.Fprintln(w, "\nUnhealthy. To see what a deploy would do about it: shiftleft pipeline build-execution-plan --select … (same target).")
	}
	return nil
}

// writeThroughput lists the records pending and rows per second of the
// running tables, when the target gave them.
func writeThroughput(w io.Writer, tp map[string]deployers.Lag, style render.Style) error {
	tables := make([]string, 0, len(tp))
	for t, l := range tp {
		if l.Measured() {
			tables = append(tables, t)
		}
	}
	if len(tables) == 0 {
		return nil // the target could not tell: nothing worth a table
	}
	sort.Strings(tables)
	fmt.Fprintf(w, "\nThroughput of the running tables (%d):\n", len(tables))
	t := render.Table{Header: []string{"TABLE", "RECORDS PENDING", "ROWS/S"}}
	for _, name := range tables {
		l := tp[name]
		t.Add(name, pendingText(l), rateText(l))
	}
	return t.Write(w, style)
}

// pendingText and rateText show a lag's numbers, "?" when unknown.
func pendingText(l deployers.Lag) string {
	if !l.Known {
		return "?"
	}
	return strconv.FormatInt(l.Pending, 10)
}

func rateText(l deployers.Lag) string {
	if l.RowsPerSecond < 0 {
		return "?"
	}
	return strconv.FormatFloat(l.RowsPerSecond, 'f', 1, 64)
}

// stampMillis shows start times to the millisecond: statements started by
// one deploy are often within the same second.
const stampMillis = "2006-01-02T15:04:05.000Z07:00"
