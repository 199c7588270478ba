package flink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

// Query runs a SELECT in the target's session and reads its rows, up to
// limit (≤ 0: all): until the query ends (a bounded source) or, for a query
// that never ends (an upsert-kafka table cannot be bounded), until no new
// row came for settle once rows came (or for four times settle when none did: the query's job takes seconds to start).
// Rows.Complete says the query ended by itself. The job is named name; its
// operation is closed on return and a job of that name still running is
// cancelled. Unit tests read their validation queries with it. An error of
// the engine keeps its message (with the line and column it names in sql).
func (t *Target) Query(ctx context.Context, name, sql string, limit int, settle time.Duration) (deployers.Rows, error) {
	stmt, err := statementText(sql)
	if err != nil {
		return deployers.Rows{}, err
	}
	s, err := t.sessionID(ctx, "")
	if err != nil {
		return deployers.Rows{}, err
	}
	cfg := map[string]string{"pipeline.name": name}
	// The session's catalog must not change while the query compiles
	// (t.exec shared), but a long read must not hold off other cases'
	// DDL: the lock is released once the operation is submitted.
	o, r, eos, err := t.gw.streamOp(ctx, s, stmt, cfg, t.opts.PollInterval, limit, settle, &t.exec)
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
	out.Complete = eos
	return out, nil
}

// streamOp is runOp for queries that may never end: it stops reading once
// the result has been quiet for settle (see Query).
func (g gateway) streamOp(ctx context.Context, s, stmt string, cfg map[string]string, poll time.Duration, limit int, settle time.Duration, exec *sync.RWMutex) (string, opRows, bool, error) {
	exec.RLock()
	o, err := g.submit(ctx, s, stmt, cfg)
	exec.RUnlock()
	if err != nil {
		return "", opRows{}, false, err
	}
	var st string
	for wait := poll; ; wait = min(2*wait, time.Second) {
		if st, err = g.status(ctx, s, o); err != nil {
			return o, opRows{}, false, err
		}
		if st != opInitialized && st != opPending && st != opRunning {
			break
		}
		if err := sleep(ctx, wait); err != nil {
			return o, opRows{}, false, fmt.Errorf("statement still %s: %w", st, err)
		}
	}
	if st != opFinished && st != opError {
		return o, opRows{}, false, fmt.Errorf("operation ended %s", st)
	}
	var out opRows
	start, last := time.Now(), time.Now()
	next := g.opPath(s, o) + "/result/0?rowFormat=JSON"
	for next != "" {
		code, body, err := g.rawGet(ctx, next)
		if err != nil {
			return o, out, false, err
		}
		if code/100 != 2 {
			if code == http.StatusInternalServerError {
				return o, out, false, engineError(body)
			}
			return o, out, false, &APIError{Method: http.MethodGet, URL: g.base + next, Status: code, Message: errorMessage(body)}
		}
		if st == opError {
			return o, out, false, errors.New("operation failed and the gateway gave no reason")
		}
		var p page
		if err := json.Unmarshal(bytes.TrimSpace(body), &p); err != nil {
			return o, out, false, fmt.Errorf("GET %s: decode answer: %w", g.base+next, err)
		}
		if len(p.Results.Columns) > 0 {
			out.Columns = p.Results.Columns
		}
		if len(p.Results.Data) > 0 {
			last = time.Now()
		}
		for _, row := range p.Results.Data {
			out.Kinds = append(out.Kinds, row.Kind)
			out.Rows = append(out.Rows, row.Fields)
		}
		if limit > 0 && len(out.Rows) >= limit {
			return o, out, false, nil
		}
		if p.ResultType == "EOS" {
			return o, out, true, nil
		}
		if len(p.Results.Data) == 0 {
			// Nothing new (NOT_READY, or an empty page of a query that
			// still runs): quiet for settle means the rows are final.
			quiet := settle
			if len(out.Rows) == 0 {
				quiet, last = 4*settle, start
			}
			if settle > 0 && time.Since(last) >= quiet {
				return o, out, false, nil
			}
			if err := sleep(ctx, poll); err != nil {
				return o, out, false, err
			}
		}
		next = p.NextResultURI
	}
	return o, out, true, nil
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
