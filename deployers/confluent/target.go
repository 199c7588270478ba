package confluent

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/deployers"
)

// Property keys the target sets from the configuration.
const (
	PropCatalog  = "sql.current-catalog"
	PropDatabase = "sql.current-database"
)

// DefaultWaitTimeout bounds Wait when the caller passes no timeout.
const DefaultWaitTimeout = 10 * time.Minute

// Target deploys to one Confluent Cloud environment. What it knows about
// deployed tables comes from one listing of the environment's statements:
//   - a table exists when its DML statement exists (in any phase) or its DDL
//     statement exists and COMPLETED;
//   - the deployed DDL text is known only while the last DDL statement has
//     not been deleted; since DDL statements are deleted once COMPLETED (so
//     their names can be reused), TableState.DDL is normally "" (unknown),
//     except for tables without DML: their DDL statement is kept
//     (StatementRequest.Record), being the only sign that they exist;
//   - the deployed DML text is the DML statement's spec.statement.
type Target struct {
	c        *Client
	catalog  string
	database string
	pool     string
	maxCFU   int
	maxPct   float64
	cluster  string

	cliPool     string
	allowCreate bool
	principal   string // confluent_cloud.service_account_id: statements run as it

	mu         sync.Mutex
	kinds      map[string]deployers.StatementKind // statements this target created
	records    map[string]bool                    // DDL statements kept as the record of a DML-less table
	pools      []ComputePool                      // cached listing for ChoosePool
	tablePools map[string]string                  // table → pool of its DML, from State
	carry      carryState                         // --carry-offsets (carry.go)
}

var _ deployers.Target = (*Target)(nil)

// New builds the target from the configuration (see NewClient for what is
// checked). Run cfg.Validate(config.TargetConfluent) first to report every
// missing key at once.
func New(cfg *config.Config, opts Options) (*Target, error) {
	opts = optionsFromConfig(cfg.Targets.Confluent, opts)
	c, err := NewClient(cfg, opts)
	if err != nil {
		return nil, err
	}
	return &Target{
		c:        c,
		catalog:  cfg.Flink.CatalogName,
		database: cfg.Flink.DatabaseName,
		pool:     cfg.Flink.ComputePoolID,
		maxCFU:   cfg.Flink.MaxCFU,
		maxPct:   cfg.Flink.MaxCFUPercentBeforeAllocation,
		cluster:  cfg.Kafka.ClusterType,
		kinds:    map[string]deployers.StatementKind{},
		records:  map[string]bool{},

		principal:   cfg.ConfluentCloud.ServiceAccountID,
		cliPool:     opts.ComputePool,
		allowCreate: opts.AllowPoolCreation,
		tablePools:  map[string]string{},
	}, nil
}

// optionsFromConfig fills the options the caller left at zero from
// targets.confluent (already checked by Validate; unparsable values keep
// the defaults).
func optionsFromConfig(tc config.ConfluentTarget, o Options) Options {
	set := func(d *time.Duration, v string) {
		if *d != 0 || v == "" {
			return
		}
		if p, err := time.ParseDuration(v); err == nil && p > 0 {
			*d = p
		}
	}
	set(&o.PollInitial, tc.PollInitial)
	set(&o.PollMax, tc.PollMax)
	set(&o.RequestTimeout, tc.RequestTimeout)
	if o.MaxAttempts == 0 && tc.MaxAttempts > 0 {
		o.MaxAttempts = tc.MaxAttempts
	}
	return o
}

// Client is the REST client under the target (for reports and pools).
func (t *Target) Client() *Client { return t.c }

// Retries is the number of retried HTTP requests so far.
func (t *Target) Retries() int64 { return t.c.Retries() }

// Info implements deployers.Target.
func (t *Target) Info() deployers.Info {
	return deployers.Info{Target: config.TargetConfluent, Environment: t.c.env}
}

// State implements deployers.Target with one paged listing of the
// environment's statements. Cost: ⌈statements/100⌉ requests, O(S+T) work.
func (t *Target) State(ctx context.Context, tables []deployers.TableRef) (map[string]deployers.TableState, error) {
	list, err := t.c.ListStatements(ctx, ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("read deployed state of environment %s: %w", t.c.env, err)
	}
	byName := make(map[string]*Statement, len(list))
	for i := range list {
		byName[list[i].Name] = &list[i]
	}
	out := make(map[string]deployers.TableState, len(tables))
	taken := refNames(tables)
	for _, ref := range tables {
		st := deployers.TableState{Table: ref.Table}
		if ddl := byName[ref.DDLName]; ref.DDLName != "" && ddl != nil && ddl.Status.Phase == string(deployers.PhaseCompleted) {
			st.Exists = true
			st.DDL, st.CreatedAt = ddl.Spec.Statement, ddl.Metadata.CreatedAt
		}
		// The DML may run under the table's other name (carry.go). Its
		// existence means the table existed when it was created, unless it
		// failed for want of that very table (a DML run before its DDL, or
		// a table dropped under it): then the plan must create the table.
		if dml := t.pickDML(byName, ref, taken); dml != nil {
			if !(dml.Status.Phase == string(deployers.PhaseFailed) && namesMissingTable(dml.Status.Detail, ref.Table)) {
				st.Exists = true
			}
			s := t.toDeployers(dml)
			s.Table, s.Kind = ref.Table, deployers.KindDML
			st.DML = &s
			if dml.Spec.ComputePoolID != "" {
				t.mu.Lock()
				t.tablePools[ref.Table] = dml.Spec.ComputePoolID
				t.mu.Unlock()
			}
		}
		out[ref.Table] = st
	}
	return out, nil
}

// namesMissingTable reports whether a failed statement's detail says that
// table does not exist, however qualified or backquoted the name is. The
// wordings are Confluent's, then open-source Flink's for an INSERT target
// and for a source (the messages of Flink's catalog manager and SQL
// validator, as the SQL Gateway reports them).
func namesMissingTable(detail, table string) bool {
	for _, prefix := range [...]string{"Table (or view) '", "Cannot find table '", "Object '"} {
		rest := detail
		for {
			i := strings.Index(rest, prefix)
			if i < 0 {
				break
			}
			rest = rest[i+len(prefix):]
			end := strings.IndexByte(rest, '\'')
			if end < 0 {
				break
			}
			name, tail := strings.ReplaceAll(rest[:end], "`", ""), rest[end+1:]
			missing := strings.HasPrefix(tail, " does not exist") || strings.HasPrefix(tail, " in any of the catalogs") || strings.HasPrefix(tail, " not found")
			if missing && (name == table || strings.HasSuffix(name, "."+table)) {
				return true
			}
			rest = tail
		}
	}
	return false
}

func (t *Target) toDeployers(s *Statement) deployers.Statement {
	t.mu.Lock()
	kind := t.kinds[s.Name]
	t.mu.Unlock()
	phase := deployers.Phase(s.Status.Phase)
	if phase == "" {
		phase = deployers.PhaseUnknown
	}
	return deployers.Statement{
		Name: s.Name, Kind: kind, Phase: phase, SQL: s.Spec.Statement, ComputePool: s.Spec.ComputePoolID,
		Detail: t.c.Redact(s.Status.Detail), CreatedAt: s.Metadata.CreatedAt, Properties: config.MaskSecretProperties(s.Spec.Properties),
	}
}

// properties merges the configured catalog/database with the request's
// own properties; the request wins, so a table may pin another database.
func (t *Target) properties(req map[string]string) map[string]string {
	p := map[string]string{}
	if t.catalog != "" {
		p[PropCatalog] = t.catalog
	}
	if t.database != "" {
		p[PropDatabase] = t.database
	}
	maps.Copy(p, req)
	return p
}

// submit creates the statement. On 409 it reads the existing one: the
// same SQL still healthy (a rerun after a crash, or a POST retried after a
// lost answer) is adopted; a finished one (COMPLETED/FAILED/STOPPED) is
// deleted and the create retried once; anything else is returned as the
// 409 error, which names the statement and says what to do.
// poolFor picks the statement's compute pool: the request's own, else the
// pool rules of ChoosePool (the pool the table's DML used when State was
// read, then Options.ComputePool, then flink.compute_pool_id; each only if
// PROVISIONED and under the CFU threshold), creating one only when
// Options.AllowPoolCreation is set. With no pool named anywhere the
// service's default pool is used (no compute_pool_id sent). The pool
// listing is read once per target, so CFU figures are those of the start
// of the run.
func (t *Target) poolFor(ctx context.Context, req deployers.StatementRequest) (string, error) {
	if req.ComputePool != "" {
		return req.ComputePool, nil
	}
	t.mu.Lock()
	existing := t.tablePools[req.Table]
	t.mu.Unlock()
	if existing == "" && t.cliPool == "" && t.pool == "" && !t.allowCreate {
		return "", nil
	}
	choice, err := t.ChoosePool(ctx, req.Table, existing, t.cliPool, t.allowCreate)
	if err != nil {
		return "", fmt.Errorf("statement %s: %w", req.Name, err)
	}
	if !choice.Create {
		return choice.ID, nil
	}
	t.c.opts.Logger.Info("creating compute pool", "pool", choice.Name, "table", req.Table, "reason", choice.Reason)
	p, err := t.CreatePool(ctx, choice.Name)
	if err != nil {
		return "", fmt.Errorf("statement %s: create compute pool %s: %w", req.Name, choice.Name, err)
	}
	// The table's next statement (its DML after its DDL) uses it too.
	t.mu.Lock()
	t.tablePools[req.Table] = p.ID
	t.mu.Unlock()
	return p.ID, nil
}

func (t *Target) submit(ctx context.Context, req deployers.StatementRequest, kind deployers.StatementKind) (deployers.Statement, error) {
	pool, err := t.poolFor(ctx, req)
	if err != nil {
		return deployers.Statement{}, err
	}
	cr := CreateRequest{Name: req.Name, SQL: req.SQL, Properties: t.properties(req.Properties), ComputePool: pool, Principal: t.principal}
	t.mu.Lock()
	t.kinds[req.Name] = kind
	if req.Record {
		t.records[req.Name] = true
	}
	t.mu.Unlock()
	s, err := t.c.CreateStatement(ctx, cr)
	if errors.Is(err, ErrConflict) {
		old, gerr := t.c.GetStatement(ctx, req.Name)
		switch {
		case errors.Is(gerr, deployers.ErrNotFound):
			// Deleted meanwhile: create again below.
		case gerr != nil:
			return deployers.Statement{}, err
		case old.Spec.Statement == req.SQL && !deployers.Phase(old.Status.Phase).Terminal() &&
			old.Status.Phase != string(deployers.PhaseFailing) && old.Status.Phase != string(deployers.PhaseDeleting):
			return t.toDeployers(old), nil
		case deployers.Phase(old.Status.Phase).Terminal() || old.Status.Phase == string(deployers.PhaseDeleting):
			t.c.opts.Logger.Info("deleting finished statement to reuse its name", "statement", req.Name, "phase", old.Status.Phase)
			if derr := t.c.DeleteStatement(ctx, req.Name); derr != nil {
				return deployers.Statement{}, fmt.Errorf("reuse name %s: %w", req.Name, derr)
			}
		default:
			return deployers.Statement{}, err
		}
		s, err = t.c.CreateStatement(ctx, cr)
	}
	if err != nil {
		return deployers.Statement{}, err
	}
	out := t.toDeployers(s)
	out.Table, out.Kind = req.Table, kind
	return out, nil
}

// CreateTable implements deployers.Target: it submits the DDL; Wait
// deletes it once COMPLETED so the name can be used again.
func (t *Target) CreateTable(ctx context.Context, req deployers.StatementRequest) (deployers.Statement, error) {
	return t.submit(ctx, req, deployers.KindDDL)
}

// StartStatement implements deployers.Target.
func (t *Target) StartStatement(ctx context.Context, req deployers.StatementRequest) (deployers.Statement, error) {
	kind := req.Kind
	if kind == "" {
		kind = deployers.KindDML
	}
	req.Properties = t.carryProperties(req)
	return t.submit(ctx, req, kind)
}

// DropTable implements deployers.Target: DROP TABLE IF EXISTS under the
// helper name req.Name, wait for COMPLETED, then delete the helper.
func (t *Target) DropTable(ctx context.Context, req deployers.StatementRequest) error {
	if req.SQL == "" {
		req.SQL = "DROP TABLE IF EXISTS `" + strings.ReplaceAll(req.Table, "`", "``") + "`;"
	}
	if _, err := t.submit(ctx, req, deployers.KindDrop); err != nil {
		return fmt.Errorf("drop table %s: %w", req.Table, err)
	}
	if _, err := t.Wait(ctx, req.Name, []deployers.Phase{deployers.PhaseCompleted}, 0); err != nil {
		return fmt.Errorf("drop table %s: %w", req.Table, err)
	}
	return nil
}

// StopStatement implements deployers.Target and waits for STOPPED.
func (t *Target) StopStatement(ctx context.Context, name string) error {
	if err := t.c.StopStatement(ctx, name); err != nil {
		return err
	}
	_, err := t.Wait(ctx, name, []deployers.Phase{deployers.PhaseStopped}, t.c.opts.StopTimeout)
	return err
}

// DeleteStatement implements deployers.Target; it returns once the
// statement reads 404.
//
// With --carry-offsets, the old DML of a restart plan.CarryOffsets chose to
// carry is stopped instead (it must exist, STOPPED, when the new one is
// created); Wait deletes it once the new one runs.
func (t *Target) DeleteStatement(ctx context.Context, name string) error {
	if cs := t.carryFrom(name); cs != nil {
		return t.stopForCarry(ctx, cs)
	}
	if err := t.c.DeleteStatement(ctx, name); err != nil {
		return err
	}
	return t.deleteLeftover(ctx, name)
}

// Wait implements deployers.Target. It polls with a growing interval
// (Options.PollInitial doubling to PollMax). DEGRADED counts as RUNNING
// (the caller sees the phase). FAILED or FAILING, or another terminal phase
// not wanted, is a *deployers.StatementError carrying status.detail, or
// the latest exception when the detail is empty. Unknown phases are polled
// through. A DDL or drop statement created by this target is deleted once
// COMPLETED, so the next deploy can reuse its name.
func (t *Target) Wait(ctx context.Context, name string, want []deployers.Phase, timeout time.Duration) (deployers.Statement, error) {
	if timeout <= 0 {
		timeout = DefaultWaitTimeout
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	wanted := func(p deployers.Phase) bool {
		return slices.Contains(want, p) || (p == deployers.PhaseDegraded && slices.Contains(want, deployers.PhaseRunning))
	}
	interval := t.c.opts.PollInitial
	out := deployers.Statement{Name: name, Phase: deployers.PhaseUnknown}
	for {
		s, err := t.c.GetStatement(ctx, name)
		if err != nil {
			if parent.Err() == nil && ctx.Err() != nil {
				return out, fmt.Errorf("wait for statement %s: still %s after %s (check its compute pool's capacity, then rerun): %w",
					name, out.Phase, timeout, deployers.ErrTimeout)
			}
			return out, fmt.Errorf("wait for statement %s: %w", name, err)
		}
		out = t.toDeployers(s)
		switch {
		case wanted(out.Phase):
			t.mu.Lock()
			record := t.records[name]
			t.mu.Unlock()
			if out.Phase == deployers.PhaseCompleted && (out.Kind == deployers.KindDDL || out.Kind == deployers.KindDrop) && !record {
				if err := t.c.DeleteStatement(parent, name); err != nil {
					t.c.opts.Logger.Warn("could not delete completed statement; the next deploy deletes it before reusing the name",
						"statement", name, "error", err)
				}
			}
			t.finishCarry(parent, name)
			return out, nil
		case out.Phase == deployers.PhaseFailed || out.Phase == deployers.PhaseFailing:
			return out, &deployers.StatementError{Name: name, Phase: out.Phase, Detail: t.failureDetail(parent, name, out.Detail)}
		case out.Phase.Terminal():
			return out, &deployers.StatementError{Name: name, Phase: out.Phase,
				Detail: fmt.Sprintf("expected %s%s", joinPhases(want), withDetail(out.Detail))}
		}
		if err := t.c.opts.Sleep(ctx, interval); err != nil {
			if parent.Err() != nil {
				return out, fmt.Errorf("wait for statement %s: %w", name, parent.Err())
			}
			return out, fmt.Errorf("wait for statement %s: still %s after %s (check its compute pool's capacity, then rerun): %w",
				name, out.Phase, timeout, deployers.ErrTimeout)
		}
		interval = min(interval*2, t.c.opts.PollMax)
	}
}

func withDetail(d string) string {
	if d == "" {
		return ""
	}
	return ": " + d
}

func joinPhases(ps []deployers.Phase) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, " or ")
}

// failureDetail is status.detail, or the newest exception's message.
func (t *Target) failureDetail(ctx context.Context, name, detail string) string {
	if detail != "" {
		return detail
	}
	exs, err := t.c.Exceptions(ctx, name)
	if err != nil || len(exs) == 0 {
		return "no detail given; see the statement's exceptions in the Confluent Cloud console"
	}
	sort.SliceStable(exs, func(i, j int) bool { return exs[i].Timestamp.After(exs[j].Timestamp) })
	return exs[0].Name + ": " + exs[0].Message
}

// ListStatements implements deployers.Target, sorted by name.
func (t *Target) ListStatements(ctx context.Context) ([]deployers.Statement, error) {
	list, err := t.c.ListStatements(ctx, ListOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]deployers.Statement, len(list))
	for i := range list {
		out[i] = t.toDeployers(&list[i])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
