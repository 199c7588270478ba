// Package workspace is shiftleft's application layer: the use cases the
// command line offers (Plan, Deploy, Undeploy, Impact, Health,
// RunningStatements, …), each a method taking a request value and returning
// a result value. A Workspace is opened once per command from Options: it
// reads the configuration, scans the pipelines folder, builds the graph and
// compiles the environment's SQL rewrites, and it opens the chosen target
// when a use case needs one.
//
// The package never prints and knows nothing of flags: the CLI turns flags
// into a request, calls a use case and renders the result, and tests call
// the use cases directly.
package workspace

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// Options open a Workspace. Paths are absolute, or relative to WorkDir.
type Options struct {
	// PipelinesDir is the pipelines folder.
	PipelinesDir string
	// ConfigPath is the config file asked for explicitly ("" resolves it
	// from SL_CONFIG_FILE, CONFIG_FILE, else ./config.yaml: see
	// config.ResolvePath).
	ConfigPath string
	// ReadConfig reads the configuration before the scan. Commands that
	// call a target need it; questions about the tree alone (graph,
	// report, impact) do not, so a broken config.yaml does not stop them.
	ReadConfig bool
	// Config, when set, is the configuration, already read (ReadConfig is
	// then ignored).
	Config *config.Config
	// ProjectOnly scans without building the graph (inventories, table
	// templates), which a scan's cost alone answers.
	ProjectOnly bool
	// KeepSQL keeps every file's SQL text after the scan: plans compare,
	// fingerprint and run exactly that text without reading files again.
	KeepSQL bool
	// Strict makes references to tables outside the project errors.
	Strict bool
	// Target chooses and tunes the deployment target.
	Target TargetOptions
	// WorkDir resolves relative paths; Getenv reads SL_* variables.
	WorkDir string
	Getenv  func(string) string
	// Version is shiftleft's version, recorded in locks and sent to
	// services.
	Version string
	// Logger receives warnings (scan, configuration, targets); nil
	// discards them.
	Logger *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// OpenTarget, when set, opens the target instead of the built-in ones
	// named by Target.Name: tests hand in a stand-in or a wrapper that
	// injects faults.
	OpenTarget func(ctx context.Context, ws *Workspace) (*Target, error)
}

// Workspace is a scanned project with its graph and configuration, the
// state every use case starts from. Its methods may be called from one
// goroutine at a time.
type Workspace struct {
	opts Options
	log  *slog.Logger

	// Config is the configuration, nil when the workspace was opened
	// without ReadConfig.
	Config *config.Config
	// Project is the scanned pipelines folder.
	Project *pipeline.Project
	// Graph is the dependency graph, nil with ProjectOnly.
	Graph *dag.Graph
	// Rewriter applies the environment's sql_rewrites (nil without
	// ReadConfig).
	Rewriter *config.Rewriter
	// Warnings are the scan's warnings, sorted. Open does not log them:
	// the caller shows those about the tables in play (WarningsInPlay), so
	// a command on one product is not buried under another's.
	Warnings []pipeline.Warning

	retries atomic.Int64
	// inPlay are the tables the use cases worked on (WorkOn); nil until
	// one does, which puts every table in play.
	inPlay map[string]bool
	mu     sync.Mutex
	opened []*Target
}

// Open reads the configuration (with ReadConfig), scans the pipelines
// folder and builds the graph. Warnings of the configuration go to
// Options.Logger; the scan's are kept in Workspace.Warnings. Cost: one scan, O(files + tables + edges).
func Open(ctx context.Context, opts Options) (*Workspace, error) {
	opts.fill()
	ws := &Workspace{opts: opts, log: opts.Logger, Config: opts.Config}
	if opts.ReadConfig && ws.Config == nil {
		cfg, err := LoadConfig(opts)
		if err != nil {
			return nil, err
		}
		ws.Config = cfg
	}
	p, err := pipeline.Scan(ctx, opts.PipelinesDir, pipeline.ScanOptions{Strict: opts.Strict, KeepSQL: opts.KeepSQL})
	if err != nil {
		return nil, err
	}
	ws.Warnings = p.Warnings
	ws.Project = p
	if !opts.ProjectOnly {
		if ws.Graph, err = dag.Build(p); err != nil {
			return nil, err
		}
	}
	if ws.Config != nil {
		if ws.Rewriter, err = ws.Config.Rewriter(ws.Environment()); err != nil {
			return nil, err
		}
	}
	return ws, nil
}

// LoadConfig reads the configuration Options name (see Options.ConfigPath)
// and logs its warnings; commands about the configuration or Confluent
// Cloud alone use it without a project.
func LoadConfig(opts Options) (*config.Config, error) {
	opts.fill()
	path, required := config.ResolvePath(opts.ConfigPath, opts.Getenv)
	path = opts.abs(path)
	cfg, err := config.LoadPath(path, required, opts.Getenv)
	if err != nil {
		return nil, err
	}
	for _, w := range cfg.Warnings {
		opts.Logger.Warn(w)
	}
	return cfg, nil
}

func (o *Options) fill() {
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Target.Name == "" {
		o.Target.Name = TargetLocal
	}
}

// abs resolves a path against WorkDir.
func (o *Options) abs(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(o.WorkDir, p)
}

// Environment is the environment deploys go to: Target.Environment, else
// the configuration's kafka.cluster_type. It names the local and flink
// targets' state and selects sql_rewrites.
func (ws *Workspace) Environment() string {
	if e := ws.opts.Target.Environment; e != "" {
		return e
	}
	if ws.Config != nil {
		return ws.Config.Kafka.ClusterType
	}
	return ""
}

// Naming is the statement-name convention of the configuration.
func (ws *Workspace) Naming() plan.Naming {
	cfg := ws.config()
	region := cfg.ConfluentCloud.CloudRegion
	if region == "" {
		region = cfg.ConfluentCloud.Region
	}
	if region == "" {
		region = config.DefaultRegion
	}
	return plan.Naming{Template: cfg.App.Naming, ClusterType: cfg.Kafka.ClusterType, Region: region}
}

// config is the configuration, or one from the environment alone when the
// workspace was opened without it.
func (ws *Workspace) config() *config.Config {
	if ws.Config == nil {
		ws.Config = config.FromEnv(ws.opts.Getenv)
	}
	return ws.Config
}

// WorkOn records tables a use case works on: their warnings are the ones
// WarningsInPlay returns. Select calls it with the selected tables; a
// command that names tables another way (a lineage) calls it itself.
func (ws *Workspace) WorkOn(tables ...string) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.inPlay == nil {
		ws.inPlay = make(map[string]bool, len(tables))
	}
	for _, t := range tables {
		ws.inPlay[t] = true
	}
}

// WarningsInPlay returns the scan's warnings about the tables in play, and
// about no table in particular, and counts the others. Until WorkOn is
// called every table is in play: a command without a selection works on
// the whole project. Cost: O(warnings).
func (ws *Workspace) WarningsInPlay() (shown []pipeline.Warning, others int) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	for _, w := range ws.Warnings {
		if ws.inPlay == nil || w.Table == "" || ws.inPlay[w.Table] {
			shown = append(shown, w)
		} else {
			others++
		}
	}
	return shown, others
}

// Retries is the number of requests the targets opened by this workspace
// retried (rate limits, server errors, network errors).
func (ws *Workspace) Retries() int64 { return ws.retries.Load() }

// Close releases the targets the workspace opened (their jobs keep
// running) and records their retries.
func (ws *Workspace) Close(ctx context.Context) error {
	ws.mu.Lock()
	opened := ws.opened
	ws.opened = nil
	ws.mu.Unlock()
	var errs []error
	for _, t := range opened {
		errs = append(errs, t.close(ctx, &ws.retries))
	}
	return errors.Join(errs...)
}
