// Package local is the embedded deployment target: no server and no
// account. It keeps a catalog (tables with their DDL and parsed columns)
// and the statements of one environment in a JSON state file, and behaves
// like the real service where a deploy can tell the difference: a CREATE
// TABLE of an existing table fails, an INSERT fails when a table it
// writes or reads does not exist, DDL completes, DML keeps running, and a
// table in use by a running statement cannot be dropped.
//
// The state is a snapshot file and a journal of the changes since
// (journal.go). Every operation first reads what the journal gained, and
// every change appends to it under a file lock, so several Target values (or
// processes) see one consistent state.
package local

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
	"github.com/shiftleft-dev/shiftleft/statelock"
)

// TargetName is the name of this target in plans, reports and lock files.
const TargetName = "local"

// DefaultStateDir is the state directory's name, created next to the
// pipelines folder unless configured otherwise.
const DefaultStateDir = ".shiftleft"

// Options configure a local target. The zero value is a plain target;
// latency and failures are simulated only when asked for.
type Options struct {
	// ExternalTables exist outside the project (seeds/external_tables.json,
	// and the references no table of the project defines): statements may
	// read them although they are not in the catalog, as the local target
	// assumes external inputs present. Names match either qualified as
	// written or by their last part.
	ExternalTables []string
	// ProjectTables are the tables of the project: a statement reading a
	// missing one is told to deploy it first. Any other missing table is
	// not the project's to deploy, and is reported as such.
	ProjectTables []string
	// Now is the clock for timestamps (default time.Now).
	Now func() time.Time
	// Logger receives debug logs of every operation (default: none).
	Logger *slog.Logger

	// Latency makes every call take this long, like a round trip to a
	// service; calls in different goroutines overlap. For tests.
	Latency time.Duration
	// StartDelay keeps new statements PENDING this long before they show
	// their real phase, so that Wait actually waits. For tests.
	StartDelay time.Duration
	// FailTables makes every DDL and DML statement of these tables FAILED
	// with an "injected failure" detail. For tests.
	FailTables []string
	// NoSync writes the state without fsync (still atomic against a killed
	// process, not against a power loss). Every change otherwise costs two
	// fsyncs, 20-50 ms on common disks, serialised. For tests and
	// benchmarks.
	NoSync bool
}

// Target is the local target of one environment. Its methods are safe for
// concurrent use: an in-process mutex serialises read-modify-write cycles.
type Target struct {
	dir, env, path string
	opts           Options
	external       map[string]bool
	project        map[string]bool
	fail           map[string]bool
	log            *slog.Logger

	// mu serialises this Target's reads and changes of the state; the
	// journal's lock serialises writers across Targets and processes.
	mu    sync.Mutex
	store *store
}

var _ deployers.Target = (*Target)(nil)

var envName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// Open opens the local target of environment env with its state under dir.
// Neither dir nor the state file is created here but by the first change,
// so that reading (a plan, a healthcheck) leaves no trace. The state is
// not read here either, so that commands which only need the lock
// (force-unlock) work whatever its content; every operation reads it, and
// a corrupt one is an error (*CorruptStateError), never silently replaced.
func Open(dir, env string, opts Options) (*Target, error) {
	if !envName.MatchString(env) || env == "." || env == ".." {
		return nil, fmt.Errorf("local target: environment name %q: use only letters, digits, '_', '.' and '-'", env)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	t := &Target{
		dir:      dir,
		env:      env,
		path:     StatePath(dir, env),
		opts:     opts,
		external: map[string]bool{},
		project:  map[string]bool{},
		fail:     map[string]bool{},
		log:      opts.Logger,
		store:    newStore(StatePath(dir, env), env, opts.NoSync),
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	for _, n := range opts.ExternalTables {
		t.external[n] = true
	}
	for _, n := range opts.FailTables {
		t.fail[n] = true
	}
	for _, n := range opts.ProjectTables {
		t.project[n] = true
	}
	removeOldTemps(t.path, opts.Now())
	return t, nil
}

// StatePath is the state file of environment env in dir.
func StatePath(dir, env string) string {
	return filepath.Join(dir, TargetName+"-"+env+".json")
}

// Path is the state file.
func (t *Target) Path() string { return t.path }

// LockPath is the environment's lock file, next to the state file.
func (t *Target) LockPath() string {
	p, _ := statelock.PathFor(t.dir, TargetName, t.env) // env validated by Open
	return p
}

// Info implements deployers.Target.
func (t *Target) Info() deployers.Info {
	return deployers.Info{Target: TargetName, Environment: t.env, KnowsTables: true}
}

// Snapshot returns the current state as read from disk.
func (t *Target) Snapshot(ctx context.Context) (*State, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return LoadState(t.path, t.env)
}

// update runs fn on the current state and records the change when fn
// reports one: a journal line, made durable together with the lines of
// concurrent calls. The simulated latency is spent before taking the
// mutex so that concurrent calls overlap as they would against a service.
func (t *Target) update(ctx context.Context, op string, fn func(st *State) (changed bool, err error)) error {
	if err := t.delay(ctx); err != nil {
		return err
	}
	upTo, err := t.change(op, fn)
	if err != nil {
		return err
	}
	if err := t.store.sync(upTo); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// change applies fn and writes its change, under the mutex and the
// journal's lock; it returns the journal position to sync up to.
func (t *Target) change(op string, fn func(st *State) (changed bool, err error)) (int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	release, err := t.store.lock()
	if err != nil {
		return 0, err
	}
	defer release()
	st, err := t.store.load()
	if err != nil {
		return 0, err
	}
	changed, err := fn(st)
	if err != nil || !changed {
		if err != nil {
			t.store.cached = nil // fn may have changed st before failing
		}
		st.changedTables, st.changedStatements = nil, nil
		return 0, err
	}
	st.Serial++
	st.UpdatedAt = t.opts.Now().UTC()
	upTo, err := t.store.commit(st)
	if err != nil {
		t.store.cached = nil
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	t.log.Debug("local state changed", "op", op, "serial", st.Serial, "file", t.path)
	return upTo, nil
}

// view runs fn on the current state under the mutex: the state may be
// the cached value that the next update changes in place, so fn must copy
// out what it returns.
func (t *Target) view(ctx context.Context, fn func(st *State)) error {
	if err := t.delay(ctx); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	st, err := t.store.load()
	if err != nil {
		return err
	}
	fn(st)
	return nil
}

// Close folds the changes this Target made into the snapshot, so that the
// state file alone is current, and releases the journal.
func (t *Target) Close(context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.store.close()
}

func (t *Target) delay(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t.opts.Latency <= 0 {
		return nil
	}
	timer := time.NewTimer(t.opts.Latency)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// exists reports whether a referenced table exists: in the catalog (by its
// last name part) or among the external tables.
func (t *Target) exists(st *State, n flinksql.Name) bool {
	if _, ok := st.Tables[n.Table()]; ok {
		return true
	}
	return t.external[n.String()] || t.external[n.Table()]
}

// claimName checks that a new statement may take name: a statement of
// that name that is still active is a conflict (like the service's 409);
// a finished one (COMPLETED, FAILED, STOPPED) is replaced.
func claimName(st *State, name string) error {
	if name == "" {
		return errors.New("statement has no name")
	}
	if old, ok := st.Statements[name]; ok && !old.Phase.Terminal() {
		return fmt.Errorf("statement %s already exists and is %s: stop or delete it first: %w", name, old.Phase, deployers.ErrConflict)
	}
	return nil
}

func (t *Target) record(st *State, req deployers.StatementRequest, kind deployers.StatementKind, phase deployers.Phase, detail string, reads, writes []string) deployers.Statement {
	s := deployers.Statement{
		Name:        req.Name,
		Table:       req.Table,
		Kind:        kind,
		Phase:       phase,
		SQL:         req.SQL,
		ComputePool: req.ComputePool,
		Detail:      detail,
		CreatedAt:   t.opts.Now().UTC(),
		Properties:  config.MaskSecretProperties(req.Properties), // never saved in clear
	}
	if s.Table == "" && len(writes) > 0 {
		s.Table = writes[0]
	}
	st.Statements[s.Name] = &StatementRecord{Statement: s, Reads: reads, Writes: writes}
	st.touchStatement(s.Name)
	t.log.Debug("statement recorded", "name", s.Name, "table", s.Table, "phase", s.Phase, "detail", detail)
	return t.visible(s)
}

// visible is the statement as a caller sees it now: PENDING during the
// simulated StartDelay.
func (t *Target) visible(s deployers.Statement) deployers.Statement {
	s.Properties = maps.Clone(s.Properties) // the caller may keep and change it
	if t.opts.StartDelay > 0 && s.Phase != deployers.PhaseStopped && t.opts.Now().Before(s.CreatedAt.Add(t.opts.StartDelay)) {
		s.Phase = deployers.PhasePending
	}
	return s
}

func tableNames(ns []flinksql.Name) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		if !slices.Contains(out, n.Table()) {
			out = append(out, n.Table())
		}
	}
	return out
}

// CreateTable runs a DDL statement: every CREATE TABLE|VIEW of req.SQL
// creates its table in the catalog with the parsed columns. Like the
// service, a problem in the SQL is not an error of the call: the statement
// is recorded FAILED with a detail that names the table, and Wait reports
// it. It returns an error (wrapping deployers.ErrConflict) only when a
// statement of the same name is still active.
func (t *Target) CreateTable(ctx context.Context, req deployers.StatementRequest) (deployers.Statement, error) {
	var out deployers.Statement
	err := t.update(ctx, "create table "+req.Table, func(st *State) (bool, error) {
		if err := claimName(st, req.Name); err != nil {
			return false, err
		}
		phase, detail, created, reads, writes := t.runDDL(st, req)
		if phase == deployers.PhaseCompleted {
			for _, e := range created {
				e.Statement = req.Name
				st.Tables[e.Name] = e
				st.touchTable(e.Name)
			}
		}
		out = t.record(st, req, deployers.KindDDL, phase, detail, reads, writes)
		return true, nil
	})
	return out, err
}

// runDDL decides the outcome of a DDL statement without changing st: the
// phase and detail, the catalog entries to (re)create, and the tables the
// statement reads and names as created (an IF NOT EXISTS of an existing
// table names it without recreating it).
func (t *Target) runDDL(st *State, req deployers.StatementRequest) (phase deployers.Phase, detail string, created []*TableEntry, reads, writes []string) {
	failed := func(format string, args ...any) (deployers.Phase, string, []*TableEntry, []string, []string) {
		return deployers.PhaseFailed, fmt.Sprintf(format, args...), nil, reads, writes
	}
	stmts, err := flinksql.SplitStatements([]byte(req.SQL))
	if err != nil {
		return failed("SQL error in the DDL of table %s: %v", orTable(req.Table), err)
	}
	for _, s := range stmts {
		head := parseCreate(s.Text)
		if !head.create {
			continue // SET and other session statements change nothing here
		}
		a, err := flinksql.Analyze([]byte(s.Text))
		if err != nil {
			return failed("SQL error in the DDL of table %s: %v", orTable(req.Table), err)
		}
		if len(a.Writes) == 0 {
			return failed("DDL of table %s: cannot tell which table the CREATE statement creates", orTable(req.Table))
		}
		name := a.Writes[0].Table()
		if !slices.Contains(writes, name) {
			writes = append(writes, name)
		}
		if t.fail[name] {
			return failed("injected failure for table %s (Options.FailTables)", name)
		}
		for _, r := range a.Reads {
			if !t.exists(st, r) {
				return failed("Table '%s' does not exist: it is read by the DDL of table %s; create it first", r.String(), name)
			}
			reads = append(reads, r.Table())
		}
		if _, ok := st.Tables[name]; ok && !head.orReplace {
			if head.ifNotExists {
				continue // the service completes it and changes nothing
			}
			return failed("Table '%s' already exists in environment %s: drop it first, or use CREATE TABLE IF NOT EXISTS", name, st.Environment)
		}
		e := &TableEntry{Name: name, DDL: s.Text, CreatedAt: t.opts.Now().UTC()}
		for _, d := range a.Tables {
			if d.Name.Table() == name {
				e.Columns = d.Columns
			}
		}
		created = append(created, e)
	}
	if len(created) == 0 && !anyCreate(stmts) {
		return failed("DDL of table %s has no CREATE statement", orTable(req.Table))
	}
	return deployers.PhaseCompleted, "", created, reads, writes
}

func anyCreate(stmts []flinksql.Stmt) bool {
	for _, s := range stmts {
		if parseCreate(s.Text).create {
			return true
		}
	}
	return false
}

func orTable(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return s
}

// StartStatement runs a DML statement: it stays RUNNING, or is FAILED
// (with a detail naming the table) when a table it writes or reads does
// not exist. Errors as for CreateTable.
func (t *Target) StartStatement(ctx context.Context, req deployers.StatementRequest) (deployers.Statement, error) {
	var out deployers.Statement
	err := t.update(ctx, "start statement "+req.Name, func(st *State) (bool, error) {
		if err := claimName(st, req.Name); err != nil {
			return false, err
		}
		phase, detail, reads, writes := t.runDML(st, req)
		out = t.record(st, req, deployers.KindDML, phase, detail, reads, writes)
		return true, nil
	})
	return out, err
}

func (t *Target) runDML(st *State, req deployers.StatementRequest) (phase deployers.Phase, detail string, reads, writes []string) {
	a, err := flinksql.Analyze([]byte(req.SQL))
	if err != nil {
		return deployers.PhaseFailed, fmt.Sprintf("SQL error in the DML of table %s: %v", orTable(req.Table), err), nil, nil
	}
	reads, writes = tableNames(a.Reads), tableNames(a.Writes)
	if len(a.Writes) == 0 {
		return deployers.PhaseFailed, fmt.Sprintf("DML of table %s writes no table: expected INSERT INTO", orTable(req.Table)), reads, writes
	}
	for _, w := range a.Writes {
		if t.fail[w.Table()] {
			return deployers.PhaseFailed, fmt.Sprintf("injected failure for table %s (Options.FailTables)", w.Table()), reads, writes
		}
	}
	for _, w := range a.Writes {
		if !t.exists(st, w) {
			return deployers.PhaseFailed, fmt.Sprintf("Table '%s' does not exist: the statement inserts into it; create it (its DDL) first", w.String()), reads, writes
		}
	}
	for _, r := range a.Reads {
		if t.exists(st, r) {
			continue
		}
		// "Deploy it first" only for what can be deployed.
		if t.project[r.Table()] {
			return deployers.PhaseFailed, fmt.Sprintf("Table '%s' does not exist: the statement reads it; deploy it first", r.String()), reads, writes
		}
		return deployers.PhaseFailed, fmt.Sprintf("Table '%s' does not exist: the statement reads it; it is not a table of the project (an external input): create it outside the project or list it in seeds/external_tables.json", r.String()), reads, writes
	}
	return deployers.PhaseRunning, "", reads, writes
}

// DropTable drops req.Table (or the table of the DROP statement in
// req.SQL); a missing table is not an error (DROP TABLE IF EXISTS). It is
// refused (wrapping deployers.ErrConflict) while an active statement reads
// or writes the table: stop that statement first. With req.Name set, the
// drop is recorded as a COMPLETED statement, as the service keeps it.
func (t *Target) DropTable(ctx context.Context, req deployers.StatementRequest) error {
	table := req.Table
	if table == "" {
		table = dropTarget(req.SQL)
	}
	if table == "" {
		return fmt.Errorf("drop table: no table named (request %q has no Table and its SQL is no DROP TABLE)", req.Name)
	}
	return t.update(ctx, "drop table "+table, func(st *State) (bool, error) {
		for _, name := range sortedKeys(st.Statements) {
			s := st.Statements[name]
			if s.Phase.Terminal() {
				continue
			}
			verb := ""
			switch {
			case slices.Contains(s.Reads, table):
				verb = "reads"
			case slices.Contains(s.Writes, table):
				verb = "writes"
			}
			if verb != "" {
				return false, fmt.Errorf("drop table %s: statement %s (%s) %s it: stop or delete statement %s first: %w", table, name, s.Phase, verb, name, deployers.ErrConflict)
			}
		}
		_, existed := st.Tables[table]
		delete(st.Tables, table)
		st.touchTable(table)
		if req.Name != "" {
			if err := claimName(st, req.Name); err != nil {
				return false, err
			}
			detail := ""
			if !existed {
				detail = "table did not exist"
			}
			req.Table = table
			if req.SQL == "" {
				req.SQL = "DROP TABLE IF EXISTS `" + table + "`"
			}
			t.record(st, req, deployers.KindDrop, deployers.PhaseCompleted, detail, nil, []string{table})
		}
		return existed || req.Name != "", nil
	})
}

// StopStatement stops an active statement (it stays, STOPPED). Stopping a
// finished statement changes nothing; a missing one is ErrNotFound.
func (t *Target) StopStatement(ctx context.Context, name string) error {
	return t.update(ctx, "stop statement "+name, func(st *State) (bool, error) {
		s, ok := st.Statements[name]
		if !ok {
			return false, fmt.Errorf("stop statement %s: %w in environment %s", name, deployers.ErrNotFound, st.Environment)
		}
		if s.Phase.Terminal() {
			return false, nil
		}
		s.Phase = deployers.PhaseStopped
		s.Detail = "stopped at " + t.opts.Now().UTC().Format(time.RFC3339)
		st.touchStatement(name)
		return true, nil
	})
}

// DeleteStatement removes a statement, stopping it if active; a missing
// one is not an error.
func (t *Target) DeleteStatement(ctx context.Context, name string) error {
	return t.update(ctx, "delete statement "+name, func(st *State) (bool, error) {
		if _, ok := st.Statements[name]; !ok {
			return false, nil
		}
		delete(st.Statements, name)
		st.touchStatement(name)
		return true, nil
	})
}

// Wait returns the statement once its phase is one of want. Nothing runs
// in the background here, so a statement already in a terminal phase that
// is not wanted returns at once: FAILED (or any unwanted terminal phase)
// as a *deployers.StatementError. Only the simulated StartDelay makes it
// poll; timeout and ctx bound that.
func (t *Target) Wait(ctx context.Context, name string, want []deployers.Phase, timeout time.Duration) (deployers.Statement, error) {
	deadline := time.Now().Add(timeout)
	for {
		var (
			s     deployers.Statement
			found bool
		)
		if err := t.view(ctx, func(st *State) {
			if rec, ok := st.Statements[name]; ok {
				s, found = t.visible(rec.Statement), true
			}
		}); err != nil {
			return deployers.Statement{}, err
		}
		if !found {
			return deployers.Statement{}, fmt.Errorf("wait for statement %s: %w in environment %s", name, deployers.ErrNotFound, t.env)
		}
		if slices.Contains(want, s.Phase) {
			return s, nil
		}
		if s.Phase.Terminal() {
			detail := s.Detail
			if s.Phase != deployers.PhaseFailed {
				detail = fmt.Sprintf("statement is %s, expected %s", s.Phase, phaseList(want))
			}
			return s, &deployers.StatementError{Name: name, Phase: s.Phase, Detail: detail}
		}
		if timeout <= 0 || !time.Now().Before(deadline) {
			return s, fmt.Errorf("wait for statement %s to be %s: still %s after %s: %w", name, phaseList(want), s.Phase, timeout, deployers.ErrTimeout)
		}
		poll := min(20*time.Millisecond, time.Until(deadline))
		timer := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			timer.Stop()
			return s, ctx.Err()
		case <-timer.C:
		}
	}
}

func phaseList(ps []deployers.Phase) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, " or ")
}

// State implements deployers.Target: one read of the state file. A
// table's DML is the statement named ref.DMLName, else the most recent
// DML statement writing the table (found even when the naming convention
// changed).
func (t *Target) State(ctx context.Context, refs []deployers.TableRef) (map[string]deployers.TableState, error) {
	out := make(map[string]deployers.TableState, len(refs))
	err := t.view(ctx, func(st *State) { t.tableStates(st, refs, out) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (t *Target) tableStates(st *State, refs []deployers.TableRef, out map[string]deployers.TableState) {
	latest := map[string]*StatementRecord{}
	for _, name := range sortedKeys(st.Statements) {
		s := st.Statements[name]
		if s.Kind != deployers.KindDML {
			continue
		}
		for _, w := range s.Writes {
			if cur, ok := latest[w]; !ok || s.CreatedAt.After(cur.CreatedAt) {
				latest[w] = s
			}
		}
	}
	for _, ref := range refs {
		ts := deployers.TableState{Table: ref.Table}
		if e, ok := st.Tables[ref.Table]; ok {
			ts.Exists = true
			ts.DDL, ts.CreatedAt = e.DDL, e.CreatedAt
		}
		rec := st.Statements[ref.DMLName]
		if rec == nil || ref.DMLName == "" {
			rec = latest[ref.Table]
		}
		if rec != nil {
			s := t.visible(rec.Statement)
			ts.DML = &s
		}
		out[ref.Table] = ts
	}
}

// ListStatements implements deployers.Target, sorted by name.
func (t *Target) ListStatements(ctx context.Context) ([]deployers.Statement, error) {
	var out []deployers.Statement
	err := t.view(ctx, func(st *State) {
		out = make([]deployers.Statement, 0, len(st.Statements))
		for _, name := range sortedKeys(st.Statements) {
			out = append(out, t.visible(st.Statements[name].Statement))
		}
	})
	return out, err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
