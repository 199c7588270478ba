package workspace

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// UnsupportedError is a use case the opened target cannot serve (the
// local target keeps no data and compiles no SQL).
type UnsupportedError struct{ Msg string }

func (e *UnsupportedError) Error() string { return e.Msg }

// ValidateRequest is what Validate is asked: the selected tables, or
// Tables by name (table explain).
type ValidateRequest struct {
	Selection Selection
	// Tables, when set, are compiled instead of a selection.
	Tables []string
	// ExternalsDirs are folders of SQL files that define external inputs,
	// searched before the readers' tests/ddl*.sql files (as deploy's).
	ExternalsDirs []string
}

// CompiledStatement is one statement as the engine compiled it.
type CompiledStatement struct {
	Table string                  `json:"table"`
	Kind  deployers.StatementKind `json:"kind"`
	// File is the statement's file, relative to the pipelines folder;
	// Line and Col locate the error (or the statement when it compiled).
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
	// Context marks a table compiled only because a selected DML reads it.
	Context bool   `json:"context,omitempty"`
	Error   string `json:"error,omitempty"`
	Skipped bool   `json:"skipped,omitempty"`
	Plan    string `json:"plan,omitempty"`
}

// Failed says the statement did not compile.
func (s CompiledStatement) Failed() bool { return s.Error != "" && !s.Skipped }

// String is "file:line:col: table (kind): error".
func (s CompiledStatement) String() string {
	msg := s.Error
	if msg == "" {
		msg = "ok"
	}
	return fmt.Sprintf("%s:%d:%d: %s (%s): %s", s.File, s.Line, s.Col, s.Table, s.Kind, msg)
}

// ValidateResult is every statement compiled, sorted by file and line.
type ValidateResult struct {
	Target     deployers.Info      `json:"target"`
	Statements []CompiledStatement `json:"statements"`
	Duration   time.Duration       `json:"duration_ns"`
}

// Problems are the statements that did not compile.
func (r *ValidateResult) Problems() []CompiledStatement {
	var out []CompiledStatement
	for _, s := range r.Statements {
		if s.Failed() {
			out = append(out, s)
		}
	}
	return out
}

// ValidationError lists every statement that did not compile.
type ValidationError struct{ Problems []CompiledStatement }

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = "  " + p.String()
	}
	return fmt.Sprintf("%d statement(s) do not compile:\n%s", len(e.Problems), strings.Join(lines, "\n"))
}

// compileUnit is a request with where its SQL comes from.
type compileUnit struct {
	req     deployers.CompileRequest
	file    string
	pos     flinksql.Pos
	context bool
	// missing are inputs of a DML with no definition anywhere: it is not
	// sent to the engine.
	missing []string
}

// Validate compiles the DDL and DML of the selected tables on the target's
// engine without starting anything (deployers.Compiler): the DDLs of the
// selected tables and of every table their DMLs read (from the project, or
// for an external input from a tests/ddl*.sql file of a reading table's
// folder that creates it), then each DML. The SQL is what a deploy submits
// (sql_rewrites applied; the target's dialect translation happens in
// Compile as in CreateTable). Positions are mapped back to the files. The
// result lists every statement; statements that do not compile are also
// returned as a *ValidationError. Cost: one engine operation per statement.
func (ws *Workspace) Validate(ctx context.Context, req ValidateRequest) (*ValidateResult, error) {
	t, c, err := targetWith[deployers.Compiler](ctx, ws, "the %s target cannot compile SQL: it checks names and the graph only, never SQL syntax or types; validate on the engine with --target flink (or confluent)")
	if err != nil {
		return nil, err
	}
	tables, err := ws.validateTables(ctx, req)
	if err != nil {
		return nil, err
	}
	defs := &definitions{root: ws.Project.Root, created: map[string]string{}, read: map[string]bool{}}
	for _, d := range req.ExternalsDirs {
		if err := defs.addDir(ws.opts.abs(d)); err != nil {
			return nil, err
		}
	}
	units, err := ws.compileUnits(tables, defs)
	if err != nil {
		return nil, err
	}
	var reqs []deployers.CompileRequest
	for _, u := range units {
		if len(u.missing) == 0 {
			reqs = append(reqs, u.req)
		}
	}
	start := ws.opts.Now()
	results, err := c.Compile(ctx, reqs)
	if err != nil {
		return nil, fmt.Errorf("compile on %s: %w", t.Info(), err)
	}
	out := &ValidateResult{Target: t.Info(), Duration: ws.opts.Now().Sub(start)}
	k := 0
	for _, u := range units {
		var r deployers.CompileResult
		if len(u.missing) > 0 {
			r = deployers.CompileResult{Skipped: true, Err: fmt.Sprintf("reads %s, defined nowhere in the project (an external input without a DDL: give one in a tests/ddl*.sql file of this table's folder, or with --externals-dir)", strings.Join(u.missing, ", "))}
		} else {
			r = results[k]
			k++
		}
		s := CompiledStatement{Table: u.req.Table, Kind: u.req.Kind, File: u.file, Line: u.pos.Line, Col: u.pos.Col,
			Context: u.context, Error: r.Err, Skipped: r.Skipped, Plan: r.Plan}
		if r.Line > 0 {
			s.Line, s.Col = mapPosition(u.pos, r.Line, r.Col)
		}
		out.Statements = append(out.Statements, s)
	}
	// Listed by file and position, as every listing is sorted.
	sort.SliceStable(out.Statements, func(i, j int) bool {
		a, b := out.Statements[i], out.Statements[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line || (a.Line == b.Line && a.Col < b.Col)
	})
	if ps := out.Problems(); len(ps) > 0 {
		return out, &ValidationError{Problems: ps}
	}
	return out, nil
}

// mapPosition maps a 1-based position in a statement's text to the file:
// the statement starts at start.
func mapPosition(start flinksql.Pos, line, col int) (int, int) {
	if line == 1 {
		return start.Line, start.Col + col - 1
	}
	return start.Line + line - 1, col
}

// validateTables are the tables a request names, sorted.
func (ws *Workspace) validateTables(ctx context.Context, req ValidateRequest) ([]*pipeline.Table, error) {
	names := req.Tables
	if len(names) == 0 {
		sel, err := ws.Select(ctx, req.Selection)
		if err != nil {
			return nil, err
		}
		names = sel.Selected
	}
	var out []*pipeline.Table
	for _, n := range names {
		tb := ws.Project.Table(n)
		if tb == nil {
			return nil, &RequestError{Msg: fmt.Sprintf("table %s is not in the pipelines", n)}
		}
		if tb.Deployable() {
			out = append(out, tb)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if len(out) == 0 {
		return nil, &RequestError{Msg: "the selection has no table with SQL to compile"}
	}
	return out, nil
}

// compileUnits splits the tables' files into statements: the CREATE
// statements of the DDLs (selected tables, then the tables the DMLs read),
// then the DML statements (SET statements are session settings, not
// compiled).
func (ws *Workspace) compileUnits(tables []*pipeline.Table, defs *definitions) ([]compileUnit, error) {
	sqlOf := ws.sqlSource(ws.Project)
	var ddls, dmls []compileUnit
	done := map[string]bool{}
	addDDL := func(tb *pipeline.Table, context bool) error {
		if done[tb.Name] || tb.DDLPath == "" {
			return nil
		}
		done[tb.Name] = true
		ddl, _, err := sqlOf(tb)
		if err != nil {
			return err
		}
		us, err := splitUnits(tb.Name, tb.DDLPath, ddl, deployers.KindDDL, context)
		ddls = append(ddls, us...)
		return err
	}
	for _, tb := range tables {
		if err := addDDL(tb, false); err != nil {
			return nil, err
		}
	}
	for _, tb := range tables {
		if tb.DMLPath == "" {
			continue
		}
		var missing []string
		inputs := append([]string(nil), tb.Parents...)
		for _, ref := range tb.External {
			inputs = append(inputs, ref[strings.LastIndexByte(ref, '.')+1:])
		}
		for _, p := range inputs {
			if pt := ws.Project.Table(p); pt != nil && pt.DDLPath != "" {
				if err := addDDL(pt, true); err != nil {
					return nil, err
				}
				continue
			}
			// An input defined nowhere in the tree: shift_left's test
			// convention keeps its DDL in the reader's tests folder.
			us, err := ws.externalDDL(defs, tb, p, done)
			if err != nil {
				return nil, err
			}
			ddls = append(ddls, us...)
			if !done[p] {
				missing = append(missing, p)
			}
		}
		_, dml, err := sqlOf(tb)
		if err != nil {
			return nil, err
		}
		us, err := splitUnits(tb.Name, tb.DMLPath, dml, deployers.KindDML, false)
		if err != nil {
			return nil, err
		}
		for i := range us {
			us[i].missing = missing
		}
		dmls = append(dmls, us...)
	}
	return append(ddls, dmls...), nil
}

// externalDDL finds the CREATE TABLE of an input the project does not
// define, as deploys do (definitions): in the externals dirs, then the
// tests/ddl*.sql files of the reading table's folder, matched on the table
// the SQL creates, not the file name. None found: nothing, and the reading
// DML is reported not compiled, naming the table.
func (ws *Workspace) externalDDL(defs *definitions, reader *pipeline.Table, name string, done map[string]bool) ([]compileUnit, error) {
	if done[name] {
		return nil, nil
	}
	if reader.Folder != "" {
		if err := defs.addTests(reader.Folder); err != nil {
			return nil, err
		}
	}
	rel, ok := defs.created[name]
	if !ok {
		return nil, nil
	}
	path := rel
	if !filepath.IsAbs(path) {
		path = filepath.Join(ws.Project.Root, filepath.FromSlash(rel))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("definition of external %s: %w", name, err)
	}
	done[name] = true
	return splitUnits(name, rel, string(data), deployers.KindDDL, true)
}

// splitUnits splits a file into statements of one kind; SET, RESET and
// USE statements are skipped. A file the lexer refuses is an error naming
// file and line.
func splitUnits(table, file, sql string, kind deployers.StatementKind, context bool) ([]compileUnit, error) {
	stmts, err := flinksql.SplitStatements([]byte(sql))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var out []compileUnit
	for _, s := range stmts {
		first := strings.ToUpper(strings.Fields(s.Text)[0])
		if first == "SET" || first == "RESET" || first == "USE" {
			continue
		}
		out = append(out, compileUnit{req: deployers.CompileRequest{Table: table, Kind: kind, SQL: s.Text}, file: file, pos: s.Pos, context: context})
	}
	return out, nil
}
