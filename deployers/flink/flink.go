// Package flink is the deployment target for open-source Apache Flink: it
// runs statements through the SQL Gateway REST API (v2) and finds, cancels
// and stops jobs through the JobManager REST API.
//
// The gateway's catalog is in memory and belongs to one session, so the
// target keeps a state file (Options.StateFile) with the DDL of every table
// it created and the SQL and job id of every job it started. Each session
// the target opens first replays the recorded DDLs, so later statements see
// the tables whatever session created them; State combines that file with
// the job list of the JobManager. One Target holds one session for its
// lifetime: call Close when done.
package flink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/deployers"
)

// Options configure a Target. The CLI maps config.yaml (flink_gateway.*,
// targets.flink.*, flink.catalog_name/database_name) and the SL_FLINK_*
// environment to it.
type Options struct {
	// GatewayURL is the SQL Gateway REST endpoint, e.g. http://127.0.0.1:8083.
	GatewayURL string
	// JobManagerURL is the JobManager REST endpoint, e.g. http://127.0.0.1:8081.
	JobManagerURL string
	// Environment names the cluster in plans and reports (default: the
	// gateway's host:port).
	Environment string
	// Catalog and Database the session uses; "" means Flink's
	// default_catalog / default_database. Another catalog is created as an
	// in-memory catalog.
	Catalog  string
	Database string
	// StateFile remembers created tables and started jobs (conventionally
	// .shiftleft/flink-<env>.json). "" keeps nothing between runs.
	StateFile string
	// SavepointDir is where stop-with-savepoint writes ("" = the cluster's
	// state.savepoints.dir).
	SavepointDir string
	// FromSavepoint makes StopStatement stop jobs with a savepoint and the
	// next StartStatement of the same name restore from it. Off: jobs are
	// cancelled and restarted from scratch.
	FromSavepoint bool
	// TableOptions are set on every CREATE TABLE ('topic' defaults to the
	// table name); RemoveOptions are extra option-key patterns to drop
	// (see RenderDDL).
	TableOptions  map[string]string
	RemoveOptions []string
	// Bootstrap is the Kafka bootstrap servers of tables whose options name
	// none (kafka.bootstrap.servers, SL_KAFKA_BOOTSTRAP).
	Bootstrap string
	// SchemaRegistryURL, when set, turns Confluent's registry formats into
	// avro-confluent reading this registry (targets.flink.schema_registry_url);
	// without it they become json.
	SchemaRegistryURL string
	// KeepTopics leaves Kafka topics alone. By default, as on Confluent
	// Cloud, CreateTable creates the table's topic (kafka and upsert-kafka
	// connectors) and DropTable deletes it.
	KeepTopics bool
	// AllowInsecureHTTP accepts plain http:// to hosts other than loopback
	// (flink_gateway.allow_insecure_http), e.g. a gateway inside a cluster
	// network; the caller warns.
	AllowInsecureHTTP bool
	// CAFile is a PEM file of certificate authorities trusted besides the
	// system's (flink_gateway.ca_file).
	CAFile string
	// Headers are sent with every request, and Token as a bearer token
	// (flink_gateway.headers, flink_gateway.token_env): an authenticating
	// proxy in front of the gateway. They never print.
	Headers map[string]config.Secret
	Token   config.Secret
	// HTTPClient defaults to a client with a 60 s timeout, CAFile's
	// authorities, Headers and Token; a given client gets Headers and
	// Token added to its transport.
	HTTPClient *http.Client
	// PollInterval is the first pause between status polls (default 200 ms).
	PollInterval time.Duration
	// StopTimeout bounds how long a cancel or stop waits for the job to end
	// (default 2 min).
	StopTimeout time.Duration
	// Logger defaults to a logger that discards.
	Logger *slog.Logger
	// Now defaults to time.Now; tests inject a clock.
	Now func() time.Time
}

// Target is the open-source Flink deployment target.
type Target struct {
	opts Options
	gw   gateway
	jm   jobManager
	log  *slog.Logger

	// exec orders statements in the session: catalog changes (DDL) hold
	// it exclusively, DML submissions share it, so INSERTs compile and
	// submit in parallel (the gateway runs a session's operations on a
	// thread pool) but never while the session's catalog changes.
	exec sync.RWMutex
	// sessMu guards session; held while a new session is opened and the
	// recorded DDLs are replayed into it.
	sessMu  sync.Mutex
	session string
	// mu guards state and failed; held only for memory and file updates.
	mu    sync.Mutex
	state *stateFile
	// failed remembers statements that failed in this process, for Wait.
	failed map[string]*deployers.StatementError
}

var _ deployers.Target = (*Target)(nil)

// ErrConfig is returned (wrapped) by New for missing or invalid options.
var ErrConfig = errors.New("invalid flink target configuration")

// New checks the options and loads the state file. It does not call out:
// the session is opened by the first statement.
func New(opts Options) (*Target, error) {
	for _, u := range []struct{ name, val string }{
		{"flink_gateway.url (SL_FLINK_GATEWAY_URL)", opts.GatewayURL},
		{"flink_gateway.jobmanager_url (SL_FLINK_JOBMANAGER_URL)", opts.JobManagerURL},
	} {
		if u.val == "" {
			return nil, fmt.Errorf("%w: %s is not set", ErrConfig, u.name)
		}
		p, err := url.Parse(u.val)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("%w: %s = %q is not an http(s) URL", ErrConfig, u.name, u.val)
		}
		// Plain http only where nothing crosses a network (issue 8), unless
		// the configuration accepts it explicitly.
		if p.Scheme == "http" && !config.IsLoopback(p.Hostname()) && !opts.AllowInsecureHTTP {
			return nil, fmt.Errorf("%w: %s = %q: plain http:// is allowed only for loopback hosts (127.0.0.1, ::1, localhost); use https://, or set flink_gateway.allow_insecure_http: true for a gateway inside a trusted network", ErrConfig, u.name, u.val)
		}
	}
	if opts.HTTPClient == nil {
		hc, err := httpClient(opts)
		if err != nil {
			return nil, err
		}
		opts.HTTPClient = hc
	} else if len(opts.Headers) > 0 || opts.Token != "" {
		hc := *opts.HTTPClient
		rt := hc.Transport
		if rt == nil {
			rt = http.DefaultTransport
		}
		hc.Transport = withHeaders(rt, opts)
		opts.HTTPClient = &hc
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 200 * time.Millisecond
	}
	if opts.StopTimeout <= 0 {
		opts.StopTimeout = 2 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Environment == "" {
		p, _ := url.Parse(opts.GatewayURL)
		opts.Environment = p.Host
	}
	st, err := loadState(opts.StateFile)
	if err != nil {
		return nil, err
	}
	return &Target{
		opts:   opts,
		gw:     gateway{restClient{base: strings.TrimRight(opts.GatewayURL, "/"), hc: opts.HTTPClient}},
		jm:     jobManager{restClient{base: strings.TrimRight(opts.JobManagerURL, "/"), hc: opts.HTTPClient}},
		log:    opts.Logger,
		state:  st,
		failed: map[string]*deployers.StatementError{},
	}, nil
}

// Info implements deployers.Target.
func (t *Target) Info() deployers.Info {
	return deployers.Info{Target: "flink", Environment: t.opts.Environment, KnowsTables: true}
}

// Close closes the gateway session. Running jobs are not affected.
func (t *Target) Close(ctx context.Context) error {
	t.sessMu.Lock()
	defer t.sessMu.Unlock()
	if t.session == "" {
		return nil
	}
	s := t.session
	t.session = ""
	if err := t.gw.closeSession(ctx, s); err != nil {
		return fmt.Errorf("close SQL Gateway session: %w", err)
	}
	return nil
}

// sessionID returns the session, opening one (and replaying the recorded
// DDLs into it) when there is none or the current one is lost. Cost: one
// configure call per recorded table, once per session.
func (t *Target) sessionID(ctx context.Context, lost string) (string, error) {
	t.sessMu.Lock()
	defer t.sessMu.Unlock()
	if lost != "" && t.session == lost {
		t.log.Info("flink session lost, reopening", "session", lost)
		t.session = ""
	}
	if t.session == "" {
		if err := t.openSession(ctx); err != nil {
			return "", err
		}
	}
	return t.session, nil
}

// openSession opens a session and replays the recorded DDLs into it.
// Caller holds t.sessMu.
func (t *Target) openSession(ctx context.Context) error {
	s, err := t.gw.openSession(ctx, "shiftleft", sessionProperties())
	if err != nil {
		return err
	}
	for _, stmt := range t.sessionSetup() {
		if err := t.gw.configure(ctx, s, stmt); err != nil {
			_ = t.gw.closeSession(context.WithoutCancel(ctx), s)
			return fmt.Errorf("set up SQL Gateway session (%s): %w", stmt, err)
		}
	}
	t.mu.Lock()
	order := t.state.replayOrder()
	ddls := make([]string, len(order))
	for i, name := range order {
		ddls[i] = t.state.Tables[name].Rendered
	}
	t.mu.Unlock()
	for i, name := range order {
		if err := t.gw.configure(ctx, s, ddls[i]); err != nil {
			_ = t.gw.closeSession(context.WithoutCancel(ctx), s)
			return fmt.Errorf("replay DDL of table %s into a new SQL Gateway session (recorded in %s): %w", name, t.opts.StateFile, err)
		}
	}
	t.log.Debug("flink session opened", "session", s, "replayed", len(order))
	t.session = s
	return nil
}

// run executes a statement in the session, reopening the session once when
// the gateway no longer knows it (restart or idle expiry). Caller holds
// t.exec (shared for DML, exclusive for DDL), not t.mu.
func (t *Target) run(ctx context.Context, stmt string, cfg map[string]string) (result, error) {
	s, err := t.sessionID(ctx, "")
	if err != nil {
		return result{}, err
	}
	res, err := t.gw.execute(ctx, s, stmt, cfg, t.opts.PollInterval)
	var apiErr *APIError
	if errors.As(err, &apiErr) && sessionGone(apiErr) {
		if s, err = t.sessionID(ctx, s); err != nil {
			return result{}, err
		}
		res, err = t.gw.execute(ctx, s, stmt, cfg, t.opts.PollInterval)
	}
	return res, err
}

// sessionGone recognises the gateway's answer for an unknown session.
func sessionGone(e *APIError) bool {
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "session") && (strings.Contains(m, "does not exist") || strings.Contains(m, "not found") || strings.Contains(m, "expired"))
}

// CreateTable implements deployers.Target. The DDL is rewritten for this
// target (RenderDDL) and run to completion, so the returned statement is
// COMPLETED; a failure is returned as a *deployers.StatementError.
func (t *Target) CreateTable(ctx context.Context, req deployers.StatementRequest) (deployers.Statement, error) {
	r, err := t.render(req.Table, req.SQL)
	if err != nil {
		return deployers.Statement{}, fmt.Errorf("statement %s: %w", req.Name, err)
	}
	// The plan shows these (RenderDDL); here they are detail for --verbose.
	for _, w := range r.Warnings {
		t.log.Info("flink DDL rewritten", "table", req.Table, "change", w)
	}
	t.exec.Lock()
	defer t.exec.Unlock()
	t.mu.Lock()
	delete(t.failed, req.Name)
	_, known := t.state.Tables[req.Table]
	t.mu.Unlock()
	if known {
		// Recorded, hence replayed into the session: creating it again
		// (State found its topic gone) replaces the catalog entry.
		if _, err := t.run(ctx, "DROP TABLE IF EXISTS "+quoteIdent(req.Table), nil); err != nil {
			return t.fail(req, err)
		}
	}
	if _, err := t.run(ctx, r.SQL, nil); err != nil {
		return t.fail(req, err)
	}
	rec := tableRecord{Statement: req.Name, DDL: req.SQL, Rendered: r.SQL}
	if bootstrap, topic := kafkaTopic(r.Options); !t.opts.KeepTopics && bootstrap != "" && topic != "" {
		if err := createTopic(ctx, bootstrap, topic, r.Partitions, r.TopicConfigs); err != nil {
			if ctx.Err() != nil {
				// Interrupted: the broker may have created the topic
				// before the answer was lost, and nothing records it yet.
				dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				if derr := deleteTopic(dctx, bootstrap, topic, t.opts.PollInterval); derr != nil {
					t.log.Warn("interrupted while creating a topic; it may be left on the broker", "topic", topic, "error", derr)
				}
				cancel()
			}
			return t.fail(req, err)
		}
		rec.Bootstrap, rec.Topic = bootstrap, topic
	}
	now := t.opts.Now().UTC()
	t.mu.Lock()
	t.state.Seq++
	rec.Seq, rec.CreatedAt = t.state.Seq, now
	t.state.Tables[req.Table] = rec
	err = t.state.save(t.opts.StateFile)
	t.mu.Unlock()
	if err != nil {
		return deployers.Statement{}, err
	}
	return deployers.Statement{
		Name: req.Name, Table: req.Table, Kind: deployers.KindDDL, Phase: deployers.PhaseCompleted,
		SQL: req.SQL, CreatedAt: now,
	}, nil
}

// fail records a statement failure for Wait and returns it. A context
// error is returned as is: the statement did not fail, we stopped waiting.
func (t *Target) fail(req deployers.StatementRequest, err error) (deployers.Statement, error) {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return deployers.Statement{}, fmt.Errorf("statement %s: %w", req.Name, err)
	}
	detail := err.Error()
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Message != "" {
		detail = apiErr.Message
	}
	se := &deployers.StatementError{Name: req.Name, Phase: deployers.PhaseFailed, Detail: detail}
	t.mu.Lock()
	t.failed[req.Name] = se
	t.mu.Unlock()
	return deployers.Statement{Name: req.Name, Table: req.Table, Kind: req.Kind, Phase: deployers.PhaseFailed, SQL: req.SQL, Detail: detail}, se
}

// DropTable implements deployers.Target: DROP TABLE IF EXISTS in the
// session, delete the Kafka topic the target created with the table (unless
// KeepTopics), and forget the table.
func (t *Target) DropTable(ctx context.Context, req deployers.StatementRequest) error {
	t.exec.Lock()
	defer t.exec.Unlock()
	if _, err := t.run(ctx, "DROP TABLE IF EXISTS "+quoteIdent(req.Table), nil); err != nil {
		_, err = t.fail(req, err)
		return err
	}
	t.mu.Lock()
	rec := t.state.Tables[req.Table]
	t.mu.Unlock()
	if rec.Topic != "" && !t.opts.KeepTopics {
		if err := deleteTopic(ctx, rec.Bootstrap, rec.Topic, t.opts.PollInterval); err != nil {
			return fmt.Errorf("drop table %s: %w", req.Table, err)
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.state.Tables, req.Table)
	// A recreated table has a new schema: old state must not come back.
	for name, sp := range t.state.Savepoints {
		if sp.Table == req.Table {
			delete(t.state.Savepoints, name)
		}
	}
	return t.state.save(t.opts.StateFile)
}

// StartStatement implements deployers.Target. The job is named after the
// statement (pipeline.name) so it can be found again in the JobManager.
// The returned statement is PENDING: Wait for RUNNING.
func (t *Target) StartStatement(ctx context.Context, req deployers.StatementRequest) (deployers.Statement, error) {
	stmt, err := statementText(req.SQL)
	if err != nil {
		return deployers.Statement{}, fmt.Errorf("statement %s: %w", req.Name, err)
	}
	cfg := executionConfig(req.Properties)
	cfg["pipeline.name"] = req.Name
	// Never let the gateway wait for an unbounded job inside the operation.
	cfg["table.dml-sync"] = "false"
	t.exec.RLock()
	defer t.exec.RUnlock()
	t.mu.Lock()
	delete(t.failed, req.Name)
	savepoint := ""
	if t.opts.FromSavepoint {
		savepoint = t.state.Savepoints[req.Name].Path
	}
	t.mu.Unlock()
	if savepoint != "" {
		cfg["execution.savepoint.path"] = savepoint
	}
	res, err := t.run(ctx, stmt, cfg)
	if err != nil {
		return t.fail(req, err)
	}
	if res.JobID == "" {
		return t.fail(req, fmt.Errorf("the gateway returned no job id: is %s an INSERT?", req.Name))
	}
	now := t.opts.Now().UTC()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.state.Statements[req.Name] = statementRecord{Table: req.Table, SQL: req.SQL, JobID: res.JobID, Savepoint: savepoint, CreatedAt: now}
	delete(t.state.Savepoints, req.Name)
	if err := t.state.save(t.opts.StateFile); err != nil {
		return deployers.Statement{}, err
	}
	props := map[string]string{"job_id": res.JobID}
	if savepoint != "" {
		props["restored_from"] = savepoint
	}
	return deployers.Statement{
		Name: req.Name, Table: req.Table, Kind: deployers.KindDML, Phase: deployers.PhasePending,
		SQL: req.SQL, CreatedAt: now, Properties: props,
	}, nil
}

// executionConfig maps statement properties (written for Confluent Cloud
// in dml.<table>.properties) to Flink options: sql.local-time-zone and
// sql.state-ttl have Flink equivalents; other sql.* and client.* keys only
// mean something to Confluent Cloud and are dropped; the rest pass through.
func executionConfig(props map[string]string) map[string]string {
	cfg := map[string]string{}
	for k, v := range props {
		switch {
		case k == "sql.local-time-zone":
			cfg["table.local-time-zone"] = v
		case k == "sql.state-ttl":
			cfg["table.exec.state.ttl"] = v
		case strings.HasPrefix(k, "sql."), strings.HasPrefix(k, "client."):
		default:
			cfg[k] = v
		}
	}
	return cfg
}

// findJob returns the job of a statement: the recorded job id when the
// JobManager still knows it, else the newest job of that name, preferring
// one that has not ended. ok is false when no job has the name.
func findJob(jobs []jobInfo, name, recordedID string) (jobInfo, bool) {
	var best jobInfo
	found := false
	for _, j := range jobs {
		if recordedID != "" && j.ID == recordedID {
			return j, true
		}
		if j.Name != name {
			continue
		}
		better := !found ||
			(!jobEnded(j.State) && jobEnded(best.State)) ||
			(jobEnded(j.State) == jobEnded(best.State) && j.StartTime > best.StartTime)
		if better {
			best, found = j, true
		}
	}
	return best, found
}

// jobEnded reports the JobManager's globally terminal job states.
func jobEnded(state string) bool {
	return state == "FINISHED" || state == "CANCELED" || state == "FAILED"
}

// jobPhase maps a Flink job state to a statement phase. stopped marks a job
// the target stopped on purpose: a stop with savepoint ends FINISHED.
func jobPhase(state string, stopped bool) deployers.Phase {
	switch state {
	case "INITIALIZING", "CREATED", "RECONCILING":
		return deployers.PhasePending
	case "RUNNING":
		return deployers.PhaseRunning
	case "FAILING", "RESTARTING":
		return deployers.PhaseFailing
	case "CANCELLING":
		return deployers.PhaseStopping
	case "CANCELED", "SUSPENDED":
		return deployers.PhaseStopped
	case "FINISHED":
		if stopped {
			return deployers.PhaseStopped
		}
		return deployers.PhaseCompleted
	case "FAILED":
		return deployers.PhaseFailed
	}
	return deployers.PhaseUnknown
}

// statementOf builds the Statement of a DML from its job and record.
func (t *Target) statementOf(name string, j jobInfo, rec statementRecord) deployers.Statement {
	st := deployers.Statement{
		Name: name, Table: rec.Table, Kind: deployers.KindDML, SQL: rec.SQL,
		Phase:      jobPhase(j.State, rec.Stopped),
		Properties: map[string]string{"job_id": j.ID, "job_state": j.State},
	}
	if j.StartTime > 0 {
		st.CreatedAt = time.UnixMilli(j.StartTime).UTC()
	} else {
		st.CreatedAt = rec.CreatedAt
	}
	if rec.Savepoint != "" {
		st.Properties["restored_from"] = rec.Savepoint
	}
	return st
}

// snapshot copies what State and ListStatements need from the state file.
func (t *Target) snapshot() (tables map[string]tableRecord, stmts map[string]statementRecord) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tables = make(map[string]tableRecord, len(t.state.Tables))
	for k, v := range t.state.Tables {
		tables[k] = v
	}
	stmts = make(map[string]statementRecord, len(t.state.Statements))
	for k, v := range t.state.Statements {
		stmts[k] = v
	}
	return tables, stmts
}

// State implements deployers.Target with one JobManager call.
func (t *Target) State(ctx context.Context, refs []deployers.TableRef) (map[string]deployers.TableState, error) {
	jobs, err := t.jm.overview(ctx)
	if err != nil {
		return nil, err
	}
	tables, stmts := t.snapshot()
	gone, err := t.missingTopics(ctx, tables, refs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]deployers.TableState, len(refs))
	for _, ref := range refs {
		ts := deployers.TableState{Table: ref.Table}
		if rec, ok := tables[ref.Table]; ok && !gone[ref.Table] {
			ts.Exists = true
			ts.DDL, ts.CreatedAt = rec.DDL, rec.CreatedAt
		}
		if ref.DMLName != "" {
			rec, known := stmts[ref.DMLName]
			if j, ok := findJob(jobs, ref.DMLName, rec.JobID); ok {
				st := t.statementOf(ref.DMLName, j, rec)
				if st.Table == "" {
					st.Table = ref.Table
				}
				ts.DML = &st
			} else if known {
				// Recorded but unknown to the JobManager (cluster restarted,
				// or the job left its history): it does not run.
				ts.DML = &deployers.Statement{
					Name: ref.DMLName, Table: ref.Table, Kind: deployers.KindDML, SQL: rec.SQL,
					Phase: deployers.PhaseStopped, Detail: "job " + rec.JobID + " is unknown to the JobManager",
				}
			}
		}
		out[ref.Table] = ts
	}
	return out, nil
}

// missingTopics returns the recorded tables among refs whose Kafka topic
// the target created and the broker no longer lists (the broker's data was
// wiped, e.g. a restarted local engine): they do not exist any more. One
// metadata request per bootstrap address.
func (t *Target) missingTopics(ctx context.Context, tables map[string]tableRecord, refs []deployers.TableRef) (map[string]bool, error) {
	byBootstrap := map[string][]string{}
	for _, ref := range refs {
		if rec, ok := tables[ref.Table]; ok && rec.Topic != "" && !t.opts.KeepTopics {
			byBootstrap[rec.Bootstrap] = append(byBootstrap[rec.Bootstrap], ref.Table)
		}
	}
	gone := map[string]bool{}
	for bootstrap, names := range byBootstrap {
		topics, err := listTopics(ctx, bootstrap)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if !topics[tables[n].Topic] {
				gone[n] = true
			}
		}
	}
	return gone, nil
}

// ListStatements implements deployers.Target: the recorded DDLs (COMPLETED),
// the recorded jobs, and every other job the JobManager has not ended,
// one entry per name, sorted by name.
func (t *Target) ListStatements(ctx context.Context) ([]deployers.Statement, error) {
	jobs, err := t.jm.overview(ctx)
	if err != nil {
		return nil, err
	}
	tables, stmts := t.snapshot()
	byName := map[string]deployers.Statement{}
	for table, rec := range tables {
		byName[rec.Statement] = deployers.Statement{
			Name: rec.Statement, Table: table, Kind: deployers.KindDDL, Phase: deployers.PhaseCompleted,
			SQL: rec.DDL, CreatedAt: rec.CreatedAt,
		}
	}
	for name, rec := range stmts {
		if j, ok := findJob(jobs, name, rec.JobID); ok {
			byName[name] = t.statementOf(name, j, rec)
		} else {
			byName[name] = deployers.Statement{Name: name, Table: rec.Table, Kind: deployers.KindDML, SQL: rec.SQL,
				Phase: deployers.PhaseStopped, CreatedAt: rec.CreatedAt, Detail: "job " + rec.JobID + " is unknown to the JobManager"}
		}
	}
	for _, j := range jobs {
		if _, ok := byName[j.Name]; ok || jobEnded(j.State) {
			continue
		}
		best, _ := findJob(jobs, j.Name, "")
		byName[j.Name] = t.statementOf(j.Name, best, statementRecord{})
	}
	out := make([]deployers.Statement, 0, len(byName))
	for _, st := range byName {
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// liveJob finds the job of a DML statement that has not ended.
func (t *Target) liveJob(ctx context.Context, name string) (jobInfo, bool, error) {
	jobs, err := t.jm.overview(ctx)
	if err != nil {
		return jobInfo{}, false, err
	}
	_, stmts := t.snapshot()
	j, ok := findJob(jobs, name, stmts[name].JobID)
	if !ok || jobEnded(j.State) {
		// The recorded job may have ended while another of the same name
		// (started outside this state) still runs.
		j, ok = findJob(jobs, name, "")
		if !ok || jobEnded(j.State) {
			return jobInfo{}, false, nil
		}
	}
	return j, true, nil
}

// StopStatement implements deployers.Target. With FromSavepoint the job is
// stopped with a savepoint, remembered for the next start; otherwise it is
// cancelled. It returns once the job has ended (bounded by StopTimeout).
func (t *Target) StopStatement(ctx context.Context, name string) error {
	if err := t.endJob(ctx, name); err != nil {
		return fmt.Errorf("stop statement %s: %w", name, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if rec, ok := t.state.Statements[name]; ok {
		rec.Stopped = true
		t.state.Statements[name] = rec
	}
	return t.state.save(t.opts.StateFile)
}

// endJob ends the live job of a statement, if any: with FromSavepoint a
// stop with savepoint (recorded for the next start of the name), else a
// cancel; then waits until the JobManager reports it ended.
func (t *Target) endJob(ctx context.Context, name string) error {
	j, ok, err := t.liveJob(ctx, name)
	if err != nil || !ok {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, t.opts.StopTimeout)
	defer cancel()
	if t.opts.FromSavepoint {
		loc, err := t.jm.stopWithSavepoint(ctx, j.ID, t.opts.SavepointDir, t.opts.PollInterval)
		if err != nil {
			return fmt.Errorf("stop job %s with a savepoint: %w", j.ID, err)
		}
		t.mu.Lock()
		t.state.Savepoints[name] = savepointRecord{Path: loc, Table: t.state.Statements[name].Table}
		err = t.state.save(t.opts.StateFile)
		t.mu.Unlock()
		if err != nil {
			return err
		}
		t.log.Info("flink job stopped with savepoint", "statement", name, "job", j.ID, "savepoint", loc)
	} else if err := t.jm.cancel(ctx, j.ID); err != nil {
		return fmt.Errorf("cancel job %s: %w", j.ID, err)
	}
	if err := t.waitEnded(ctx, j.ID); err != nil {
		return fmt.Errorf("job %s: %w", j.ID, err)
	}
	return nil
}

func (t *Target) waitEnded(ctx context.Context, id string) error {
	for wait := t.opts.PollInterval; ; wait = min(2*wait, time.Second) {
		j, err := t.jm.job(ctx, id)
		if err != nil {
			var apiErr *APIError
			if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
				return nil
			}
			return err
		}
		if jobEnded(j.State) {
			return nil
		}
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("job still %s: %w", j.State, errors.Join(deployers.ErrTimeout, err))
		}
	}
}

// DeleteStatement implements deployers.Target: end the job if it runs
// (with a savepoint when FromSavepoint: the executor restarts a statement
// by deleting and starting it) and forget the statement. A savepoint is
// kept for the next start of the same name.
func (t *Target) DeleteStatement(ctx context.Context, name string) error {
	if err := t.endJob(ctx, name); err != nil {
		return fmt.Errorf("delete statement %s: %w", name, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failed, name)
	if _, ok := t.state.Statements[name]; !ok {
		return nil
	}
	delete(t.state.Statements, name)
	return t.state.save(t.opts.StateFile)
}

// Wait implements deployers.Target. DDL statements are complete once
// CreateTable returned; DML statements follow their job's state. A job
// that ended in a phase not wanted returns a *deployers.StatementError.
func (t *Target) Wait(ctx context.Context, name string, want []deployers.Phase, timeout time.Duration) (deployers.Statement, error) {
	t.mu.Lock()
	failed := t.failed[name]
	table, isDDL := t.state.tableByStatement(name)
	t.mu.Unlock()
	if failed != nil {
		return deployers.Statement{Name: name, Phase: failed.Phase, Detail: failed.Detail}, failed
	}
	wanted := func(p deployers.Phase) bool {
		for _, w := range want {
			if w == p {
				return true
			}
		}
		return false
	}
	if isDDL {
		st := deployers.Statement{Name: name, Table: table, Kind: deployers.KindDDL, Phase: deployers.PhaseCompleted}
		if !wanted(st.Phase) {
			return st, &deployers.StatementError{Name: name, Phase: st.Phase, Detail: "a DDL statement completes and does not run"}
		}
		return st, nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last deployers.Statement
	for wait := t.opts.PollInterval; ; wait = min(2*wait, 2*time.Second) {
		jobs, err := t.jm.overview(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return last, fmt.Errorf("wait for statement %s: %w", name, err)
		}
		_, stmts := t.snapshot()
		rec, known := stmts[name]
		j, ok := findJob(jobs, name, rec.JobID)
		if !ok {
			if !known {
				return last, fmt.Errorf("wait for statement %s: no Flink job has this name: %w", name, deployers.ErrNotFound)
			}
			j = jobInfo{ID: rec.JobID, State: "INITIALIZING"} // submitted, not listed yet
		}
		last = t.statementOf(name, j, rec)
		if wanted(last.Phase) {
			return last, nil
		}
		if last.Phase == deployers.PhaseFailed || last.Phase.Terminal() {
			last.Detail = t.jm.rootException(ctx, j.ID)
			return last, &deployers.StatementError{Name: name, Phase: last.Phase, Detail: last.Detail}
		}
		if sleep(ctx, wait) != nil {
			break
		}
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return last, fmt.Errorf("wait for statement %s: %w", name, err)
	}
	detail := ""
	if last.Phase == deployers.PhaseFailing {
		if id := last.Properties["job_id"]; id != "" {
			detail = ": " + t.jm.rootException(context.WithoutCancel(ctx), id)
		}
	}
	return last, fmt.Errorf("statement %s still %s after %s%s: %w", name, last.Phase, timeout, detail, deployers.ErrTimeout)
}

// quoteIdent backquotes an identifier, doubling backquotes inside; dotted
// names are quoted part by part.
func quoteIdent(name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = "`" + strings.ReplaceAll(p, "`", "``") + "`"
	}
	return strings.Join(parts, ".")
}
