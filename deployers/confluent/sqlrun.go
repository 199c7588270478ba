package confluent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

var (
	_ deployers.Compiler        = (*Target)(nil)
	_ deployers.RowReader       = (*Target)(nil)
	_ deployers.StatementRunner = (*Target)(nil)
)

// helperName is a unique name for a statement the target runs for itself
// (EXPLAIN, a read): prefix, a UTC stamp and random hex, within the
// service's name rules.
func helperName(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + time.Now().UTC().Format("20060102150405") + "-" + hex.EncodeToString(b)
}

// runHelper submits a statement under a helper name, waits for one of
// want and returns it; the caller deletes it.
func (t *Target) runHelper(ctx context.Context, name, sql string, want []deployers.Phase, timeout time.Duration) (deployers.Statement, error) {
	if _, err := t.submit(ctx, deployers.StatementRequest{Name: name, SQL: sql}, ""); err != nil {
		return deployers.Statement{}, err
	}
	return t.Wait(ctx, name, want, timeout)
}

// deleteHelper deletes a helper statement, best effort (logged).
func (t *Target) deleteHelper(ctx context.Context, name string) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := t.c.DeleteStatement(cctx, name); err != nil && !errors.Is(err, deployers.ErrNotFound) {
		t.c.opts.Logger.Warn("could not delete a helper statement; delete it with housekeep-statements", "statement", name, "error", err)
	}
}

// positionRE finds the parser's and validator's positions in a detail.
var positionRE = regexp.MustCompile(`(?:[Aa]t|From) line (\d+), column (\d+)`)

// atLineRE is the parser's position inside its message.
var atLineRE = regexp.MustCompile(` at line \d+, column \d+`)

// Compile implements deployers.Compiler with EXPLAIN statements, one per
// DML, each deleted once read. DDLs are not compiled: on Confluent Cloud a
// CREATE TABLE creates its topic and has no EXPLAIN, so they are reported
// skipped (validate DDLs on the flink target). The tables a DML reads must
// exist on the service. Cost: one statement and its polls per DML.
func (t *Target) Compile(ctx context.Context, reqs []deployers.CompileRequest) ([]deployers.CompileResult, error) {
	const prefix = "EXPLAIN "
	out := make([]deployers.CompileResult, len(reqs))
	for i, r := range reqs {
		if r.Kind != deployers.KindDML {
			out[i] = deployers.CompileResult{Skipped: true, Err: "Confluent Cloud creates a table's topic with its DDL and cannot EXPLAIN a CREATE TABLE: compile DDLs with --target flink"}
			continue
		}
		name := helperName("shiftleft-explain")
		_, err := t.runHelper(ctx, name, prefix+r.SQL, []deployers.Phase{deployers.PhaseCompleted}, 0)
		if ctx.Err() != nil {
			t.deleteHelper(ctx, name)
			return nil, ctx.Err()
		}
		var se *deployers.StatementError
		switch {
		case errors.As(err, &se):
			// The position is reported mapped to the file, not in the text.
			out[i] = deployers.CompileResult{Err: strings.Replace(atLineRE.ReplaceAllString(se.Detail, ""), " .", ".", 1)}
			if m := positionRE.FindStringSubmatch(se.Detail); m != nil {
				out[i].Line, _ = strconv.Atoi(m[1])
				out[i].Col, _ = strconv.Atoi(m[2])
				if out[i].Line == 1 {
					out[i].Col = max(1, out[i].Col-len(prefix))
				}
			}
		case err != nil:
			t.deleteHelper(ctx, name)
			return nil, err
		default:
			if page, err := t.c.Results(ctx, name, ""); err == nil && len(page.Rows) > 0 && len(page.Rows[0].Row) > 0 {
				out[i].Plan = fmt.Sprint(page.Rows[0].Row[0])
			}
		}
		t.deleteHelper(ctx, name)
	}
	return out, nil
}

// ops maps the results API's op codes to changelog operations.
var ops = map[int]string{0: "+I", 1: "-U", 2: "+U", 3: "-D"}

// PropSnapshotMode is the statement property that makes a query a
// snapshot query, read as of the moment it starts ("now", the one value):
// it "runs, returns results, and then exits" instead of streaming forever
// (Confluent Cloud for Apache Flink, "Snapshot Queries"; an Early Access
// or preview feature the organization may have to ask for). `confluent
// flink query` runs its bounded queries the same way.
const PropSnapshotMode = "sql.snapshot.mode"

// ReadRows implements deployers.RowReader: SELECT * … LIMIT n (or
// req.SQL) as a statement named req.Name (a helper name when empty), its
// result pages read until n rows, the statement COMPLETED with no next
// page, req.Settle without a new row, or ctx ends; the statement is
// deleted on return. A query (req.SQL, a SELECT or WITH) read with no
// Settle, to its end, runs as a snapshot query (PropSnapshotMode), the
// only way the documentation gives for a query over a topic to end.
func (t *Target) ReadRows(ctx context.Context, req deployers.ReadRequest) (deployers.Rows, error) {
	name := req.Name
	if name == "" {
		name = helperName("shiftleft-peek")
	}
	sql := "SELECT * FROM `" + strings.ReplaceAll(req.Table, "`", "``") + "`"
	if req.Limit > 0 {
		sql += fmt.Sprintf(" LIMIT %d", req.Limit)
	}
	if req.SQL != "" {
		sql = strings.TrimRight(strings.TrimSpace(req.SQL), ";")
	}
	what := "table " + req.Table
	if req.SQL != "" {
		what = "query " + name
	}
	defer t.deleteHelper(ctx, name)
	var out deployers.Rows
	var props map[string]string
	if req.SQL != "" && req.Settle == 0 && isQuery(sql) {
		props = map[string]string{PropSnapshotMode: "now"}
	}
	if _, err := t.submit(ctx, deployers.StatementRequest{Name: name, SQL: sql, Properties: props}, ""); err != nil {
		return out, fmt.Errorf("read %s: %w", what, err)
	}
	st, err := t.Wait(ctx, name, []deployers.Phase{deployers.PhaseRunning, deployers.PhaseCompleted}, 0)
	if err != nil {
		return out, fmt.Errorf("read %s: %w", what, err)
	}
	cols, err := t.c.ResultSchema(ctx, name)
	if err != nil {
		return out, fmt.Errorf("read %s: %w", what, err)
	}
	for _, c := range cols {
		out.Columns = append(out.Columns, deployers.Column{Name: c.Name, Type: c.Type.Type})
	}
	token, pause := "", t.c.opts.PollInitial
	start, last := time.Now(), time.Now()
	for {
		page, err := t.c.Results(ctx, name, token)
		if err != nil {
			if ctx.Err() != nil && len(out.Rows) > 0 {
				return out, nil
			}
			return out, fmt.Errorf("read %s: %w", what, err)
		}
		for _, r := range page.Rows {
			op, ok := ops[r.Op]
			if !ok {
				op = strconv.Itoa(r.Op)
			}
			out.Rows = append(out.Rows, deployers.Row{Op: op, Values: r.Row})
			last = time.Now()
			if req.Limit > 0 && len(out.Rows) >= req.Limit {
				out.Complete = true
				return out, nil
			}
		}
		if page.Next == "" && st.Phase == deployers.PhaseCompleted {
			out.Complete = true
			return out, nil
		}
		if page.Next != "" {
			token = page.Next
		}
		if len(page.Rows) == 0 {
			// A query that never ends (an unbounded source): quiet for
			// Settle means its rows are final.
			quiet := req.Settle
			if len(out.Rows) == 0 {
				quiet, last = 4*req.Settle, start
			}
			if req.Settle > 0 && time.Since(last) >= quiet {
				return out, nil
			}
			if err := t.c.opts.Sleep(ctx, pause); err != nil {
				return out, nil // the deadline: what was read is the answer
			}
			pause = min(pause*2, t.c.opts.PollMax)
			if s, err := t.c.GetStatement(ctx, name); err == nil {
				st = t.toDeployers(s)
			}
		}
	}
}

// isQuery says whether sql starts with SELECT or WITH.
func isQuery(sql string) bool {
	toks, err := flinksql.Lex([]byte(sql))
	if err != nil || len(toks) == 0 {
		return false
	}
	w := strings.ToUpper(toks[0].Text([]byte(sql)))
	return w == "SELECT" || w == "WITH"
}

// RunStatement implements deployers.StatementRunner: the statement runs
// under req.Name until COMPLETED (a DDL, a bounded INSERT … VALUES) and is
// then deleted, as finished helpers are. Rows written are not reported
// (-1): the statements API does not count them.
func (t *Target) RunStatement(ctx context.Context, req deployers.RunRequest) (deployers.RunResult, error) {
	res := deployers.RunResult{RowsWritten: -1}
	if a, err := flinksql.Analyze([]byte(req.SQL)); err == nil {
		if len(a.Tables) > 0 {
			res.Kind, res.Table = deployers.KindDDL, a.Tables[0].Name.Table()
		} else if len(a.Writes) > 0 {
			res.Kind, res.Table = deployers.KindDML, a.Writes[0].Table()
		}
	}
	st, err := t.runHelper(ctx, req.Name, req.SQL, []deployers.Phase{deployers.PhaseCompleted}, req.Timeout)
	res.Phase = st.Phase
	if err != nil {
		if errors.Is(err, deployers.ErrTimeout) {
			return res, fmt.Errorf("%w (statement %s keeps running: prepare is for bounded INSERT … VALUES)", err, req.Name)
		}
		return res, err
	}
	t.deleteHelper(ctx, req.Name)
	return res, nil
}
