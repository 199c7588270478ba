// Package deployers defines the small interface every deployment target
// implements (the embedded local target, Confluent Cloud, open-source Flink)
// and the values that cross it. The deploy engine only sees this interface:
// it knows nothing about HTTP, files or gateways.
package deployers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Phase is a statement's lifecycle phase. The set is open: targets may
// report phases this package does not list and callers must tolerate them.
type Phase string

const (
	PhasePending   Phase = "PENDING"
	PhaseRunning   Phase = "RUNNING"
	PhaseCompleted Phase = "COMPLETED"
	PhaseFailed    Phase = "FAILED"
	PhaseFailing   Phase = "FAILING"
	PhaseStopping  Phase = "STOPPING"
	PhaseStopped   Phase = "STOPPED"
	PhaseDegraded  Phase = "DEGRADED"
	PhaseDeleting  Phase = "DELETING"
	PhaseUnknown   Phase = "UNKNOWN"
)

// Healthy reports whether a DML statement in this phase counts as running
// for planning: RUNNING, and DEGRADED (still processing; redeploying it would
// lose state), and PENDING (just submitted).
func (p Phase) Healthy() bool {
	return p == PhaseRunning || p == PhaseDegraded || p == PhasePending
}

// Terminal reports whether the statement will not change phase on its own.
func (p Phase) Terminal() bool {
	return p == PhaseCompleted || p == PhaseFailed || p == PhaseStopped
}

// StatementKind says whether a statement creates a table or feeds it.
type StatementKind string

const (
	KindDDL  StatementKind = "ddl"
	KindDML  StatementKind = "dml"
	KindDrop StatementKind = "drop"
)

// Statement is a statement as the target knows it.
type Statement struct {
	Name        string            `json:"name"`
	Table       string            `json:"table,omitempty"`
	Kind        StatementKind     `json:"kind,omitempty"`
	Phase       Phase             `json:"phase"`
	SQL         string            `json:"sql,omitempty"`
	ComputePool string            `json:"compute_pool,omitempty"`
	Detail      string            `json:"detail,omitempty"`
	CreatedAt   time.Time         `json:"created_at,omitempty"`
	Properties  map[string]string `json:"properties,omitempty"`
}

// TableState is what the target knows about one table.
type TableState struct {
	Table  string `json:"table"`
	Exists bool   `json:"exists"`
	// DDL is the CREATE statement the table was last created with, when the
	// target remembers it ("" when it does not know).
	DDL string `json:"ddl,omitempty"`
	// CreatedAt is when the table was last created, zero when the target
	// does not know.
	CreatedAt time.Time `json:"created_at,omitzero"`
	// DML is the table's DML statement, nil when there is none.
	DML *Statement `json:"dml,omitempty"`
}

// TableRef names a table and the statement names the convention gives it,
// so a target can find its statements without knowing the convention.
type TableRef struct {
	Table   string
	DDLName string
	DMLName string
}

// StatementRequest asks a target to run one statement.
type StatementRequest struct {
	Name        string
	Table       string
	Kind        StatementKind
	SQL         string
	Properties  map[string]string
	ComputePool string
	// Record asks a target that deletes finished DDL statements to keep
	// this one: the table has no DML, so the DDL statement is the only
	// sign on the target that the table exists (and what it was made with).
	Record bool
}

// Info describes a target for plans and reports.
type Info struct {
	Target      string `json:"target"`      // "local", "confluent", "flink"
	Environment string `json:"environment"` // environment id or name
	// KnowsTables says State tells whether a table exists by itself. The
	// local and flink targets keep a catalog; Confluent's statements API
	// knows a table only through a statement that made or feeds it.
	KnowsTables bool `json:"-"`
}

// String names the target and environment for messages: "local
// environment dev".
func (i Info) String() string { return i.Target + " environment " + i.Environment }

// Target is one deployment target. Every method that waits or calls out
// takes a context and returns promptly when it is cancelled. Errors name
// the statement or table they are about, so callers need not repeat it.
type Target interface {
	Info() Info
	// State reads the current state of the given tables in as few calls as
	// the target allows (Confluent: one paged listing).
	State(ctx context.Context, tables []TableRef) (map[string]TableState, error)
	// CreateTable submits a DDL statement. It returns once the statement is
	// accepted; use Wait for COMPLETED.
	CreateTable(ctx context.Context, req StatementRequest) (Statement, error)
	// DropTable drops the table (DROP TABLE IF EXISTS) and waits for it.
	DropTable(ctx context.Context, req StatementRequest) error
	// StartStatement submits a DML statement; use Wait for RUNNING.
	StartStatement(ctx context.Context, req StatementRequest) (Statement, error)
	// StopStatement stops a running statement (it keeps existing, STOPPED).
	StopStatement(ctx context.Context, name string) error
	// DeleteStatement removes a statement; a missing one is not an error.
	DeleteStatement(ctx context.Context, name string) error
	// Wait polls the statement until its phase is one of want, it fails, or
	// timeout passes. A FAILED statement returns a *StatementError.
	Wait(ctx context.Context, name string, want []Phase, timeout time.Duration) (Statement, error)
	// ListStatements lists the statements of the environment.
	ListStatements(ctx context.Context) ([]Statement, error)
}

// Optional capabilities. A target implements Target and, where it has
// them, the small interfaces below. Callers (the workspace package) probe
// for each with a type assertion and fall back as each doc comment says, so
// a new target needs only Target to work everywhere.

// Closer is implemented by targets that hold something open between calls
// (the flink target's SQL Gateway session; the local target's state file).
// Callers close a target when the command ends; jobs keep running. Without
// it there is nothing to release.
type Closer interface {
	Close(ctx context.Context) error
}

// DDLRenderer is implemented by targets that submit a DDL other than the
// file's text: the flink target rewrites Confluent Cloud's clauses and
// options for open-source Flink. RenderDDL returns the SQL the target will
// submit for the table and one line per change it made, for the plan's
// warnings and --show-sql. Without it the DDL is submitted as written.
type DDLRenderer interface {
	RenderDDL(table, sql string) (rendered string, changes []string, err error)
}

// DMLRenderer is implemented by targets that check or adapt a DML before
// submitting it: the flink target refuses Confluent Cloud's own functions
// (ML_PREDICT, AI_*, …). It returns the SQL the target will submit and one
// line per change. Without it the DML is submitted as written.
type DMLRenderer interface {
	RenderDML(table, sql string) (rendered string, changes []string, err error)
}

// SQLError is a problem at a place of the SQL text given to a DDLRenderer
// or DMLRenderer: Line and Col count from 1 in that text, so a caller that
// knows the file reports it as file:line. Several are returned as
// SQLErrors.
type SQLError struct {
	Line, Col int
	Msg       string
}

func (e *SQLError) Error() string { return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg) }

// SQLErrors are several problems of one SQL text, in source order.
type SQLErrors []error

func (es SQLErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

func (es SQLErrors) Unwrap() []error { return es }

// RetryCounter is implemented by targets that retry requests on rate
// limits, server errors and network errors (confluent), so a command can
// tell the user that the service pushed back. Without it nothing is said.
type RetryCounter interface {
	Retries() int64
}

// StatementRunner is implemented by targets that run one SQL statement of
// any kind to its end (the flink target): `pipeline prepare` loads a
// project's test data with it (tests/insert_*.sql). A CREATE TABLE is
// created as CreateTable would (rewritten by DDLRenderer, recorded), a
// bounded INSERT runs until its job ends. Without it, prepare answers that
// the target cannot run SQL files (the local target keeps no data; use
// --target flink).
type StatementRunner interface {
	RunStatement(ctx context.Context, req RunRequest) (RunResult, error)
}

// RunRequest is one statement for StatementRunner.
type RunRequest struct {
	// Name names the statement (the flink target's job name).
	Name string
	SQL  string
	// Timeout bounds the wait for a job to end (0: the caller's context).
	Timeout time.Duration
}

// RunResult is what running one statement did.
type RunResult struct {
	// Kind is ddl for CREATE TABLE, dml for INSERT and statement sets, ""
	// for anything else (SET, DROP, …).
	Kind  StatementKind
	Table string
	Phase Phase
	JobID string
	// RowsWritten is the number of rows the job's sinks received, as the
	// engine counts them; -1 when the engine does not say.
	RowsWritten int64
}

// RowReader is implemented by targets that can read rows: a deployed
// table's (flink: a bounded SELECT through the SQL Gateway; confluent: the
// statement results API), or those of any query (ReadRequest.SQL). `table
// peek` reads tables with it; `table run-unit-tests` reads its validation
// queries and the first rows of a failing case's output. The reader
// removes the statement it ran. Without it, peek answers that the target
// keeps no data it can read, and unit tests that it cannot read query
// results (the local target; use --target flink).
type RowReader interface {
	ReadRows(ctx context.Context, req ReadRequest) (Rows, error)
}

// ReadRequest asks for up to Limit rows (≤ 0: all) of Table, or of the
// query SQL when it is set.
type ReadRequest struct {
	Table string
	Limit int
	// Name names the reading statement on the target.
	Name string
	// SQL is a SELECT run as it is, instead of reading Table (Table then
	// need not be a deployed table). The SQL must name only tables that
	// exist on the target.
	SQL string
	// Settle bounds a query that never ends by itself (an upsert table
	// cannot be bounded on open-source Flink): once rows came, the read
	// stops after Settle without a new one (four times Settle when none
	// came, as a job takes seconds to start). 0: read until the query
	// ends, Limit is reached or ctx ends.
	Settle time.Duration
}

// JobCanceller is implemented by targets that can end, in one call, every
// job whose name starts with a prefix (flink: the JobManager's jobs named
// by pipeline.name, cancelled and waited for; confluent: the statements of
// that prefix, deleted). Unit tests name everything a case runs with one
// prefix and remove it with this after the case, after Ctrl-C and before
// the next run. It returns the names it ended. Without it, callers delete
// the statements they started one by one (DeleteStatement) and jobs they
// did not record are left.
type JobCanceller interface {
	CancelJobs(ctx context.Context, prefix string) ([]string, error)
}

// TableLister is implemented by targets that know, without a call, every
// table they created (flink: the tables its state file records, since its
// catalog lives in a session). Unit tests find the test tables an
// interrupted run left by their _ut names with it. Without it, callers list
// the statements (ListStatements) and take the tables of the DDL
// statements still there (confluent keeps a CREATE TABLE statement).
type TableLister interface {
	Tables() []string
}

// Column is a result column and its SQL type as the engine names it.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Row is one result row: its changelog operation (+I, -U, +U, -D) and its
// values as the engine's JSON gave them.
type Row struct {
	Op     string `json:"op"`
	Values []any  `json:"values"`
}

// Rows is what a RowReader read.
type Rows struct {
	Columns []Column
	Rows    []Row
	// Complete is true when the reading statement ended by itself (the
	// table had fewer rows than the limit, or the limit was reached);
	// false when the context's deadline cut it short.
	Complete bool
}

// Compiler is implemented by targets that compile SQL on their engine
// without running it (flink: tables created in a fresh session's in-memory
// catalog, no topic, no job, and EXPLAIN for each DML; confluent: EXPLAIN
// statements). `pipeline validate` and `table explain` use it. Compile
// reports every statement's outcome, not only the first failure. Without
// it, validate answers that the target cannot compile SQL (the local
// target checks names and the graph only; use --target flink).
type Compiler interface {
	Compile(ctx context.Context, stmts []CompileRequest) ([]CompileResult, error)
}

// CompileRequest is one statement to compile. DDLs are compiled before the
// DMLs that read their tables; the order of DDLs is kept.
type CompileRequest struct {
	Table string
	Kind  StatementKind // KindDDL or KindDML
	// SQL is one statement, from its first token to its last (no ';').
	SQL string
}

// CompileResult is the outcome of one CompileRequest (same index).
type CompileResult struct {
	// Err is the engine's message, "" when it compiled.
	Err string
	// Line and Col locate the error in the request's SQL (1-based), 0
	// when the engine gave no position. The target maps positions back
	// through its own rewrites (EXPLAIN prefix, dialect translation that
	// keeps lines) so they refer to CompileRequest.SQL.
	Line, Col int
	// Plan is the engine's explanation of a DML that compiled.
	Plan string
	// Skipped says the target could not compile this statement (Err says
	// why); it is not an error in the SQL.
	Skipped bool
}

// FoundDML is a table's DML statement as the last State call found it.
type FoundDML struct {
	// Conventional is the name the naming convention gives the DML.
	Conventional string
	// Name is the name it runs under: Conventional, or the target's other
	// name for it after a carried restart.
	Name  string
	Phase Phase
}

// OffsetCarrier is implemented by targets that can start a restarted DML
// from the offsets of the statement it replaces (confluent, opened with
// CarryOffsets: sql.tables.initial-offset-from). The plan decides which
// restarts carry offsets (plan.CarryOffsets); the target supplies what only
// it knows and carries the decision out when the plan runs. Without it,
// every restarted DML starts from its tables' startup mode (the flink
// target's counterpart is its savepoints, chosen when it is opened).
type OffsetCarrier interface {
	// FoundDML is the table's DML as the last State call found it; ok is
	// false when State found none.
	FoundDML(table string) (dml FoundDML, ok bool)
	// AlternateName is the other name of a table's DML: statement names
	// are unique and the statement offsets come from must still exist when
	// its successor starts, so a carried DML alternates between two names.
	AlternateName(conventional, current string) string
	// Carry records that, when the plan runs, the DML statement next
	// replaces old and starts from its offsets: old is stopped instead of
	// deleted, and deleted once next runs.
	Carry(table, old, next string)
}

// ErrNotFound is returned (wrapped) when a statement or table does not exist.
var ErrNotFound = errors.New("not found")

// ErrTimeout is returned (wrapped) when a wait ran out of time.
var ErrTimeout = errors.New("timed out")

// ErrConflict is returned (wrapped) when a request clashes with what exists:
// a statement of that name is still active (the service's 409), or a table
// to drop is still used by an active statement.
var ErrConflict = errors.New("conflict")

// StatementError is a statement that reached FAILED (or another phase it
// should not have), with the target's detail message.
type StatementError struct {
	Name   string
	Phase  Phase
	Detail string
}

func (e *StatementError) Error() string {
	if e.Detail == "" {
		return "statement " + e.Name + " is " + string(e.Phase)
	}
	return "statement " + e.Name + " is " + string(e.Phase) + ": " + e.Detail
}

// Presence is what a target can tell about a table the project reads but
// does not define (an external input, such as a raw topic).
type Presence string

const (
	// PresenceUnknown: the target cannot tell cheaply; plans assume the
	// table exists.
	PresenceUnknown Presence = ""
	// PresencePresent: the table exists on the target.
	PresencePresent Presence = "present"
	// PresenceMissing: the table does not exist on the target.
	PresenceMissing Presence = "missing"
)

// ExternalChecker is implemented by targets that can tell, in one cheap
// call, whether external inputs exist: the flink target (the tables it
// created, whose topic still exists; anything else is missing, since its
// catalog lives in the session) and confluent (one statement listing: a
// completed CREATE of the table, or a statement that failed for want of
// it). Names are as the project's SQL writes them; the result has an entry
// per name it knows something about. Callers without it (the local target)
// assume every external input exists.
type ExternalChecker interface {
	CheckExternals(ctx context.Context, tables []string) (map[string]Presence, error)
}

// ExternalProvisioner is implemented by targets on which a deploy creates
// the external inputs it needs from their definitions (the flink target: a
// self-managed cluster has no one else to create the raw tables and
// topics). Plans on such targets require a definition for each missing
// external input read by a table they deploy, and create it before its
// readers with CreateTable. Without it, external inputs are never created.
type ExternalProvisioner interface {
	ProvisionsExternals() bool
}

// ReleaseStore is implemented by targets that keep the release document of
// their environment (package release: versioned tables, which versions are
// live) beside their own state: the local target in its state directory,
// the flink target next to its state file. The document is opaque JSON to
// the target; Load returns nil data when there is none, Save replaces it
// atomically. Callers hold the environment lock around Load-change-Save.
// Without it (confluent), the workspace keeps the document in the local
// state directory, next to the environment lock.
type ReleaseStore interface {
	LoadReleases(ctx context.Context) ([]byte, error)
	SaveReleases(ctx context.Context, data []byte) error
}

// LagReporter is implemented by targets that can tell how far a running
// DML statement is behind its inputs and how fast it writes (`release
// status`, promote's catch-up check; the flink target from the
// JobManager's operator metrics, confluent from the Metrics API). The local target processes nothing and reports every
// running statement caught up (lag 0, 0 rows written). Without it, lag is
// unknown and promote needs --force.
type LagReporter interface {
	// Lag reports on each named statement; a statement missing from the
	// result is unknown.
	Lag(ctx context.Context, statements []string) (map[string]Lag, error)
}

// Lag is how far one statement is behind its inputs.
type Lag struct {
	// Known is false when the target cannot tell (Pending is then
	// meaningless).
	Known bool `json:"known"`
	// Pending is the number of records of its inputs not yet processed.
	Pending int64 `json:"pending"`
	// RowsWritten is the number of rows its sinks received; -1 when the
	// target does not say.
	RowsWritten int64 `json:"rows_written"`
	// RowsPerSecond is the rate at which its sinks receive rows lately;
	// negative when the target does not say.
	RowsPerSecond float64 `json:"rows_per_second"`
	// Detail says where the numbers come from, or why they are unknown.
	Detail string `json:"detail,omitempty"`
}

// Measured says whether the target measured the statement's sinks (rows
// written or their rate). The local target processes no records: nothing
// is pending there (Known, Pending 0, so releases catch up at once), but it
// measures nothing, and reports leave its numbers out.
func (l Lag) Measured() bool { return l.RowsWritten >= 0 || l.RowsPerSecond >= 0 }
