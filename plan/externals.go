package plan

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// An external input is a table the project reads and does not define: a
// raw topic, a table of another team. Tables listed in
// seeds/external_tables.json are declared externals; a reference that no
// table of the project defines is an undeclared one. Plans list them in a
// group of their own (Plan.Externals), never as steps: they are not part of
// the project and never count as unchanged.

// ExternalStatus is what a plan expects of an external input.
type ExternalStatus string

const (
	// ExternalPresent: the target says the table exists.
	ExternalPresent ExternalStatus = "present"
	// ExternalAssumed: the target cannot tell; the plan assumes it exists.
	ExternalAssumed ExternalStatus = "assumed"
	// ExternalWillCreate: missing, and the run creates it from its
	// definition before its readers (targets that provision externals).
	ExternalWillCreate ExternalStatus = "will create"
	// ExternalMissing: the target says the table does not exist.
	ExternalMissing ExternalStatus = "missing"
	// ExternalWillDrop: undeploy --include-externals drops it after its
	// readers.
	ExternalWillDrop ExternalStatus = "will drop"
)

// ActionCreateExternal and ActionDropExternal are the actions of the steps
// the executor runs for externals that will be created or dropped: they
// are not in Plan.Steps (externals are not tables of the project) but are
// derived from Plan.Externals (see ExternalSteps).
const (
	ActionCreateExternal Action = "create-external"
	ActionDropExternal   Action = "drop-external"
)

// External is one external input of a plan.
type External struct {
	// Table is the name as the project's SQL reads it.
	Table string `json:"table"`
	// ReadBy are the plan's tables that read it, sorted.
	ReadBy []string `json:"read_by"`
	// Declared says it is listed in seeds/external_tables.json.
	Declared bool `json:"declared"`
	// Definition is the SQL file that creates it (a path relative to the
	// pipelines folder), "" when none was found.
	Definition string         `json:"definition,omitempty"`
	Status     ExternalStatus `json:"status"`
	// Statement names the DDL statement that creates it (will create) or
	// the statement that drops it (will drop).
	Statement string `json:"statement,omitempty"`
	// Reason says why the status, when there is more to say than it.
	Reason string `json:"reason,omitempty"`
}

// ExternalInput is what the caller found about one external input: whether
// it is declared, where its definition is, and what the target said.
type ExternalInput struct {
	Declared bool
	// Definition is the file whose SQL creates the table, relative to the
	// pipelines folder ("" when none was found).
	Definition string
	// Searched are the places a definition was looked for, for the error
	// that says where one would be found.
	Searched []string
	// Presence is what the target said (deployers.ExternalChecker);
	// PresenceUnknown when it cannot tell.
	Presence deployers.Presence
}

// ExternalPolicy says what a target does with external inputs.
type ExternalPolicy int

const (
	// ExternalsAssume: externals the target cannot see are assumed to
	// exist; known missing ones are reported (local, confluent).
	ExternalsAssume ExternalPolicy = iota
	// ExternalsCreate: the run creates missing externals read by the
	// tables it deploys, from their definitions; a missing definition is a
	// plan error (flink: deployers.ExternalProvisioner).
	ExternalsCreate
)

// ExternalsError is a plan refused because of external inputs: undeclared
// ones under --strict, or ones the target must create and has no
// definition for.
type ExternalsError struct {
	// Strict is true for undeclared externals under --strict.
	Strict bool
	Items  []ExternalProblem
}

// ExternalProblem is one external input an ExternalsError names.
type ExternalProblem struct {
	Table    string
	ReadBy   []string
	Searched []string
}

func (e *ExternalsError) Error() string {
	var b strings.Builder
	if e.Strict {
		fmt.Fprintf(&b, "--strict: %d external input(s) are read but not declared:", len(e.Items))
		for _, it := range e.Items {
			fmt.Fprintf(&b, "\n  %s, read by %s", it.Table, strings.Join(it.ReadBy, ", "))
		}
		fmt.Fprintf(&b, "\ndeclare each in %s ({\"tables\":[{\"table_name\":\"%s\",\"kafka_topic\":\"%s\",\"product_name\":\"…\"}]}), or drop --strict to assume they exist",
			pipeline.ExternalTablesFile, e.Items[0].Table, e.Items[0].Table)
		return b.String()
	}
	fmt.Fprintf(&b, "%d external input(s) are missing on the target and have no definition to create them from:", len(e.Items))
	for _, it := range e.Items {
		fmt.Fprintf(&b, "\n  %s, read by %s", it.Table, strings.Join(it.ReadBy, ", "))
		if len(it.Searched) > 0 {
			fmt.Fprintf(&b, "; no CREATE TABLE %s in %s", it.Table, strings.Join(it.Searched, ", "))
		}
	}
	b.WriteString("\nadd a SQL file that creates each (a tests/ddl*.sql file in a reading table's folder, or a file in --externals-dir), or create them on the target first")
	return b.String()
}

// ExternalRefs are the external inputs table t reads, as its SQL names
// them: its references that are not tables of the project, and its
// parents that are declared externals. Sorted.
func ExternalRefs(g *dag.Graph, t *pipeline.Table) []string {
	out := append([]string(nil), t.External...)
	for _, p := range g.Parents(t.Name) {
		if pt := g.Table(p); pt != nil && pt.IsExternal {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// externalsOf lists the external inputs read by the plan's steps (and the
// declared externals the plan selected), with their status. acting says
// whether a reader acts in the plan. It returns the errors of strict mode
// and of missing definitions, and the warnings for missing externals.
// Cost: O(steps × references per table) plus a sort.
func externalsOf(g *dag.Graph, in Inputs, steps []Step, selectedExternals []string, undeploy bool) ([]External, []string, error) {
	readers := map[string][]string{}
	acting := map[string]bool{}
	dropped := map[string]bool{}
	for _, s := range steps {
		if s.Action == ActionDrop {
			dropped[s.Table] = true
		}
		if s.Action == ActionExcluded {
			continue
		}
		t := g.Table(s.Table)
		if t == nil {
			continue
		}
		for _, ref := range ExternalRefs(g, t) {
			readers[ref] = append(readers[ref], s.Table)
			if s.Action.Acts() {
				acting[ref] = true
			}
		}
	}
	for _, n := range selectedExternals {
		if _, ok := readers[n]; !ok {
			readers[n] = nil
		}
	}
	names := make([]string, 0, len(readers))
	for n := range readers {
		names = append(names, n)
	}
	sort.Strings(names)
	var (
		out      []External
		warnings []string
		strict   = &ExternalsError{Strict: true}
		missing  = &ExternalsError{}
	)
	for _, n := range names {
		ein := in.Externals[n]
		declared := ein.Declared
		if t := g.Table(n); t != nil && t.IsExternal {
			declared = true
		}
		rb := readers[n]
		sort.Strings(rb)
		rb = slices.Compact(rb)
		if rb == nil {
			rb = []string{}
		}
		e := External{Table: n, ReadBy: rb, Declared: declared, Definition: ein.Definition}
		if in.Strict && !declared {
			strict.Items = append(strict.Items, ExternalProblem{Table: n, ReadBy: rb})
		}
		if !declared && !undeploy {
			if near := nearestTable(g, n); near != "" {
				warnings = append(warnings, fmt.Sprintf("external input %s (read by %s) is defined nowhere in the project: did you mean %s?", n, strings.Join(rb, ", "), near))
			}
		}
		switch {
		case undeploy:
			e.Status = presenceStatus(ein.Presence)
			if in.IncludeExternals && ein.Presence != deployers.PresenceMissing {
				if others := runningReaders(g, in, n, dropped); len(others) > 0 {
					e.Reason = "kept: still read by running " + strings.Join(others, ", ")
				} else {
					e.Status = ExternalWillDrop
					name, err := in.Naming.Name(externalTable(g, n, rb), deployers.KindDrop)
					if err != nil {
						return nil, nil, err
					}
					e.Statement = name
				}
			}
		case ein.Presence == deployers.PresencePresent:
			e.Status = ExternalPresent
		case in.ExternalPolicy == ExternalsCreate && acting[n]:
			if ein.Definition == "" {
				missing.Items = append(missing.Items, ExternalProblem{Table: n, ReadBy: rb, Searched: ein.Searched})
				continue
			}
			e.Status = ExternalWillCreate
			name, err := in.Naming.Name(externalTable(g, n, rb), deployers.KindDDL)
			if err != nil {
				return nil, nil, err
			}
			e.Statement = name
		case ein.Presence == deployers.PresenceMissing || in.ExternalPolicy == ExternalsCreate:
			e.Status = ExternalMissing
			if acting[n] {
				warnings = append(warnings, MissingExternalMessage(n)+": its readers "+strings.Join(rb, ", ")+" will fail until it exists")
			}
		default:
			e.Status = ExternalAssumed
		}
		out = append(out, e)
	}
	if len(strict.Items) > 0 {
		return nil, nil, strict
	}
	if len(missing.Items) > 0 {
		return nil, nil, missing
	}
	return out, warnings, nil
}

// MissingExternalMessage is what is said of an external input the target
// lacks: it cannot be deployed, as it is not part of the project.
func MissingExternalMessage(table string) string {
	return "raw input " + table + " is missing on the cluster; it is not part of the project"
}

func presenceStatus(p deployers.Presence) ExternalStatus {
	switch p {
	case deployers.PresencePresent:
		return ExternalPresent
	case deployers.PresenceMissing:
		return ExternalMissing
	}
	return ExternalAssumed
}

// runningReaders are the tables of the graph that read the external, are
// not dropped by the plan and whose DML is healthy: dropping the external
// would break them.
func runningReaders(g *dag.Graph, in Inputs, ext string, dropped map[string]bool) []string {
	var out []string
	for _, t := range allReaders(g, ext) {
		if dropped[t] {
			continue
		}
		if healthy(in.State[t]) {
			out = append(out, t)
		}
	}
	return out
}

// allReaders are the tables of the graph that read ext. O(V) with the
// references of each table.
func allReaders(g *dag.Graph, ext string) []string {
	var out []string
	for _, n := range g.Names() {
		t := g.Table(n)
		if t.IsExternal {
			continue
		}
		if slices.Contains(t.External, ext) || slices.Contains(t.Parents, ext) {
			out = append(out, n)
		}
	}
	return out
}

// externalTable is the table statement names are made for: the external's
// last name part, in the product of its first reader (declared externals
// have their own).
func externalTable(g *dag.Graph, name string, readers []string) *pipeline.Table {
	if t := g.Table(name); t != nil {
		return t
	}
	short := name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		short = name[i+1:]
	}
	t := &pipeline.Table{Name: strings.Trim(short, "`")}
	if len(readers) > 0 {
		if r := g.Table(readers[0]); r != nil {
			t.Product = r.Product
		}
	}
	return t
}

// ExternalSteps are the steps the executor runs for the plan's externals:
// a create-external step per external that will be created (its readers
// wait for it) and a drop-external step per external that will be dropped
// (it waits for its readers). The SQL of a created external is read with
// the executor's SQL reader under the external's name.
func ExternalSteps(p *Plan) []Step {
	var out []Step
	for _, e := range p.Externals {
		switch e.Status {
		case ExternalWillCreate:
			out = append(out, Step{Table: e.Table, Action: ActionCreateExternal, Reason: "external input missing; created from " + e.Definition,
				Statements: []StatementRef{{Kind: deployers.KindDDL, Name: e.Statement}}, After: []string{}})
		case ExternalWillDrop:
			after := []string{}
			for _, r := range e.ReadBy {
				if s := p.Step(r); s != nil && s.Action.Acts() {
					after = append(after, r)
				}
			}
			out = append(out, Step{Table: e.Table, Action: ActionDropExternal, Reason: "--include-externals",
				Statements: []StatementRef{}, Drop: e.Statement, After: after})
		}
	}
	return out
}

// nearestTable is the table of the project whose name is at most two
// edits from the reference's last name part, "" when none is: a misspelt
// reference looks like an external input. Cost: O(V) length checks plus an
// O(len²) edit distance for names of close length.
func nearestTable(g *dag.Graph, ref string) string {
	short := ref[strings.LastIndexByte(ref, '.')+1:]
	best, bestD := "", 3
	for _, n := range g.Names() {
		if d := len(n) - len(short); d > 2 || d < -2 || g.Table(n).IsExternal {
			continue
		}
		if d := editDistance(short, n, bestD); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, or limit when it is
// at least limit.
func editDistance(a, b string, limit int) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit)
}
