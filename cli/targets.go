package cli

import (
	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/workspace"
)

// targetFlags choose the deployment target and its environment.
func targetFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "target", Value: workspace.TargetLocal, Usage: "deployment target: local (embedded, no server), confluent, flink"},
		&ucli.StringFlag{Name: "environment", Aliases: []string{"env"}, Usage: "environment deployed to: names the local and flink targets' state and selects sql_rewrites (default: kafka.cluster_type, e.g. dev)"},
		&ucli.StringFlag{Name: "state-dir", Usage: "state directory of the local target (default: targets.local.state_dir, else .shiftleft next to the pipelines folder)"},
		configFlag(),
		&ucli.StringFlag{Name: "compute-pool-id", Usage: "confluent: compute pool for tables whose running statement has no usable pool (before flink.compute_pool_id)"},
		&ucli.BoolFlag{Name: "pool-creation", Usage: "confluent: create a compute pool named by convention when none is usable (deploys only, never plans)"},
		&ucli.BoolFlag{Name: "from-savepoint", Usage: "flink: stop replaced jobs with a savepoint and start the new job from it (default: from scratch)"},
		&ucli.BoolFlag{Name: "carry-offsets", Usage: "confluent: a restarted stateless DML starts from the offsets of the statement it replaces (sql.tables.initial-offset-from); stateful ones restart from the startup mode"},
	}
}
