package workspace

import (
	"path/filepath"
	"sync"

	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// statementProperties reads the per-table statement properties files —
// sql-scripts/ddl.<table>.properties and dml.<table>.properties, Java
// properties next to the SQL files — that the scan found, each file once:
// the plan compares them with what runs, fingerprints them, and the target
// merges them into the statement (Confluent: spec.properties).
type statementProperties struct {
	root string
	mu   sync.Mutex
	read map[string]map[string]string // by file
}

func newStatementProperties(root string) *statementProperties {
	return &statementProperties{root: root, read: map[string]map[string]string{}}
}

// of returns a table's properties for a statement kind, nil when it has no
// file.
func (sp *statementProperties) of(tb *pipeline.Table, kind deployers.StatementKind) (map[string]string, error) {
	rel := tb.DDLPropertiesPath
	if kind == deployers.KindDML {
		rel = tb.DMLPropertiesPath
	}
	if rel == "" {
		return nil, nil
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if p, ok := sp.read[rel]; ok {
		return p, nil
	}
	p, err := config.ReadProperties(filepath.Join(sp.root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	sp.read[rel] = p
	return p, nil
}

// forRun reads the properties of the plan's acting steps before anything
// runs, so a malformed file stops the command with its file and line
// instead of failing half-way, and returns the executor's lookup.
func (sp *statementProperties) forRun(pl *plan.Plan, table func(string) *pipeline.Table) (func(string, deployers.StatementKind) map[string]string, error) {
	props := map[string]map[deployers.StatementKind]map[string]string{}
	for _, s := range pl.Steps {
		tb := table(s.Table)
		if !s.Action.Acts() || tb == nil {
			continue
		}
		for _, kind := range []deployers.StatementKind{deployers.KindDDL, deployers.KindDML} {
			p, err := sp.of(tb, kind)
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
