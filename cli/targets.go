package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/flink"
	"github.com/shiftleft-dev/shiftleft/deployers/local"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
	"github.com/shiftleft-dev/shiftleft/statelock"
)

// Target names accepted by --target.
const (
	targetLocal     = "local"
	targetConfluent = "confluent"
	targetFlink     = "flink"
)

// targetFlags choose the deployment target and its environment.
func targetFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "target", Value: targetLocal, Usage: "deployment target: local (embedded, no server), confluent, flink"},
		&ucli.StringFlag{Name: "environment", Aliases: []string{"env"}, Usage: "environment deployed to: names the local and flink targets' state and selects sql_rewrites (default: kafka.cluster_type, e.g. dev)"},
		&ucli.StringFlag{Name: "state-dir", Usage: "state directory of the local target (default: targets.local.state_dir, else .shiftleft next to the pipelines folder)"},
		configFlag(),
		&ucli.StringFlag{Name: "compute-pool-id", Usage: "confluent: compute pool for tables whose running statement has no usable pool (before flink.compute_pool_id)"},
		&ucli.BoolFlag{Name: "pool-creation", Usage: "confluent: create a compute pool named by convention when none is usable (deploys only, never plans)"},
		&ucli.BoolFlag{Name: "from-savepoint", Usage: "flink: stop replaced jobs with a savepoint and start the new job from it (default: from scratch)"},
		&ucli.BoolFlag{Name: "carry-offsets", Usage: "confluent: a restarted stateless DML starts from the offsets of the statement it replaces (sql.tables.initial-offset-from); stateful ones restart from the startup mode"},
	}
}

// openedTarget is a target with what commands need around it.
type openedTarget struct {
	deployers.Target
	// lockPath is the environment's lock file.
	lockPath string
}

// Close releases what the target holds open (the flink target's gateway
// session; its jobs keep running). Commands defer it.
func (t *openedTarget) Close(ctx context.Context) {
	if cl, ok := t.Target.(interface{ Close(context.Context) error }); ok {
		_ = cl.Close(ctx)
	}
}

// renderDDL is the DDL a target really submits for a table: the flink
// target rewrites Confluent Cloud options; the others submit it as is.
func (t *openedTarget) renderDDL(table, sql string) (string, []string, error) {
	if r, ok := t.Target.(interface {
		RenderDDL(table, sql string) (string, []string, error)
	}); ok {
		return r.RenderDDL(table, sql)
	}
	return sql, nil, nil
}

// openFlinkTarget opens the open-source Flink target: the SQL Gateway and
// JobManager from config (flink_gateway.*, SL_FLINK_GATEWAY_URL, …), its
// state file next to the local target's.
func (e *Env) openFlinkTarget(c *ucli.Context, p *pipeline.Project, cfg *config.Config) (*openedTarget, error) {
	env := c.String("environment")
	if env == "" {
		env = cfg.Kafka.ClusterType
	}
	dir := c.String("state-dir")
	if dir == "" {
		dir = filepath.Join(filepath.Dir(p.Root), flink.StateDirName)
	} else {
		dir = e.abs(dir)
	}
	opts := flink.OptionsFromConfig(cfg)
	opts.Environment = env
	opts.StateFile = flink.StateFile(dir, env)
	opts.FromSavepoint = c.Bool("from-savepoint")
	opts.Logger = e.logger(c)
	opts.Now = e.Now
	t, err := flink.New(opts)
	if err != nil {
		return nil, err
	}
	return &openedTarget{Target: t, lockPath: strings.TrimSuffix(opts.StateFile, ".json") + ".lock"}, nil
}

// openTarget opens the target named by --target for the project.
func (e *Env) openTarget(c *ucli.Context, p *pipeline.Project, cfg *config.Config) (*openedTarget, error) {
	switch name := c.String("target"); name {
	case targetLocal:
		dir := c.String("state-dir")
		switch {
		case dir != "":
			dir = e.abs(dir)
		case cfg.Targets.Local.StateDir != "":
			dir = cfg.Targets.Local.StateDir
			if !filepath.IsAbs(dir) {
				// Relative to the config file, or the working directory
				// when the configuration came from the environment only.
				base := e.Dir
				if cfg.Path != "" {
					base = filepath.Dir(cfg.Path)
				}
				dir = filepath.Join(base, dir)
			}
		default:
			dir = filepath.Join(filepath.Dir(p.Root), local.DefaultStateDir)
		}
		env := c.String("environment")
		if env == "" {
			env = cfg.Kafka.ClusterType
		}
		var external []string
		for _, t := range p.Tables {
			if t.IsExternal {
				external = append(external, t.Name)
				if t.Qualified != "" {
					external = append(external, t.Qualified)
				}
			}
		}
		opts := local.Options{ExternalTables: external, Now: e.Now, Logger: e.logger(c)}
		// SHIFTLEFT_LOCAL_LATENCY makes every call of the local target take
		// that long, like a round trip to a service: for demos and for the
		// interruption tests. Never on by default.
		if v := e.Getenv("SHIFTLEFT_LOCAL_LATENCY"); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return nil, usageErrorf("SHIFTLEFT_LOCAL_LATENCY=%q: give a duration such as 50ms", v)
			}
			opts.Latency = d
		}
		t, err := local.Open(dir, env, opts)
		if err != nil {
			return nil, err
		}
		return &openedTarget{Target: t, lockPath: t.LockPath()}, nil
	case targetConfluent:
		return e.openConfluentTarget(c, p, cfg)
	case targetFlink:
		return e.openFlinkTarget(c, p, cfg)
	default:
		return nil, usageErrorf("--target %q: unsupported target; use local, confluent or flink", name)
	}
}

// naming is the statement-name convention of the configuration.
func naming(cfg *config.Config) plan.Naming {
	region := cfg.ConfluentCloud.CloudRegion
	if region == "" {
		region = cfg.ConfluentCloud.Region
	}
	if region == "" {
		region = config.DefaultRegion
	}
	return plan.Naming{Template: cfg.App.Naming, ClusterType: cfg.Kafka.ClusterType, Region: region}
}

// lockInfo describes this process in the environment lock.
func lockInfo(operation string) statelock.Info {
	return statelock.Info{Operation: operation, Version: version()}
}

func describeTarget(i deployers.Info) string {
	return fmt.Sprintf("%s environment %s", i.Target, i.Environment)
}
