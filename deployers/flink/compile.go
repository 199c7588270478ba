package flink

import (
	"context"
	"errors"
	"fmt"
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
	// Nothing connects to Kafka while compiling: a placeholder address
	// stands in when none is configured, so the connector's required
	// options are there as they will be on deploy.
	d := t.dialect()
	if d.bootstrap == "" && d.set["properties.bootstrap.servers"] == "" {
		d.bootstrap = "bootstrap.invalid:9092"
	}
	out := make([]deployers.CompileResult, len(reqs))
	for i, r := range reqs {
		if r.Kind != deployers.KindDDL {
			continue
		}
		rd, err := renderDDL(r.Table, r.SQL, d)
		if err != nil {
			out[i] = renderOutcome(err)
			continue
		}
		// The rendered DDL keeps the lines of r.SQL (KeepLines), so the
		// engine's positions are r.SQL's.
		o, _, err := t.gw.runOp(ctx, s, rd.SQL, nil, poll, 0)
		t.gw.closeOp(ctx, s, o)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out[i] = compileOutcome(err, 0)
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
			dml, _, err := t.RenderDML(r.Table, r.SQL)
			if err != nil {
				out[i] = renderOutcome(err)
				return
			}
			o, res, err := t.gw.runOp(ctx, s, explainPrefix+dml, nil, poll, 0)
			t.gw.closeOp(ctx, s, o)
			out[i] = compileOutcome(err, len(explainPrefix))
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
// it on its first line (EXPLAIN).
func compileOutcome(err error, prefix int) deployers.CompileResult {
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
		r.Line, r.Col = ee.Line, ee.Col
		if ee.Line == 1 {
			r.Col = max(1, ee.Col-prefix)
		}
	}
	return r
}

// renderOutcome is a translation error: the first *deployers.SQLError
// gives the position (all messages are kept).
func renderOutcome(err error) deployers.CompileResult {
	r := deployers.CompileResult{Err: err.Error()}
	var se *deployers.SQLError
	if errors.As(err, &se) {
		r.Line, r.Col = se.Line, se.Col
		var all deployers.SQLErrors
		if !errors.As(err, &all) {
			r.Err = se.Msg
		}
	}
	return r
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
