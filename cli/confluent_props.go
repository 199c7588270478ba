package cli

import (
	"path"
	"path/filepath"

	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// tableProperties reads the per-table statement properties of the plan's
// acting steps — sql-scripts/ddl.<table>.properties and
// dml.<table>.properties, Java properties next to the SQL files — once,
// before anything runs, so a malformed file stops the command with its
// file and line instead of failing half-way. The target merges them into
// the statement's properties (Confluent: spec.properties).
func tableProperties(root string, pl *plan.Plan, table func(string) *pipeline.Table) (func(string, deployers.StatementKind) map[string]string, error) {
	props := map[string]map[deployers.StatementKind]map[string]string{}
	for _, s := range pl.Steps {
		if !s.Action.Acts() {
			continue
		}
		tb := table(s.Table)
		if tb == nil {
			continue
		}
		for kind, sql := range map[deployers.StatementKind]string{deployers.KindDDL: tb.DDLPath, deployers.KindDML: tb.DMLPath} {
			if sql == "" {
				continue
			}
			p, err := config.ReadProperties(propertiesFile(root, tb, kind))
			if err != nil {
				return nil, err
			}
			if len(p) > 0 {
				if props[tb.Name] == nil {
					props[tb.Name] = map[deployers.StatementKind]map[string]string{}
				}
				props[tb.Name][kind] = p
			}
		}
	}
	return func(table string, kind deployers.StatementKind) map[string]string {
		return props[table][kind]
	}, nil
}

// propertiesFile is where a table's statement properties live:
// <kind>.<table>.properties next to its SQL file.
func propertiesFile(root string, tb *pipeline.Table, kind deployers.StatementKind) string {
	sql := tb.DDLPath
	if kind == deployers.KindDML {
		sql = tb.DMLPath
	}
	rel := path.Join(path.Dir(sql), string(kind)+"."+tb.Name+".properties")
	return filepath.Join(root, filepath.FromSlash(rel))
}

// dmlProperties reads a table's DML properties file for the plan, which
// compares it with what the running statement reports.
func dmlProperties(root string) func(*pipeline.Table) (map[string]string, error) {
	return func(tb *pipeline.Table) (map[string]string, error) {
		if tb.DMLPath == "" {
			return nil, nil
		}
		return config.ReadProperties(propertiesFile(root, tb, deployers.KindDML))
	}
}
