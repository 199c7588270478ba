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
			rel := path.Join(path.Dir(sql), string(kind)+"."+tb.Name+".properties")
			p, err := config.ReadProperties(filepath.Join(root, filepath.FromSlash(rel)))
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
