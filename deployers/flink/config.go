package flink

import (
	"path/filepath"

	"github.com/shiftleft-dev/shiftleft/config"
)

// StateDirName is the folder, next to the pipelines folder, that holds the
// target's state file unless configured otherwise (the local target's
// convention).
const StateDirName = ".shiftleft"

// StateFile is the conventional state file of an environment in stateDir:
// <stateDir>/flink-<env>.json.
func StateFile(stateDir, env string) string {
	return filepath.Join(stateDir, "flink-"+env+".json")
}

// OptionsFromConfig maps config.yaml (after its SL_* overrides) to
// Options: targets.flink.url / jobmanager_url (defaulting to the
// flink_gateway section, SL_FLINK_GATEWAY_URL, SL_FLINK_JOBMANAGER_URL),
// savepoint_dir, table_options, remove_options, schema_registry_url,
// kafka.bootstrap.servers, flink_gateway.allow_insecure_http / ca_file /
// headers / token_env, and flink.catalog_name / database_name. The caller sets what the command decides: StateFile,
// Environment, FromSavepoint, Logger, Now.
func OptionsFromConfig(cfg *config.Config) Options {
	return Options{
		GatewayURL:        cfg.Targets.Flink.URL,
		JobManagerURL:     cfg.Targets.Flink.JobManagerURL,
		Catalog:           cfg.Flink.CatalogName,
		Database:          cfg.Flink.DatabaseName,
		SavepointDir:      cfg.Targets.Flink.SavepointDir,
		TableOptions:      cfg.Targets.Flink.TableOptions,
		RemoveOptions:     cfg.Targets.Flink.RemoveOptions,
		Bootstrap:         cfg.Kafka.BootstrapServers,
		SchemaRegistryURL: cfg.Targets.Flink.SchemaRegistryURL,
		AllowInsecureHTTP: cfg.FlinkGateway.AllowInsecureHTTP,
		CAFile:            cfg.FlinkCAFile(),
		Headers:           cfg.FlinkGateway.Headers,
		Token:             cfg.FlinkGateway.Token,
	}
}
