package flink

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

// Query runs a SELECT in the target's session and reads up to limit rows
// (≤ 0: all) until the query ends, as ReadRows does for a table: the job is
// named name, its operation is closed on return and a job of that name
// still running is cancelled. Unit tests read their validation queries
// with it; the query's tables must be bounded for it to end by itself. An
// error of the engine keeps its message (with the line and column it
// names in sql).
func (t *Target) Query(ctx context.Context, name, sql string, limit int) (deployers.Rows, error) {
	stmt, err := statementText(sql)
	if err != nil {
		return deployers.Rows{}, err
	}
	s, err := t.sessionID(ctx, "")
	if err != nil {
		return deployers.Rows{}, err
	}
	cfg := map[string]string{"pipeline.name": name}
	t.exec.RLock()
	o, r, err := t.gw.runOp(ctx, s, stmt, cfg, t.opts.PollInterval, limit)
	t.exec.RUnlock()
	t.gw.closeOp(ctx, s, o)
	t.cancelJobsNamed(ctx, name)
	var out deployers.Rows
	for _, c := range r.Columns {
		out.Columns = append(out.Columns, deployers.Column{Name: c.Name, Type: c.typeName()})
	}
	for i, fields := range r.Rows {
		row := deployers.Row{Op: changelogOp(r.Kinds[i]), Values: make([]any, len(fields))}
		for k, f := range fields {
			row.Values[k] = jsonValue(f)
		}
		out.Rows = append(out.Rows, row)
	}
	if err != nil {
		return out, fmt.Errorf("query %s: %w", name, unwrapEngine(err))
	}
	out.Complete = true
	return out, nil
}

// CancelJobs cancels the jobs whose name has the prefix and that have not
// ended, and waits for each to end; it returns the names it cancelled.
// Unit tests remove the jobs a case left (a DML under test that did not
// end, an interrupted run).
func (t *Target) CancelJobs(ctx context.Context, prefix string) ([]string, error) {
	jobs, err := t.jm.overview(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, j := range jobs {
		if jobEnded(j.State) || !strings.HasPrefix(j.Name, prefix) {
			continue
		}
		if err := t.jm.cancel(ctx, j.ID); err != nil {
			return names, fmt.Errorf("cancel job %s (%s): %w", j.ID, j.Name, err)
		}
		if err := t.waitEnded(ctx, j.ID); err != nil {
			return names, fmt.Errorf("job %s (%s): %w", j.ID, j.Name, err)
		}
		names = append(names, j.Name)
	}
	return names, nil
}

// Tables lists the tables the target created and records, sorted.
func (t *Target) Tables() []string {
	tables, _ := t.snapshot()
	out := make([]string, 0, len(tables))
	for name := range tables {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
