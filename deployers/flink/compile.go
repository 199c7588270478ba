package flink

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

var _ deployers.Compiler = (*Target)(nil)

// explainPrefix is put before each DML; positions on its line are shifted
// back by its length.
const explainPrefix = "EXPLAIN "

// compileParallel bounds the EXPLAINs in flight: the gateway runs a
// session's operations on its own thread pool, and planning is CPU work on
// a machine others share.
const compileParallel = 4

// Compile implements deployers.Compiler. It opens a session of its own
// (nothing is replayed into it: the recorded tables are not needed and the
// target's session is left alone), creates each DDL there as RenderDDL
// rewrites it for deploys (the session's catalog is in memory: no topic is
// created, no job starts), then EXPLAINs each DML, a few at a time. The
// session is closed on return. Cost: one gateway operation per statement,
// about 50–300 ms each on a local engine.
func (t *Target) Compile(ctx context.Context, reqs []deployers.CompileRequest) ([]deployers.CompileResult, error) {
	poll := min(t.opts.PollInterval, 50*time.Millisecond)
	s, err := t.gw.openSession(ctx, "shiftleft-validate", sessionProperties())
	if err != nil {
		return nil, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = t.gw.closeSession(cctx, s)
	}()
	for _, stmt := range t.sessionSetup() {
		if err := t.gw.configure(ctx, s, stmt); err != nil {
			return nil, fmt.Errorf("set up SQL Gateway session (%s): %w", stmt, err)
		}
	}
	out := make([]deployers.CompileResult, len(reqs))
	for i, r := range reqs {
		if r.Kind != deployers.KindDDL {
			continue
		}
		rd, err := t.render(r.Table, r.SQL)
		if err != nil {
			out[i] = deployers.CompileResult{Err: err.Error()}
			continue
		}
		sql, shift := rd.SQL, leadingShift(r.SQL)
		o, _, err := t.gw.runOp(ctx, s, sql, nil, poll, 0)
		t.gw.closeOp(ctx, s, o)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out[i] = compileOutcome(err, 0, shift)
	}
	var (
		wg  sync.WaitGroup
		sem = make(chan struct{}, compileParallel)
	)
	for i, r := range reqs {
		if r.Kind != deployers.KindDML {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			o, res, err := t.gw.runOp(ctx, s, explainPrefix+r.SQL, nil, poll, 0)
			t.gw.closeOp(ctx, s, o)
			out[i] = compileOutcome(err, len(explainPrefix), 0)
			if err == nil && len(res.Rows) > 0 && len(res.Rows[0]) > 0 {
				out[i].Plan = jsonString(res.Rows[0][0])
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// compileOutcome turns a statement's error into a result whose position
// refers to the caller's SQL: prefix is the length of what was put before
// it on its first line, lines the number of lines the rewrite removed
// before the statement (see leadingShift).
func compileOutcome(err error, prefix, lines int) deployers.CompileResult {
	if err == nil {
		return deployers.CompileResult{}
	}
	var ee *EngineError
	if !errors.As(err, &ee) {
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Message != "" {
			return deployers.CompileResult{Err: apiErr.Message}
		}
		return deployers.CompileResult{Err: err.Error()}
	}
	r := deployers.CompileResult{Err: ee.Message}
	if ee.Line > 0 {
		r.Line, r.Col = ee.Line+lines, ee.Col
		if ee.Line == 1 {
			r.Col = max(1, ee.Col-prefix)
		}
	}
	return r
}

// leadingShift is the number of lines before the first token of orig that
// the rendered statement (which starts at its first token) lost; the
// rewrite keeps the lines of the statement itself.
func leadingShift(orig string) int {
	st, err := statementText(orig)
	if err != nil {
		return 0
	}
	i := strings.Index(orig, st[:min(len(st), 16)])
	if i < 0 {
		return 0
	}
	return strings.Count(orig[:i], "\n")
}

// sessionSetup is the catalog and database setup of a session (see
// openSession).
func (t *Target) sessionSetup() []string {
	var setup []string
	if c := t.opts.Catalog; c != "" && c != "default_catalog" {
		setup = append(setup,
			"CREATE CATALOG IF NOT EXISTS "+quoteIdent(c)+" WITH ('type' = 'generic_in_memory')",
			"USE CATALOG "+quoteIdent(c))
	}
	if d := t.opts.Database; d != "" && d != "default_database" {
		setup = append(setup, "CREATE DATABASE IF NOT EXISTS "+quoteIdent(d), "USE "+quoteIdent(d))
	}
	return setup
}
