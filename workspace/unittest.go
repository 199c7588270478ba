package workspace

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
	"github.com/shiftleft-dev/shiftleft/unittest"
)

// UnitTestRequest is what RunUnitTests is asked.
type UnitTestRequest struct {
	// Tables whose suites run (tests/test_definitions.yaml in each table's
	// folder). Tables without a suite are skipped and listed.
	Tables []string
	// Case runs only the case of that name (tables whose suite lacks it
	// are skipped).
	Case string
	// Keep leaves the tables, topics and jobs of each case in place, for a
	// look with table peek; the next run removes them.
	Keep bool
	// MaxParallel cases run at once (0: 4). With more than one, every case
	// gets its own run id after _ut.
	MaxParallel int
	// CaseTimeout bounds one case (0: 60 s).
	CaseTimeout time.Duration
	// LockTimeout is how long to wait for the environment lock.
	LockTimeout time.Duration
	// Progress, when set, is called as each case ends (from several
	// goroutines, one call at a time).
	Progress func(CaseResult)
}

// Case outcomes.
const (
	CasePass  = "PASS"
	CaseFail  = "FAIL"
	CaseError = "ERROR"
)

// CaseTimings say where a case's time went.
type CaseTimings struct {
	// Setup creates the test tables (and their topics).
	Setup time.Duration `json:"setup_ns"`
	// Inputs writes the input rows (one bounded job per input statement).
	Inputs time.Duration `json:"inputs_ns"`
	// Job runs the DML under test to its end (job start and data).
	Job time.Duration `json:"job_ns"`
	// Validation runs the validation queries, Polls times in all.
	Validation time.Duration `json:"validation_ns"`
	Polls      int           `json:"polls"`
	// Cleanup removes what the case created.
	Cleanup time.Duration `json:"cleanup_ns"`
}

// CaseResult is the outcome of one case.
type CaseResult struct {
	Suite    string        `json:"suite"` // the table under test
	Case     string        `json:"case"`
	Result   string        `json:"result"` // PASS, FAIL or ERROR
	Duration time.Duration `json:"duration_ns"`
	// Suffix is what the case's tables were named with (_ut, _ut_<run>).
	Suffix string `json:"suffix"`
	// Error is the engine's or the runner's message for an ERROR, the
	// reason for a FAIL; Where is file:line[:col] when known.
	Error string `json:"error,omitempty"`
	Where string `json:"where,omitempty"`
	// Validation holds the rows the failing validation query returned;
	// Output the first rows of the table under test's test copy.
	Validation *deployers.Rows `json:"validation,omitempty"`
	Output     *deployers.Rows `json:"output,omitempty"`
	Timings    CaseTimings     `json:"timings"`
	// Left lists what clean-up could not remove.
	Left []string `json:"left,omitempty"`
}

// UnitTestResult is what RunUnitTests did, cases sorted by suite and file
// order.
type UnitTestResult struct {
	Target   deployers.Info      `json:"target"`
	Cases    []CaseResult        `json:"cases"`
	Warnings []unittest.Warning  `json:"warnings,omitempty"`
	NoSuite  []string            `json:"no_suite,omitempty"`
	Removed  []string            `json:"removed_leftovers,omitempty"`
	Duration time.Duration       `json:"duration_ns"`
	Counts   map[string]int      `json:"counts"`
	suites   map[string]struct{} `json:"-"`
}

// Failed reports whether a case did not pass.
func (r *UnitTestResult) Failed() bool {
	return r.Counts[CaseFail]+r.Counts[CaseError] > 0
}

// utSuite is a loaded suite and its table.
type utSuite struct {
	table *pipeline.Table
	suite *unittest.Suite
}

// RunUnitTests runs the unit tests of the tables on the target: for each
// case, the foundation tables and the table under test are created under
// test names (suffix _ut, plus a run id when cases run side by side), the
// inputs are written, the table's DML runs on them (its reads and its
// write renamed through the lexer, nothing of a deployed pipeline read or
// written) and the validation queries are polled until they return PASS,
// or the case times out. Test tables are bounded (scan.bounded.mode =
// latest-offset), so the DML's job ends by itself once it read the inputs.
// Everything a case created is removed afterwards, also when ctx is
// cancelled; leftovers of earlier runs are removed first. Cases run in
// parallel up to MaxParallel. Cost per case: one DDL per table, one job per
// input statement, one job for the DML, one query per validation poll.
func (ws *Workspace) RunUnitTests(ctx context.Context, req UnitTestRequest) (*UnitTestResult, error) {
	if req.MaxParallel <= 0 {
		req.MaxParallel = 4
	}
	if req.CaseTimeout <= 0 {
		req.CaseTimeout = 60 * time.Second
	}
	start := ws.opts.Now()
	res := &UnitTestResult{Counts: map[string]int{}}
	suites, err := ws.loadSuites(req.Tables, res)
	if err != nil {
		return nil, err
	}
	type job struct {
		s *utSuite
		c *unittest.Case
	}
	var jobs []job
	for _, s := range suites {
		for i := range s.suite.Cases {
			c := &s.suite.Cases[i]
			if req.Case == "" || c.Name == req.Case {
				jobs = append(jobs, job{s, c})
			}
		}
	}
	if req.Case != "" && len(jobs) == 0 {
		return nil, &RequestError{Msg: fmt.Sprintf("no test case %s in the suites of %s", req.Case, strings.Join(req.Tables, ", "))}
	}
	t, err := ws.OpenTarget(ctx)
	if err != nil {
		return nil, err
	}
	res.Target = t.Info()
	if _, ok := t.Target.(deployers.RowReader); !ok {
		return nil, &UnsupportedError{Msg: fmt.Sprintf("the %s target cannot read query results: run unit tests with --target flink", t.Info().Target)}
	}
	release, err := ws.lock(ctx, t, false, req.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer release()
	for _, s := range suites {
		removed, err := ws.removeLeftovers(ctx, t, s)
		res.Removed = append(res.Removed, removed...)
		if err != nil {
			return res, fmt.Errorf("remove what earlier unit tests of %s left: %w", s.table.Name, err)
		}
	}
	run := strconv.FormatInt(ws.opts.Now().UnixMilli()%(36*36*36*36), 36)
	parallel := req.MaxParallel > 1 && len(jobs) > 1
	results := make([]CaseResult, len(jobs))
	sem := make(chan struct{}, req.MaxParallel)
	var wg sync.WaitGroup
	var progress sync.Mutex
	for i, j := range jobs {
		runID := ""
		if parallel {
			runID = run + strconv.FormatInt(int64(i), 36)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[i] = CaseResult{Suite: j.s.table.Name, Case: j.c.Name, Result: CaseError, Error: "interrupted before it started"}
				return
			}
			defer func() { <-sem }()
			results[i] = ws.runCase(ctx, t, j.s, j.c, unittest.CaseSuffix(runID), req)
			if req.Progress != nil {
				progress.Lock()
				req.Progress(results[i])
				progress.Unlock()
			}
		}()
	}
	wg.Wait()
	res.Cases = results
	for _, c := range results {
		res.Counts[c.Result]++
	}
	res.Duration = ws.opts.Now().Sub(start)
	return res, ctx.Err()
}

// loadSuites loads the suite of each table; tables without one are listed
// in res.NoSuite. A suite that cannot be read is an error.
func (ws *Workspace) loadSuites(tables []string, res *UnitTestResult) ([]*utSuite, error) {
	if len(tables) == 0 {
		return nil, &RequestError{Msg: "unit tests need a table or a selection"}
	}
	sorted := append([]string(nil), tables...)
	sort.Strings(sorted)
	var out []*utSuite
	for _, name := range sorted {
		tb := ws.Project.Table(name)
		if tb == nil {
			return nil, &RequestError{Msg: fmt.Sprintf("table %s is not in the project", name)}
		}
		if tb.Folder == "" || tb.DMLPath == "" {
			res.NoSuite = append(res.NoSuite, name)
			continue
		}
		s, warns, err := unittest.Load(ws.projectPath(tb.Folder))
		if errors.Is(err, unittest.ErrNoSuite) {
			res.NoSuite = append(res.NoSuite, name)
			continue
		}
		if err != nil {
			return nil, err
		}
		res.Warnings = append(res.Warnings, warns...)
		out = append(out, &utSuite{table: tb, suite: s})
	}
	if len(out) == 0 {
		return nil, &RequestError{Msg: fmt.Sprintf("no unit tests in %s: write them with 'shiftleft table init-unit-tests TABLE'", strings.Join(sorted, ", "))}
	}
	return out, nil
}

// abs is the path of a project-relative path.
func (ws *Workspace) projectPath(rel string) string {
	if filepath.IsAbs(rel) {
		return rel
	}
	return filepath.Join(ws.Project.Root, filepath.FromSlash(rel))
}

// shown is a path for messages: from the pipelines folder's name.
func (ws *Workspace) utShown(path string) string {
	parent := filepath.Dir(ws.Project.Root)
	if rel, err := filepath.Rel(parent, path); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return path
}

// caseTables are the tables a case copies: its foundations, and the table
// under test.
func caseTables(s *utSuite) []string {
	names := []string{s.table.Name}
	for _, f := range s.suite.Foundations {
		if f.Table != s.table.Name {
			names = append(names, f.Table)
		}
	}
	return names
}

// jobPrefix starts the name of every statement and job of the unit tests
// of a table: "sl-ut-" and the table with dashes, then "-ut".
func jobPrefix(table string) string {
	return "sl-ut-" + nameRE.ReplaceAllString(strings.ToLower(table), "-") + "-ut"
}

// caseError is an ERROR of a case at a place of a file.
type caseError struct {
	where string
	err   error
}

func (e *caseError) Error() string { return e.where + ": " + e.err.Error() }

// at places err in file: at the engine's position inside the statement
// starting at pos when the message names one, else at pos.
func (ws *Workspace) at(file string, pos flinksql.Pos, err error) error {
	var ce *caseError
	if errors.As(err, &ce) {
		return err
	}
	var fe *pipeline.FileError
	if errors.As(err, &fe) {
		return &caseError{where: fmt.Sprintf("%s:%d:%d", ws.utShown(fe.Path), fe.Line, fe.Col), err: errors.New(fe.Msg)}
	}
	line, col := pos.Line, 0
	msg := err.Error()
	m := enginePos.FindStringSubmatchIndex(msg)
	if m == nil {
		m = engineLinePos.FindStringSubmatchIndex(msg)
	}
	if m != nil {
		l, _ := strconv.Atoi(msg[m[2]:m[3]])
		c, _ := strconv.Atoi(msg[m[4]:m[5]])
		line, col = mapPosition(pos, l, c)
		err = errors.New(msg[:m[0]] + msg[m[1]:])
	}
	where := fmt.Sprintf("%s:%d", ws.utShown(file), line)
	if col > 0 {
		where += fmt.Sprintf(":%d", col)
	}
	return &caseError{where: where, err: err}
}

// engineLinePos is the position the flink target puts before the
// engine's message ("line 3, column 7: …").
var engineLinePos = regexp.MustCompile(`line (\d+), column (\d+): `)

// caseRun is one case being run: what it created, for clean-up.
type caseRun struct {
	ws     *Workspace
	t      *Target
	s      *utSuite
	c      *unittest.Case
	suffix string
	prefix string
	rn     map[string]string
	tables []string // created, in order
	stmts  []string // DML statements started through StartStatement
	n      int
}

func (r *caseRun) name(role string) (string, error) {
	r.n++
	name := fmt.Sprintf("%s%s-%s-%d", jobPrefix(r.s.table.Name), nameRE.ReplaceAllString(strings.ToLower(strings.TrimPrefix(r.suffix, unittest.Suffix)), "-"), role, r.n)
	if len(name) > 100 || !statementNameRE.MatchString(name) {
		return "", fmt.Errorf("statement name %q of a test of %s breaks the naming rules (at most 100 characters of a-z, 0-9 and '-'): shorten the table name", name, r.s.table.Name)
	}
	return name, nil
}

var statementNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// topicNameRE is Kafka's rule for topic names (at most 249 of these).
var topicNameRE = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,249}$`)

// runCase runs one case and removes what it created.
func (ws *Workspace) runCase(ctx context.Context, t *Target, s *utSuite, c *unittest.Case, suffix string, req UnitTestRequest) CaseResult {
	start := ws.opts.Now()
	out := CaseResult{Suite: s.table.Name, Case: c.Name, Suffix: suffix}
	r := &caseRun{ws: ws, t: t, s: s, c: c, suffix: suffix, prefix: jobPrefix(s.table.Name), rn: unittest.Renames(caseTables(s), suffix)}
	cctx, cancel := context.WithTimeout(ctx, req.CaseTimeout)
	err := r.run(cctx, &out)
	cancel()
	if err != nil {
		out.Result = CaseError
		var ce *caseError
		if errors.As(err, &ce) {
			out.Where, err = ce.where, ce.err
		}
		out.Error = err.Error()
		if ctx.Err() != nil {
			out.Error = "interrupted: " + out.Error
		} else if cctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
			out.Error = fmt.Sprintf("case timed out after %s (--case-timeout): %v", req.CaseTimeout, err)
		}
	}
	if !req.Keep {
		cs := ws.opts.Now()
		out.Left = r.cleanup(ctx)
		out.Timings.Cleanup = ws.opts.Now().Sub(cs)
	}
	out.Duration = ws.opts.Now().Sub(start)
	return out
}

// run does a case's work; a nil error leaves out.Result PASS or FAIL.
func (r *caseRun) run(ctx context.Context, out *CaseResult) error {
	ws, s := r.ws, r.s
	// Check every name before anything is created.
	for _, tb := range caseTables(s) {
		if n := tb + r.suffix; !topicNameRE.MatchString(n) {
			return fmt.Errorf("test table %s breaks the naming rules of topics (at most 249 of a-z, A-Z, 0-9, '.', '_', '-')", n)
		}
	}
	if _, err := ws.Naming().Name(&pipeline.Table{Name: s.table.Name + r.suffix, Product: s.table.Product}, deployers.KindDML); err != nil {
		return err
	}
	for _, p := range append(append([]string(nil), s.table.Parents...), externalNames(s.table)...) {
		if s.suite.Foundation(p) == nil {
			return &caseError{where: fmt.Sprintf("%s:1", ws.utShown(s.suite.File)), err: fmt.Errorf("%s reads %s, which has no foundation in the suite: a test never reads a deployed table; add a foundation with its ddl_for_test", s.table.Name, p)}
		}
	}
	// 1. Tables.
	t0 := ws.opts.Now()
	cols := map[string][]flinksql.Column{}
	for _, f := range s.suite.Foundations {
		path := s.suite.Path(f.DDLFile)
		ddl, err := r.create(ctx, f.Table, path, f.Table != s.table.Name)
		if err != nil {
			return err
		}
		if cols[f.Table], err = unittest.Columns(ddl); err != nil {
			return ws.at(path, flinksql.Pos{Line: 1}, err)
		}
	}
	if s.table.DDLPath != "" && s.suite.Foundation(s.table.Name) == nil {
		if _, err := r.create(ctx, s.table.Name, ws.projectPath(s.table.DDLPath), false); err != nil {
			return err
		}
	}
	out.Timings.Setup = ws.opts.Now().Sub(t0)
	// 2. Inputs.
	t0 = ws.opts.Now()
	for _, in := range r.c.Inputs {
		path := s.suite.Path(in.File)
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
		if in.Type == unittest.CSV {
			c, ok := cols[in.Table]
			if !ok {
				return &caseError{where: fmt.Sprintf("%s:%d", ws.utShown(s.suite.File), in.Line), err: fmt.Errorf("CSV input for %s needs its foundation's DDL for the column types", in.Table)}
			}
			sql, err := unittest.CSVInsert(path, string(data), in.Table+r.suffix, c)
			if err != nil {
				return ws.at(path, flinksql.Pos{Line: 1}, err)
			}
			if err := r.runSQL(ctx, path, flinksql.Pos{Line: 1, Col: 1}, sql, "in"); err != nil {
				return err
			}
			continue
		}
		if err := r.runFile(ctx, path, string(data), "in"); err != nil {
			return err
		}
	}
	out.Timings.Inputs = ws.opts.Now().Sub(t0)
	// 3. The DML under test.
	t0 = ws.opts.Now()
	dmlPath := ws.projectPath(s.table.DMLPath)
	data, err := os.ReadFile(dmlPath)
	if err != nil {
		return fmt.Errorf("read DML: %w", err)
	}
	if err := r.runFile(ctx, dmlPath, string(data), "dml"); err != nil {
		return err
	}
	out.Timings.Job = ws.opts.Now().Sub(t0)
	// 4. Validations. The DML's job ended (its sources are bounded), so
	// a validation answers at once; polling covers a sink that makes its
	// rows visible late.
	t0 = ws.opts.Now()
	defer func() { out.Timings.Validation = ws.opts.Now().Sub(t0) }()
	out.Result = CasePass
	for _, o := range r.c.Outputs {
		path := s.suite.Path(o.File)
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read validation: %w", err)
		}
		verdict, rows, err := r.validate(ctx, path, string(data), &out.Timings.Polls)
		if err != nil {
			return err
		}
		if verdict != CasePass {
			out.Result = CaseFail
			out.Where = fmt.Sprintf("%s:1", ws.utShown(path))
			out.Error = fmt.Sprintf("validation returned %s", verdict)
			out.Validation = &rows
			if q, ok := r.t.Target.(deployers.RowReader); ok {
				name, err := r.name("out")
				if err == nil {
					// A bounded read of the test table (as table peek does):
					// it ends once it has read what the topic holds, where a
					// query waiting for rows to settle can end before its job
					// has started.
					qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
					test := o.Table + r.suffix
					if or, err := q.ReadRows(qctx, deployers.ReadRequest{Name: name, Table: test, Limit: 10}); err == nil {
						out.Output = &or
					}
					cancel()
				}
			}
			return nil
		}
	}
	return nil
}

// externalNames are the last parts of a table's external references.
func externalNames(tb *pipeline.Table) []string {
	out := make([]string, len(tb.External))
	for i, ref := range tb.External {
		out[i] = ref[strings.LastIndexByte(ref, '.')+1:]
	}
	return out
}

// create creates the test copy of table from the DDL in path (renamed,
// bounded) and records it for clean-up.
func (r *caseRun) create(ctx context.Context, table, path string, input bool) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read DDL of %s: %w", table, err)
	}
	stmts, err := flinksql.SplitStatements(data)
	if err != nil {
		return "", r.ws.at(path, flinksql.Pos{Line: 1}, err)
	}
	var ddl string
	var pos flinksql.Pos
	for _, st := range stmts {
		if a, err := flinksql.Analyze([]byte(st.Text)); err == nil && len(a.Tables) > 0 {
			ddl, pos = st.Text, st.Pos
			break
		}
	}
	if ddl == "" {
		return "", &caseError{where: r.ws.utShown(path) + ":1", err: fmt.Errorf("no CREATE TABLE for %s", table)}
	}
	renamed, err := flinksql.RenameTables(ddl, r.rn)
	if err != nil {
		return "", r.ws.at(path, flinksql.Pos{Line: 1, Col: 1}, err)
	}
	bounded, err := unittest.TestDDL(renamed, input)
	if err != nil {
		return "", r.ws.at(path, pos, err)
	}
	name, err := r.name("ddl")
	if err != nil {
		return "", err
	}
	test := table + r.suffix
	r.tables = append(r.tables, test)
	if err := r.createTable(ctx, name, test, bounded); err != nil {
		return "", r.ws.at(path, pos, stmtDetail(err))
	}
	return bounded, nil
}

// createTable creates a test table and waits for its DDL to complete (the
// flink target creates it at once; confluent runs it as a statement).
func (r *caseRun) createTable(ctx context.Context, name, table, ddl string) error {
	if _, err := r.t.CreateTable(ctx, deployers.StatementRequest{Name: name, Table: table, Kind: deployers.KindDDL, SQL: ddl}); err != nil {
		return err
	}
	_, err := r.t.Wait(ctx, name, []deployers.Phase{deployers.PhaseCompleted}, 0)
	return err
}

// stmtDetail keeps the engine's message of a failed statement.
func stmtDetail(err error) error {
	var se *deployers.StatementError
	if errors.As(err, &se) && se.Detail != "" {
		return errors.New(se.Detail)
	}
	return err
}

// runFile runs each statement of a SQL file, renamed.
func (r *caseRun) runFile(ctx context.Context, path, sql, role string) error {
	stmts, err := flinksql.SplitStatements([]byte(sql))
	if err != nil {
		return r.ws.at(path, flinksql.Pos{Line: 1}, err)
	}
	for _, st := range stmts {
		renamed, err := flinksql.RenameTables(st.Text, r.rn)
		if err != nil {
			return r.ws.at(path, st.Pos, err)
		}
		if err := r.runSQL(ctx, path, st.Pos, renamed, role); err != nil {
			return err
		}
	}
	return nil
}

// isTestTable reports whether name is one of the case's test tables.
func (r *caseRun) isTestTable(name string) bool {
	for _, to := range r.rn {
		if strings.EqualFold(to, name) {
			return true
		}
	}
	return false
}

// runSQL runs one statement to its end: a CREATE TABLE as a test table,
// SET/USE and the like in the session, an INSERT (dialect applied) as a job
// that ends by itself since every test table is bounded.
func (r *caseRun) runSQL(ctx context.Context, path string, pos flinksql.Pos, sql, role string) error {
	a, err := flinksql.Analyze([]byte(sql))
	if err != nil {
		return r.ws.at(path, pos, err)
	}
	if len(a.Tables) > 0 {
		// A CREATE TABLE in an input file: created, bounded and removed
		// like a foundation.
		bounded, err := unittest.TestDDL(sql, true)
		if err != nil {
			return r.ws.at(path, pos, err)
		}
		name, err := r.name("ddl")
		if err != nil {
			return err
		}
		tb := a.Tables[0].Name.Table()
		r.tables = append(r.tables, tb)
		if err := r.createTable(ctx, name, tb, bounded); err != nil {
			return r.ws.at(path, pos, stmtDetail(err))
		}
		return nil
	}
	for _, w := range a.Writes {
		if !r.isTestTable(w.Table()) {
			return r.ws.at(path, w.Pos, fmt.Errorf("writes %s, which is not a table of the test: a test writes only its own tables (name_ut)", w.Table()))
		}
	}
	if dr, ok := r.t.Target.(deployers.DMLRenderer); ok && len(a.Writes) > 0 {
		rendered, _, err := dr.RenderDML(r.s.table.Name, sql)
		if err != nil {
			var sqe *deployers.SQLError
			if errors.As(err, &sqe) {
				return r.ws.at(path, pos, fmt.Errorf("%s at line %d, column %d", sqe.Msg, sqe.Line, sqe.Col))
			}
			return r.ws.at(path, pos, err)
		}
		sql = rendered
	}
	name, err := r.name(role)
	if err != nil {
		return err
	}
	if sr, ok := r.t.Target.(deployers.StatementRunner); ok {
		timeout := time.Duration(0)
		if d, ok := ctx.Deadline(); ok {
			timeout = time.Until(d)
		}
		if _, err := sr.RunStatement(ctx, deployers.RunRequest{Name: name, SQL: sql, Timeout: timeout}); err != nil {
			return r.ws.at(path, pos, stmtDetail(err))
		}
		return nil
	}
	r.stmts = append(r.stmts, name)
	if _, err := r.t.StartStatement(ctx, deployers.StatementRequest{Name: name, Table: r.s.table.Name + r.suffix, Kind: deployers.KindDML, SQL: sql}); err != nil {
		return r.ws.at(path, pos, stmtDetail(err))
	}
	if _, err := r.t.Wait(ctx, name, []deployers.Phase{deployers.PhaseCompleted}, 0); err != nil {
		return r.ws.at(path, pos, stmtDetail(err))
	}
	return nil
}

// validate polls a validation query until it says PASS or ctx ends; the
// verdict is the first column of its last row (+I or +U: a changelog's
// final value).
func (r *caseRun) validate(ctx context.Context, path, sql string, polls *int) (string, deployers.Rows, error) {
	_, finished := r.t.Target.(deployers.StatementRunner)
	const settle = 1500 * time.Millisecond
	q := r.t.Target.(deployers.RowReader)
	stmts, err := flinksql.SplitStatements([]byte(sql))
	if err != nil {
		return "", deployers.Rows{}, r.ws.at(path, flinksql.Pos{Line: 1}, err)
	}
	st := stmts[len(stmts)-1]
	renamed, err := flinksql.RenameTables(st.Text, r.rn)
	if err != nil {
		return "", deployers.Rows{}, r.ws.at(path, st.Pos, err)
	}
	var last deployers.Rows
	verdict := ""
	for wait := 200 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		name, err := r.name("val")
		if err != nil {
			return "", last, err
		}
		*polls++
		rows, err := q.ReadRows(ctx, deployers.ReadRequest{Name: name, SQL: renamed, Limit: 1000, Settle: settle})
		if err != nil {
			if ctx.Err() != nil && verdict != "" {
				return verdict, last, nil
			}
			return "", rows, r.ws.at(path, st.Pos, err)
		}
		last, verdict = rows, verdictOf(rows)
		if verdict == CasePass || (finished && verdict != "no rows") {
			// The DML's job ended before: the rows read are final.
			return verdict, rows, nil
		}
		select {
		case <-ctx.Done():
			if verdict == "" {
				verdict = "no rows"
			}
			return verdict, last, nil
		case <-time.After(wait):
		}
	}
}

// verdictOf is the first column of the last row that is not a retraction.
func verdictOf(rows deployers.Rows) string {
	v := ""
	for _, row := range rows.Rows {
		if row.Op == "-U" || row.Op == "-D" || len(row.Values) == 0 {
			continue
		}
		v = strings.ToUpper(strings.TrimSpace(fmt.Sprint(row.Values[0])))
	}
	if v == "" {
		return "no rows"
	}
	return v
}

// cleanup removes the case's jobs, statements and tables (with their
// topics), even after ctx was cancelled: it runs on a context of its own
// with a deadline. It returns what it could not remove.
func (r *caseRun) cleanup(ctx context.Context) []string {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
	defer cancel()
	var left []string
	prefix := r.prefix + nameRE.ReplaceAllString(strings.ToLower(strings.TrimPrefix(r.suffix, unittest.Suffix)), "-") + "-"
	if jc, ok := r.t.Target.(deployers.JobCanceller); ok {
		if _, err := jc.CancelJobs(cctx, prefix); err != nil {
			left = append(left, "jobs "+prefix+"*: "+err.Error())
		}
	}
	for _, name := range r.stmts {
		if err := r.t.DeleteStatement(cctx, name); err != nil {
			left = append(left, "statement "+name+": "+err.Error())
		}
	}
	for i := len(r.tables) - 1; i >= 0; i-- {
		tb := r.tables[i]
		if err := r.t.DropTable(cctx, deployers.StatementRequest{Name: prefix + "drop-" + strconv.Itoa(i), Table: tb, Kind: deployers.KindDrop}); err != nil {
			left = append(left, "table "+tb+": "+err.Error())
		}
	}
	return left
}

// removeLeftovers removes the test tables and jobs an earlier run of a
// suite left (an interrupted run, --keep): tables named after a table of
// the suite with _ut or _ut_<run id>, jobs named with the suite's prefix.
func (ws *Workspace) removeLeftovers(ctx context.Context, t *Target, s *utSuite) ([]string, error) {
	var removed []string
	if jc, ok := t.Target.(deployers.JobCanceller); ok {
		names, err := jc.CancelJobs(ctx, jobPrefix(s.table.Name))
		for _, n := range names {
			removed = append(removed, "job "+n)
		}
		if err != nil {
			return removed, err
		}
	}
	bases := map[string]bool{}
	for _, tb := range caseTables(s) {
		bases[strings.ToLower(tb)] = true
	}
	var tables []string
	if tl, ok := t.Target.(deployers.TableLister); ok {
		tables = tl.Tables()
	} else {
		// No list of tables (confluent): SHOW TABLES through the results
		// API, and the tables of the DDL statements still listed.
		if rr, ok := t.Target.(deployers.RowReader); ok {
			rows, err := rr.ReadRows(ctx, deployers.ReadRequest{Name: jobPrefix(s.table.Name) + "-show-tables", SQL: "SHOW TABLES"})
			if err != nil {
				return removed, fmt.Errorf("list the tables: %w", err)
			}
			for _, row := range rows.Rows {
				if len(row.Values) > 0 {
					tables = append(tables, fmt.Sprint(row.Values[0]))
				}
			}
		}
		stmts, err := t.ListStatements(ctx)
		if err != nil {
			return removed, err
		}
		for _, st := range stmts {
			if strings.HasPrefix(st.Name, jobPrefix(s.table.Name)) {
				if err := t.DeleteStatement(ctx, st.Name); err != nil {
					return removed, err
				}
				removed = append(removed, "statement "+st.Name)
			}
			if st.Kind == deployers.KindDDL && st.Table != "" {
				tables = append(tables, st.Table)
			}
		}
	}
	sort.Strings(tables)
	tables = slices.Compact(tables)
	for i, tb := range tables {
		if _, ok := unittest.IsTestTable(tb, bases); !ok {
			continue
		}
		if err := t.DropTable(ctx, deployers.StatementRequest{Name: jobPrefix(s.table.Name) + "-drop-leftover-" + strconv.Itoa(i), Table: tb, Kind: deployers.KindDrop}); err != nil {
			return removed, err
		}
		removed = append(removed, "table "+tb)
	}
	return removed, nil
}

// DeleteUnitTests removes what the unit tests of the tables left on the
// target (tables and topics named _ut, their jobs), as RunUnitTests does
// before it starts, and returns what it removed.
func (ws *Workspace) DeleteUnitTests(ctx context.Context, tables []string, lockTimeout time.Duration) ([]string, error) {
	var res UnitTestResult
	suites, err := ws.loadSuites(tables, &res)
	if err != nil {
		return nil, err
	}
	t, err := ws.OpenTarget(ctx)
	if err != nil {
		return nil, err
	}
	release, err := ws.lock(ctx, t, false, lockTimeout)
	if err != nil {
		return nil, err
	}
	defer release()
	var removed []string
	for _, s := range suites {
		r, err := ws.removeLeftovers(ctx, t, s)
		removed = append(removed, r...)
		if err != nil {
			return removed, fmt.Errorf("remove what the unit tests of %s left: %w", s.table.Name, err)
		}
	}
	return removed, nil
}
