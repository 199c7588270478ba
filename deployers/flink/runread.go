package flink

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

var (
	_ deployers.StatementRunner = (*Target)(nil)
	_ deployers.RowReader       = (*Target)(nil)
)

// stmtShape is what RunStatement needs to know of a statement.
type stmtShape struct {
	kind        deployers.StatementKind // ddl (CREATE TABLE), dml (INSERT, statement set), drop, "" other
	table       string
	ifNotExists bool
}

// shapeOf reads the statement's first keywords.
func shapeOf(sql string) (stmtShape, error) {
	src := []byte(sql)
	toks, err := flinksql.Lex(src)
	if err != nil {
		return stmtShape{}, err
	}
	toks = trimSemicolons(toks)
	if len(toks) == 0 {
		return stmtShape{}, errors.New("no SQL statement")
	}
	name := func(i int) string {
		n := ""
		for i < len(toks) && (toks[i].Kind == flinksql.TokIdent || toks[i].Kind == flinksql.TokQuotedIdent) {
			n = toks[i].IdentValue(src)
			if i+1 < len(toks) && toks[i+1].Kind == flinksql.TokOp && toks[i+1].Ch == '.' {
				i += 2
				continue
			}
			break
		}
		return n
	}
	kw := func(i int) flinksql.Keyword {
		if i < len(toks) {
			return toks[i].Kw
		}
		return flinksql.KwNone
	}
	var sh stmtShape
	switch kw(0) {
	case flinksql.KwCreate:
		i := 1
		if kw(i) == flinksql.KwTemporary {
			return sh, nil // lives in the session only: run as is
		}
		if kw(i) != flinksql.KwTable {
			return sh, nil
		}
		i++
		if kw(i) == flinksql.KwIf && kw(i+1) == flinksql.KwNot && kw(i+2) == flinksql.KwExists {
			sh.ifNotExists = true
			i += 3
		}
		for j := i; j < len(toks); j++ {
			if toks[j].Kw == flinksql.KwAs && j+1 < len(toks) && toks[j+1].Kw == flinksql.KwSelect {
				return stmtShape{}, errors.New("CREATE TABLE … AS SELECT starts a job: deploy it as a table of the project")
			}
		}
		sh.kind, sh.table = deployers.KindDDL, name(i)
	case flinksql.KwInsert, flinksql.KwExecute, flinksql.KwBegin:
		sh.kind = deployers.KindDML
		if kw(0) == flinksql.KwInsert {
			sh.table = name(2)
		}
	case flinksql.KwDrop:
		if kw(1) == flinksql.KwTable {
			i := 2
			if kw(i) == flinksql.KwIf {
				i += 2
			}
			sh.kind, sh.table = deployers.KindDrop, name(i)
		}
	}
	return sh, nil
}

// RunStatement implements deployers.StatementRunner. A CREATE TABLE goes
// through CreateTable (rewritten, recorded so later sessions see the
// table, its topic created); IF NOT EXISTS on a recorded table does
// nothing, and a recorded table without it is an error, as in SQL. A DROP
// TABLE of a recorded table goes through DropTable. An INSERT or statement
// set is submitted as a job named req.Name and waited for until it ends
// (bounded by req.Timeout): FINISHED reports the rows its sinks received. A
// job still running at the timeout is left running and reported. Anything
// else runs in the target's session.
func (t *Target) RunStatement(ctx context.Context, req deployers.RunRequest) (deployers.RunResult, error) {
	sh, err := shapeOf(req.SQL)
	if err != nil {
		return deployers.RunResult{}, err
	}
	res := deployers.RunResult{Kind: sh.kind, Table: sh.table, Phase: deployers.PhaseCompleted, RowsWritten: -1}
	switch sh.kind {
	case deployers.KindDDL:
		t.mu.Lock()
		_, known := t.state.Tables[sh.table]
		t.mu.Unlock()
		if known {
			if sh.ifNotExists {
				return res, nil
			}
			return res, fmt.Errorf("table %s already exists on %s: use CREATE TABLE IF NOT EXISTS, or undeploy it first", sh.table, t.Info())
		}
		_, err := t.CreateTable(ctx, deployers.StatementRequest{Name: req.Name, Table: sh.table, Kind: deployers.KindDDL, SQL: req.SQL})
		return res, err
	case deployers.KindDrop:
		t.mu.Lock()
		_, known := t.state.Tables[sh.table]
		t.mu.Unlock()
		if known {
			return res, t.DropTable(ctx, deployers.StatementRequest{Name: req.Name, Table: sh.table, Kind: deployers.KindDrop})
		}
	case deployers.KindDML:
		return t.runJob(ctx, req, res)
	}
	stmt, err := statementText(req.SQL)
	if err != nil {
		return res, err
	}
	t.exec.Lock()
	defer t.exec.Unlock()
	_, err = t.run(ctx, stmt, nil)
	return res, unwrapEngine(err)
}

// runJob submits an INSERT as a job and waits until it ends.
func (t *Target) runJob(ctx context.Context, req deployers.RunRequest, res deployers.RunResult) (deployers.RunResult, error) {
	stmt, err := statementText(req.SQL)
	if err != nil {
		return res, err
	}
	cfg := map[string]string{"pipeline.name": req.Name, "table.dml-sync": "false"}
	t.exec.RLock()
	r, err := t.run(ctx, stmt, cfg)
	t.exec.RUnlock()
	if err != nil {
		return res, unwrapEngine(err)
	}
	if r.JobID == "" {
		return res, errors.New("the gateway returned no job id")
	}
	res.JobID, res.Phase = r.JobID, deployers.PhasePending
	wctx := ctx
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, req.Timeout)
		defer cancel()
	}
	for wait := t.opts.PollInterval; ; wait = min(2*wait, time.Second) {
		var d jobDetail
		err := t.jm.do(wctx, "GET", "/jobs/"+url.PathEscape(r.JobID), nil, &d)
		if err == nil {
			res.Phase = jobPhase(d.State, false)
			switch d.State {
			case "FINISHED":
				res.RowsWritten = d.rowsWritten()
				return res, nil
			case "FAILED", "CANCELED":
				return res, &deployers.StatementError{Name: req.Name, Phase: res.Phase, Detail: t.jm.rootException(ctx, r.JobID)}
			}
		} else if wctx.Err() == nil {
			return res, fmt.Errorf("job %s: %w", r.JobID, err)
		}
		if sleep(wctx, wait) != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			return res, fmt.Errorf("job %s (%s) still %s after %s: it keeps running (an INSERT that reads a stream never ends; prepare is for bounded INSERT … VALUES): %w",
				r.JobID, req.Name, res.Phase, req.Timeout, deployers.ErrTimeout)
		}
	}
}

// unwrapEngine keeps the gateway's message of a failed statement.
func unwrapEngine(err error) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Message != "" {
		return errors.New(apiErr.Message)
	}
	return err
}

// ReadRows implements deployers.RowReader (a query of req.SQL is Query
// with req.Settle): a SELECT * … LIMIT n in the
// target's session, its Kafka source bounded at the latest offsets (a
// dynamic table options hint), so the query ends once it has read what the
// topic holds. Rows keep their changelog kind. The operation is closed on
// return, which cancels the query's job if it still runs; a job of that
// name still running afterwards is cancelled too. Only tables the target
// created can be read.
func (t *Target) ReadRows(ctx context.Context, req deployers.ReadRequest) (deployers.Rows, error) {
	if req.SQL != "" {
		return t.Query(ctx, cmp.Or(req.Name, "shiftleft-query"), req.SQL, req.Limit, req.Settle)
	}
	t.mu.Lock()
	rec, known := t.state.Tables[req.Table]
	t.mu.Unlock()
	if !known {
		return deployers.Rows{}, fmt.Errorf("table %s is not deployed on %s (deploy it first): %w", req.Table, t.Info(), deployers.ErrNotFound)
	}
	hint := ""
	if a, err := flinksql.Analyze([]byte(rec.Rendered)); err == nil && len(a.Tables) > 0 {
		for _, o := range a.Tables[0].Options {
			if o.Key == "connector" && (o.Value == "kafka" || o.Value == "upsert-kafka") {
				hint = " /*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */"
			}
		}
	}
	stmt := "SELECT * FROM " + quoteIdent(req.Table) + hint
	if req.Limit > 0 {
		stmt += fmt.Sprintf(" LIMIT %d", req.Limit)
	}
	name := req.Name
	if name == "" {
		name = "shiftleft-peek-" + req.Table
	}
	cfg := map[string]string{"pipeline.name": name}
	s, err := t.sessionID(ctx, "")
	if err != nil {
		return deployers.Rows{}, err
	}
	t.exec.RLock()
	o, r, err := t.gw.runOp(ctx, s, stmt, cfg, t.opts.PollInterval, req.Limit)
	t.exec.RUnlock()
	t.gw.closeOp(ctx, s, o)
	t.cancelJobsNamed(ctx, name)
	var out deployers.Rows
	for _, c := range r.Columns {
		out.Columns = append(out.Columns, deployers.Column{Name: c.Name, Type: c.typeName()})
	}
	// A LIMIT over an updating table emits retractions as rows change, so
	// the changelog may run longer than the limit: keep its first rows.
	if req.Limit > 0 && len(r.Rows) > req.Limit {
		r.Rows, r.Kinds = r.Rows[:req.Limit], r.Kinds[:req.Limit]
	}
	for i, fields := range r.Rows {
		row := deployers.Row{Op: changelogOp(r.Kinds[i]), Values: make([]any, len(fields))}
		for k, f := range fields {
			row.Values[k] = jsonValue(f)
		}
		out.Rows = append(out.Rows, row)
	}
	if err != nil {
		if ctx.Err() != nil && len(out.Rows) > 0 {
			// The deadline cut the read short: what was read is the answer.
			return out, nil
		}
		return out, fmt.Errorf("read table %s: %w", req.Table, err)
	}
	out.Complete = true
	return out, nil
}

// cancelJobsNamed cancels the jobs of that name that have not ended, best
// effort.
func (t *Target) cancelJobsNamed(ctx context.Context, name string) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	jobs, err := t.jm.overview(cctx)
	if err != nil {
		return
	}
	for _, j := range jobs {
		if j.Name == name && !jobEnded(j.State) {
			if err := t.jm.cancel(cctx, j.ID); err != nil {
				t.log.Warn("cancel the job of a read", "job", j.ID, "error", err)
			}
		}
	}
}

// changelogOp is the short changelog operation of a row kind.
func changelogOp(kind string) string {
	switch kind {
	case "INSERT", "":
		return "+I"
	case "UPDATE_BEFORE":
		return "-U"
	case "UPDATE_AFTER":
		return "+U"
	case "DELETE":
		return "-D"
	}
	return kind
}

// jsonValue decodes a field keeping numbers exact.
func jsonValue(raw json.RawMessage) any {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return string(raw)
	}
	return v
}

// jsonString is a JSON string field's value (or its text).
func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}
