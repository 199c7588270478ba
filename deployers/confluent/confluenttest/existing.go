package confluenttest

import (
	"strings"

	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// ExistingFor lists what a project reads but never creates (its external
// tables and unresolved references) as tables of the stand-in's default
// catalog and database, for Options.ExistingTables: a deploy of the
// project then finds its inputs.
func ExistingFor(p *pipeline.Project) []string {
	var out []string
	for _, tb := range p.Tables {
		names := append([]string(nil), tb.External...)
		if tb.IsExternal {
			names = append(names, tb.Name)
		}
		for _, n := range names {
			parts := strings.Split(n, ".")
			out = append(out, DefaultCatalog+"."+DefaultDatabase+"."+parts[len(parts)-1])
		}
	}
	return out
}
