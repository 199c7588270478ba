package release

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// Inputs are what a release plan is computed from.
type Inputs struct {
	// Name names the release.
	Name string
	// Deploy is the deploy plan of the selection against the target's
	// state (plan.Build): its recreate steps and the steps that follow
	// them are what the release versions.
	Deploy *plan.Plan
	Graph  *dag.Graph
	// Doc is the environment's release document (live versions, open
	// releases).
	Doc *Document
	// SQL gives a table's DDL and DML as a deploy would submit them.
	SQL    pipeline.SQLSource
	Naming plan.Naming
	// Taken reports whether a physical table name is in use on the target
	// (nil: only the project's and the document's names count).
	Taken func(name string) bool
	Now   time.Time
	Since string
}

// Plan is a computed release: the versions it would start, what it reads
// at the live versions, and what it leaves alone.
type Plan struct {
	Release Release `json:"release"`
	// Live are the tables outside the release that its new versions read,
	// at their live versions: they stay as they are.
	Live []LiveRead `json:"live"`
	// Readers are tables outside the release that read a table it
	// versions: they keep reading the old version, and finalize refuses
	// until they no longer do.
	Readers []string `json:"readers,omitempty"`
	// Outside are the deploy plan's other acting steps ("<table>
	// (<action>)"): a release does not run them; deploy them normally.
	Outside []string `json:"outside,omitempty"`
	// Topics map each versioned table to the topic its new version
	// writes.
	Topics map[string]string `json:"topics,omitempty"`
}

// LiveRead is a table read at its live version.
type LiveRead struct {
	Table string `json:"table"`
	Name  string `json:"name"`
	// By are the release's tables that read it, sorted.
	By []string `json:"by"`
}

// ErrNothingToRelease is returned when the deploy plan recreates no table:
// a change that needs no recreate is deployed normally, without downtime.
var ErrNothingToRelease = errors.New("nothing to release: the plan recreates no table (a change that needs no recreate deploys without downtime: use shiftleft pipeline deploy)")

// Compute turns a deploy plan into a release plan: every recreated table,
// and every acting table below one (following the plan's own propagation:
// stateful descendants recreated, stateless ones restarted), gets a new
// version <table>_v<N>, N the next version no table of the project, the
// target or the document uses. Each new version's DDL and DML are
// rewritten to write the new version and read the new versions of the
// release's tables and the live versions of the others. Statement names
// are the convention's for the versioned name and are checked against
// the statement-name rules. Cost: O(V+E) over the plan's steps plus one
// lexer pass per rewritten statement.
func Compute(in Inputs) (*Plan, error) {
	if err := CheckName(in.Name); err != nil {
		return nil, err
	}
	doc := in.Doc
	if doc == nil {
		doc = &Document{}
	}
	versioned := map[string]bool{}
	var order []string
	for _, s := range in.Deploy.Steps {
		switch {
		case s.Action == plan.ActionRecreate:
		case s.Action.Acts() && anyParent(in.Graph, s.Table, versioned):
		default:
			continue
		}
		versioned[s.Table] = true
		order = append(order, s.Table)
	}
	if len(order) == 0 {
		return nil, ErrNothingToRelease
	}
	out := &Plan{Topics: map[string]string{}}
	for _, s := range in.Deploy.Steps {
		if s.Action.Acts() && !versioned[s.Table] {
			out.Outside = append(out.Outside, fmt.Sprintf("%s (%s)", s.Table, s.Action))
		}
	}
	taken := map[string]bool{}
	for _, n := range in.Graph.Names() {
		taken[strings.ToLower(n)] = true
	}
	for _, n := range doc.Physical() {
		taken[strings.ToLower(n)] = true
	}
	isTaken := func(n string) bool {
		return taken[strings.ToLower(n)] || (in.Taken != nil && in.Taken(n))
	}

	// Names first: every rewrite needs all of them.
	renames, liveRenames := map[string]string{}, map[string]string{}
	for t, live := range doc.Live {
		renames[strings.ToLower(t)] = live
		liveRenames[strings.ToLower(t)] = live
	}
	vs := make([]Version, 0, len(order))
	for _, t := range order {
		tb := in.Graph.Table(t)
		old := doc.LiveName(t)
		n := versionOf(t, old) + 1
		for isTaken(versionName(t, n)) {
			n++
		}
		next := versionName(t, n)
		taken[strings.ToLower(next)] = true
		v := Version{Table: t, Product: tb.Product, Stateful: tb.Stateful, Old: old, New: next, N: n}
		if s := in.Deploy.Step(t); s != nil {
			v.Reason = s.Reason
		}
		var err error
		if v.OldDDL, v.OldDML, err = statementNames(in.Naming, tb, old); err != nil {
			return nil, err
		}
		if v.NewDDL, v.NewDML, err = statementNames(in.Naming, tb, next); err != nil {
			return nil, err
		}
		renames[strings.ToLower(t)] = next
		vs = append(vs, v)
	}

	live := map[string]map[string]bool{}
	for i := range vs {
		v := &vs[i]
		tb := in.Graph.Table(v.Table)
		for _, p := range in.Graph.Parents(v.Table) {
			if versioned[p] {
				v.After = append(v.After, p)
				continue
			}
			name := doc.LiveName(p)
			v.Reads = append(v.Reads, name)
			if live[p] == nil {
				live[p] = map[string]bool{}
			}
			live[p][v.Table] = true
		}
		slices.Sort(v.After)
		slices.Sort(v.Reads)
		if err := checkColumns(in.Graph, v.Table, renames); err != nil {
			return nil, err
		}
		ddl, dml, err := in.SQL(tb)
		if err != nil {
			return nil, fmt.Errorf("read the SQL of %s: %w", v.Table, err)
		}
		if ddl == "" {
			return nil, fmt.Errorf("table %s has no DDL: a release creates each new version from its DDL", v.Table)
		}
		oldDDL, err := flinksql.RenameTables(ddl, liveRenames)
		if err != nil {
			return nil, fmt.Errorf("rewrite the DDL of %s for %s: %w", v.Table, v.Old, err)
		}
		v.OldTopic = Topic(oldDDL, v.Old)
		if v.DDL, err = RewriteDDL(ddl, v.Old, v.New, v.N, renames); err != nil {
			return nil, fmt.Errorf("rewrite the DDL of %s for %s: %w", v.Table, v.New, err)
		}
		if dml != "" {
			if v.DML, err = flinksql.RenameTables(dml, renames); err != nil {
				return nil, fmt.Errorf("rewrite the DML of %s for %s: %w", v.Table, v.New, err)
			}
		} else {
			v.NewDML, v.OldDML = "", ""
		}
		v.NewTopic = Topic(v.DDL, v.New)
		out.Topics[v.Table] = v.NewTopic
	}
	for t, by := range live {
		lr := LiveRead{Table: t, Name: doc.LiveName(t)}
		for b := range by {
			lr.By = append(lr.By, b)
		}
		slices.Sort(lr.By)
		out.Live = append(out.Live, lr)
	}
	slices.SortFunc(out.Live, func(a, b LiveRead) int { return strings.Compare(a.Table, b.Table) })
	readers := map[string]bool{}
	for t := range versioned {
		for _, c := range in.Graph.Children(t) {
			if !versioned[c] {
				readers[c] = true
			}
		}
	}
	for r := range readers {
		out.Readers = append(out.Readers, r)
	}
	slices.Sort(out.Readers)
	out.Release = Release{Name: in.Name, CreatedAt: in.Now, Since: in.Since, Versions: vs}
	return out, nil
}

func anyParent(g *dag.Graph, t string, in map[string]bool) bool {
	for _, p := range g.Parents(t) {
		if in[p] {
			return true
		}
	}
	return false
}

// versionName is the physical name of version n of a table.
func versionName(table string, n int) string { return table + "_v" + strconv.Itoa(n) }

// versionOf is the version number of a physical name of table: N for
// <table>_v<N>, 1 for anything else (the table's first version is its
// file's name).
func versionOf(table, physical string) int {
	rest, ok := strings.CutPrefix(physical, table+"_v")
	if !ok {
		return 1
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// statementNames are the convention's DDL and DML statement names of a
// table deployed under a physical name, checked against the statement-name
// rules (plan.Naming.Name, plan.MaxStatementName).
func statementNames(nm plan.Naming, tb *pipeline.Table, physical string) (ddl, dml string, err error) {
	cp := *tb
	cp.Name = physical
	if ddl, err = nm.Name(&cp, deployers.KindDDL); err != nil {
		return "", "", err
	}
	if dml, err = nm.Name(&cp, deployers.KindDML); err != nil {
		return "", "", err
	}
	return ddl, dml, nil
}

// checkColumns refuses a rename that would also rename a column: a column
// of the table or of a table it reads named like a renamed table.
func checkColumns(g *dag.Graph, table string, renames map[string]string) error {
	for _, t := range append([]string{table}, g.Parents(table)...) {
		tb := g.Table(t)
		if tb == nil || tb.DDLText == "" {
			continue
		}
		a, err := flinksql.Analyze([]byte(tb.DDLText))
		if err != nil {
			continue // the scan reported it
		}
		for _, td := range a.Tables {
			for _, c := range td.Columns {
				if _, ok := renames[strings.ToLower(c.Name)]; ok {
					return &ColumnClashError{Table: t, Column: c.Name}
				}
			}
		}
	}
	return nil
}
