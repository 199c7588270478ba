package workspace

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent"
	"github.com/shiftleft-dev/shiftleft/deployers/flink"
	"github.com/shiftleft-dev/shiftleft/deployers/local"
	"github.com/shiftleft-dev/shiftleft/statelock"
)

// Target names.
const (
	TargetLocal     = "local"
	TargetConfluent = "confluent"
	TargetFlink     = "flink"
)

// TargetOptions choose the deployment target and tune it.
type TargetOptions struct {
	// Name is local (the default), confluent or flink.
	Name string
	// Environment names the environment deployed to (see
	// Workspace.Environment).
	Environment string
	// StateDir is the local target's state directory, and where the
	// flink and confluent targets keep their state file and lock ("":
	// targets.local.state_dir, else .shiftleft next to the pipelines
	// folder).
	StateDir string
	// ComputePool overrides the confluent compute pool of tables whose
	// running statement has no usable pool.
	ComputePool string
	// AllowPoolCreation lets a confluent deploy create a pool named by
	// convention when none is usable.
	AllowPoolCreation bool
	// CarryOffsets starts restarted stateless confluent DMLs from the
	// offsets of the statement they replace (plan.CarryOffsets).
	CarryOffsets bool
	// FromSavepoint stops replaced flink jobs with a savepoint and starts
	// the new job from it.
	FromSavepoint bool
	// LocalLatency makes every call of the local target take that long,
	// like a round trip to a service (demos, interruption tests).
	LocalLatency time.Duration
}

// Target is an opened deployment target with the lock file of its
// environment.
type Target struct {
	deployers.Target
	// LockPath is the environment's lock file.
	LockPath string
}

// close releases what the target holds open (deployers.Closer) and adds
// its retries (deployers.RetryCounter) to n.
func (t *Target) close(ctx context.Context, n *atomic.Int64) error {
	if r, ok := t.Target.(deployers.RetryCounter); ok {
		n.Add(r.Retries())
	}
	if c, ok := t.Target.(deployers.Closer); ok {
		return c.Close(ctx)
	}
	return nil
}

// RenderDDL is the DDL the target really submits for a table, with one
// line per change (deployers.DDLRenderer); targets without the capability
// submit the file's text.
func (t *Target) RenderDDL(table, sql string) (string, []string, error) {
	if r, ok := t.Target.(deployers.DDLRenderer); ok {
		return r.RenderDDL(table, sql)
	}
	return sql, nil, nil
}

// OpenTarget opens the target Options.Target names for the project. The
// workspace closes it in Close.
func (ws *Workspace) OpenTarget(ctx context.Context) (*Target, error) {
	var (
		t   *Target
		err error
	)
	switch name := ws.opts.Target.Name; {
	case ws.opts.OpenTarget != nil:
		t, err = ws.opts.OpenTarget(ctx, ws)
	case name == TargetLocal:
		t, err = ws.openLocal()
	case name == TargetConfluent:
		t, err = ws.openConfluent()
	case name == TargetFlink:
		t, err = ws.openFlink()
	default:
		return nil, &RequestError{Msg: fmt.Sprintf("--target %q: unsupported target; use local, confluent or flink", name)}
	}
	if err != nil {
		return nil, err
	}
	ws.mu.Lock()
	ws.opened = append(ws.opened, t)
	ws.mu.Unlock()
	return t, nil
}

// targetWith opens the target and returns it with its capability C; a
// target without C is an *UnsupportedError, unsupported with the target's
// name for %s.
func targetWith[C any](ctx context.Context, ws *Workspace, unsupported string) (*Target, C, error) {
	var none C
	t, err := ws.OpenTarget(ctx)
	if err != nil {
		return nil, none, err
	}
	c, ok := t.Target.(C)
	if !ok {
		return nil, none, &UnsupportedError{Msg: fmt.Sprintf(unsupported, t.Info().Target)}
	}
	return t, c, nil
}

// stateDir is Target.StateDir, else the default next to the pipelines
// folder.
func (ws *Workspace) stateDir() string {
	if d := ws.opts.Target.StateDir; d != "" {
		return ws.opts.abs(d)
	}
	return filepath.Join(filepath.Dir(ws.Project.Root), local.DefaultStateDir)
}

// openLocal opens the embedded target. Its state directory is
// Target.StateDir, else targets.local.state_dir (relative to the config
// file), else .shiftleft next to the pipelines folder.
func (ws *Workspace) openLocal() (*Target, error) {
	cfg := ws.config()
	dir := ws.stateDir()
	if ws.opts.Target.StateDir == "" && cfg.Targets.Local.StateDir != "" {
		dir = cfg.Targets.Local.StateDir
		if !filepath.IsAbs(dir) {
			// Relative to the config file, or the working directory when
			// the configuration came from the environment only.
			base := ws.opts.WorkDir
			if cfg.Path != "" {
				base = filepath.Dir(cfg.Path)
			}
			dir = filepath.Join(base, dir)
		}
	}
	// The local target assumes every external input present (declared or
	// not), and tells a missing table of the project from one outside it.
	var project []string
	for _, t := range ws.Project.Tables {
		if !t.IsExternal {
			project = append(project, t.Name)
		}
	}
	t, err := local.Open(dir, ws.Environment(), local.Options{
		ExternalTables: allExternalNames(ws.Project), ProjectTables: project, Now: ws.opts.Now, Logger: ws.log, Latency: ws.opts.Target.LocalLatency,
	})
	if err != nil {
		return nil, err
	}
	return &Target{Target: t, LockPath: t.LockPath()}, nil
}

// openFlink opens the open-source Flink target: the SQL Gateway and
// JobManager from config (flink_gateway.*, SL_FLINK_GATEWAY_URL, …), its
// state file next to the local target's.
func (ws *Workspace) openFlink() (*Target, error) {
	// Validate first, so a missing key reads as validate-config says it.
	if ps := ws.config().Validate(config.TargetFlink); len(ps) > 0 {
		return nil, &ConfigError{Target: config.TargetFlink, Problems: ps}
	}
	opts := flink.OptionsFromConfig(ws.config())
	for _, u := range ws.config().InsecureFlinkURLs() {
		// Allowed by flink_gateway.allow_insecure_http (New refuses it
		// otherwise): say so on every command.
		ws.log.Warn("the flink target talks plain http over the network (flink_gateway.allow_insecure_http); statements and headers travel unencrypted", "url", u)
	}
	opts.Environment = ws.Environment()
	opts.StateFile = flink.StateFile(ws.stateDir(), opts.Environment)
	opts.FromSavepoint = ws.opts.Target.FromSavepoint
	opts.Logger = ws.log
	opts.Now = ws.opts.Now
	t, err := flink.New(opts)
	if err != nil {
		return nil, err
	}
	return &Target{Target: t, LockPath: strings.TrimSuffix(opts.StateFile, ".json") + ".lock"}, nil
}

// openConfluent opens Confluent Cloud after validating the configuration
// (every problem at once). Its environment lock is a file under the state
// directory, since the service has no lock of its own.
func (ws *Workspace) openConfluent() (*Target, error) {
	t, err := openConfluent(ws.config(), ws.opts)
	if err != nil {
		return nil, err
	}
	lock, err := statelock.PathFor(ws.stateDir(), config.TargetConfluent, ws.config().ConfluentCloud.EnvironmentID)
	if err != nil {
		return nil, err
	}
	return &Target{Target: t, LockPath: lock}, nil
}

// Confluent builds the Confluent Cloud target for commands about the
// service alone (compute pools, housekeeping), without a project: it
// loads and validates the configuration.
func Confluent(opts Options) (*config.Config, *confluent.Target, error) {
	opts.fill()
	cfg, err := LoadConfig(opts)
	if err != nil {
		return nil, nil, err
	}
	t, err := openConfluent(cfg, opts)
	return cfg, t, err
}

// openConfluent validates the configuration (every problem at once) and
// builds the target. Pools are created only when a command runs
// statements: plans never submit, so they never reach the creation path.
func openConfluent(cfg *config.Config, opts Options) (*confluent.Target, error) {
	if ps := cfg.Validate(config.TargetConfluent); len(ps) > 0 {
		return nil, &ConfigError{Target: config.TargetConfluent, Problems: ps}
	}
	return confluent.New(cfg, confluent.Options{Version: opts.Version, Logger: opts.Logger,
		ComputePool: opts.Target.ComputePool, AllowPoolCreation: opts.Target.AllowPoolCreation, CarryOffsets: opts.Target.CarryOffsets})
}
