package workspace

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// PrepareRequest is what Prepare is asked: SQL files to run in order.
type PrepareRequest struct {
	Files []string
	// Timeout bounds each statement's wait (a bounded INSERT's job running
	// to its end); 0 is 5 minutes.
	Timeout time.Duration
	// LockTimeout is how long to wait for the environment lock.
	LockTimeout time.Duration
	// Progress, when set, is called after each statement ran.
	Progress func(PreparedStatement)
}

// PreparedStatement is one statement Prepare ran.
type PreparedStatement struct {
	File        string                  `json:"file"`
	Line        int                     `json:"line"`
	Name        string                  `json:"name"`
	Kind        deployers.StatementKind `json:"kind,omitempty"`
	Table       string                  `json:"table,omitempty"`
	Phase       deployers.Phase         `json:"phase"`
	JobID       string                  `json:"job_id,omitempty"`
	RowsWritten int64                   `json:"rows_written"`
	Duration    time.Duration           `json:"duration_ns"`
}

// PrepareResult lists the statements run, in order.
type PrepareResult struct {
	Target     deployers.Info      `json:"target"`
	Statements []PreparedStatement `json:"statements"`
}

// PrepareError is the statement that failed; nothing after it ran.
type PrepareError struct {
	File string
	// Line is the statement's first line, or where the engine placed the
	// error (then Col too).
	Line, Col int
	Err       error
}

func (e *PrepareError) Error() string {
	at := fmt.Sprintf("%s:%d", e.File, e.Line)
	if e.Col > 0 {
		at += fmt.Sprintf(":%d", e.Col)
	}
	return fmt.Sprintf("%s: %v (nothing after this statement ran)", at, e.Err)
}

// enginePos is the engine's position in a statement's text, inside its
// message.
var enginePos = regexp.MustCompile(` at line (\d+), column (\d+)`)

// prepareError places a failed statement's error in its file: at the
// engine's position when the message names one, else at the statement.
func prepareError(s prepStmt, err error) *PrepareError {
	pe := &PrepareError{File: s.file, Line: s.pos.Line, Err: err}
	if m := enginePos.FindStringSubmatchIndex(err.Error()); m != nil {
		msg := err.Error()
		line, _ := strconv.Atoi(msg[m[2]:m[3]])
		col, _ := strconv.Atoi(msg[m[4]:m[5]])
		pe.Line, pe.Col = mapPosition(s.pos, line, col)
		pe.Err = errors.New(msg[:m[0]] + msg[m[1]:])
	}
	return pe
}

func (e *PrepareError) Unwrap() error { return e.Err }

// prepStmt is a statement read from a file.
type prepStmt struct {
	file string
	pos  flinksql.Pos
	sql  string
}

// nameRE keeps what a job name may hold.
var nameRE = regexp.MustCompile(`[^a-z0-9-]+`)

// Prepare runs each statement of the files, in order, on the target and
// waits for each (deployers.StatementRunner): shift_left's `pipeline
// prepare`, typically for a project's tests/insert_*.sql. Every file is
// read and split first, so a file the lexer refuses stops the run before
// anything runs; the first statement that fails stops it too, with its
// file and line (*PrepareError), and the result lists what ran before. The
// environment lock is held throughout.
func (ws *Workspace) Prepare(ctx context.Context, req PrepareRequest) (*PrepareResult, error) {
	if len(req.Files) == 0 {
		return nil, &RequestError{Msg: "pipeline prepare needs at least one SQL file"}
	}
	if req.Timeout <= 0 {
		req.Timeout = 5 * time.Minute
	}
	var stmts []prepStmt
	for _, f := range req.Files {
		data, err := os.ReadFile(ws.opts.abs(f))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
		ss, err := flinksql.SplitStatements(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w (nothing ran)", f, err)
		}
		for _, s := range ss {
			stmts = append(stmts, prepStmt{file: f, pos: s.Pos, sql: s.Text})
		}
	}
	t, r, err := targetWith[deployers.StatementRunner](ctx, ws, "the %s target keeps no data and cannot run SQL files: run pipeline prepare with --target flink (or confluent)")
	if err != nil {
		return nil, err
	}
	release, err := ws.lock(ctx, t, false, req.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer release()
	out := &PrepareResult{Target: t.Info()}
	stamp := ws.opts.Now().UTC().Format("20060102-150405")
	for i, s := range stmts {
		base := strings.TrimSuffix(filepath.Base(s.file), filepath.Ext(s.file))
		name := fmt.Sprintf("shiftleft-prepare-%s-%s-%d", nameRE.ReplaceAllString(strings.ToLower(base), "-"), stamp, i+1)
		start := ws.opts.Now()
		res, err := r.RunStatement(ctx, deployers.RunRequest{Name: name, SQL: s.sql, Timeout: req.Timeout})
		if err != nil {
			return out, prepareError(s, err)
		}
		ps := PreparedStatement{File: s.file, Line: s.pos.Line, Name: name, Kind: res.Kind, Table: res.Table, Phase: res.Phase,
			JobID: res.JobID, RowsWritten: res.RowsWritten, Duration: ws.opts.Now().Sub(start)}
		out.Statements = append(out.Statements, ps)
		if req.Progress != nil {
			req.Progress(ps)
		}
	}
	return out, nil
}
