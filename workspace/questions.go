package workspace

import (
	"context"
	"strings"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent"
	"github.com/shiftleft-dev/shiftleft/health"
	"github.com/shiftleft-dev/shiftleft/impact"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
	"github.com/shiftleft-dev/shiftleft/statelock"
)

// ImpactRequest asks what a change impacts: the git change set of the
// selection (when it has no table methods), or the selected tables.
type ImpactRequest struct {
	Selection Selection
	// MaxDepth lists impacted tables up to that many edges from a change
	// (0: all).
	MaxDepth int
}

// Impact lists the tables downstream of a change with the action a deploy
// would need. Without selection methods the change is the git change set,
// less the excluded tables; with them, the selected tables are the change
// (their kind taken from the change set when there is one).
func (ws *Workspace) Impact(ctx context.Context, req ImpactRequest) (*impact.Report, error) {
	sel, err := ws.Select(ctx, req.Selection)
	if err != nil {
		return nil, err
	}
	var changed []impact.Changed
	if req.Selection.IsEmpty() {
		changed = withoutExcluded(impact.FromChangeSet(sel.Changes), sel.Excluded)
	} else {
		changed = changedOfSelection(sel)
	}
	rep := impact.Analyze(ws.Graph, changed, impact.Options{MaxDepth: req.MaxDepth})
	return &rep, nil
}

// changedOfSelection marks the selected tables as changed, with their kind
// from the change set when there is one (so `--since main --select
// state:modified.ddl` keeps the schema classification), and the tables
// selected by state:deleted as deleted.
func changedOfSelection(sel Selected) []impact.Changed {
	known := map[string]impact.Changed{}
	for _, c := range impact.FromChangeSet(sel.Changes) {
		known[c.Table] = c
	}
	var out []impact.Changed
	for _, t := range sel.Selected {
		if c, ok := known[t]; ok {
			out = append(out, c)
			continue
		}
		out = append(out, impact.Changed{Table: t, Change: impact.ChangeSelected})
	}
	for _, t := range sel.Deleted {
		out = append(out, impact.Changed{Table: t, Change: string(changes.KindDeleted)})
	}
	return out
}

// withoutExcluded drops the changed tables that --exclude removed.
func withoutExcluded(changed []impact.Changed, excluded []string) []impact.Changed {
	drop := make(map[string]bool, len(excluded))
	for _, t := range excluded {
		drop[t] = true
	}
	out := changed[:0:0]
	for _, c := range changed {
		if !drop[c.Table] {
			out = append(out, c)
		}
	}
	return out
}

// HealthResult is the health of the target's tables.
type HealthResult struct {
	Target deployers.Info
	*health.Report
}

// Health checks that the selected tables (all without a selection) and
// their ancestors run on the target, each started after the tables it
// reads were created.
func (ws *Workspace) Health(ctx context.Context, sel Selection) (*HealthResult, error) {
	names := ws.Graph.Names()
	if !sel.IsEmpty() {
		res, err := ws.Select(ctx, sel)
		if err != nil {
			return nil, err
		}
		names = res.Selected
		for a := range ws.Graph.Ancestors(res.Selected, 0) {
			names = append(names, a)
		}
	}
	t, err := ws.OpenTarget(ctx)
	if err != nil {
		return nil, err
	}
	var tables = ws.Project.Tables[:0:0]
	for _, n := range names {
		if tb := ws.Graph.Table(n); tb != nil && !tb.IsExternal {
			tables = append(tables, tb)
		}
	}
	state, err := readState(ctx, t, tables, ws.Naming())
	if err != nil {
		return nil, err
	}
	return &HealthResult{Target: t.Info(), Report: health.Check(ws.Graph, names, state, t.Info().KnowsTables)}, nil
}

// StatementRow is one statement of the target, with the table it belongs
// to ("" for statements of other tools).
type StatementRow struct {
	Table string
	// Statement is the statement; for a selected table without DML only
	// its conventional name is set.
	Statement deployers.Statement
	// NoDML marks a selected table that has no DML statement.
	NoDML bool
}

// RunningStatements lists the statements of the target: with a selection,
// the DML statement of each selected table (one State call: one paged
// listing on Confluent); without one, every statement of the environment.
func (ws *Workspace) RunningStatements(ctx context.Context, sel Selection) ([]StatementRow, error) {
	t, err := ws.OpenTarget(ctx)
	if err != nil {
		return nil, err
	}
	nm := ws.Naming()
	var rows []StatementRow
	if sel.IsEmpty() {
		list, err := t.ListStatements(ctx)
		if err != nil {
			return nil, err
		}
		tableOf := statementTables(ws.Project.Tables, nm)
		for _, s := range list {
			table := s.Table
			if table == "" {
				table = tableOf(s.Name)
			}
			rows = append(rows, StatementRow{Table: table, Statement: s})
		}
		return rows, nil
	}
	res, err := ws.Select(ctx, sel)
	if err != nil {
		return nil, err
	}
	var tables = ws.Project.Tables[:0:0]
	for _, name := range res.Selected {
		if tb := ws.Project.Table(name); tb != nil {
			tables = append(tables, tb)
		}
	}
	refs, err := plan.TableRefs(tables, nm)
	if err != nil {
		return nil, err
	}
	state, err := t.State(ctx, refs)
	if err != nil {
		return nil, err
	}
	for _, ref := range refs {
		st := state[ref.Table]
		if st.DML == nil {
			rows = append(rows, StatementRow{Table: ref.Table, Statement: deployers.Statement{Name: ref.DMLName}, NoDML: true})
			continue
		}
		rows = append(rows, StatementRow{Table: ref.Table, Statement: *st.DML})
	}
	return rows, nil
}

// statementTables maps the statement names the naming convention gives the
// project's tables back to their tables, for targets whose listing does
// not know them (Confluent Cloud lists bare statements). A DML carried to
// its other name (confluent.AltSuffix) counts as the table's too; names of
// other tools' statements map to "".
func statementTables(tables []*pipeline.Table, nm plan.Naming) func(string) string {
	byName := map[string]string{}
	for _, tb := range tables {
		if !tb.Deployable() {
			continue
		}
		for _, kind := range []deployers.StatementKind{deployers.KindDDL, deployers.KindDML, deployers.KindDrop} {
			if n, err := nm.Name(tb, kind); err == nil {
				byName[n] = tb.Name
			}
		}
	}
	return func(statement string) string {
		if tb, ok := byName[statement]; ok {
			return tb
		}
		return byName[strings.TrimSuffix(statement, confluent.AltSuffix)]
	}
}

// DDLRecords names the DDL statements of the project's tables without
// DML, which Confluent Cloud keeps as their only trace, so housekeeping
// never deletes them.
func (ws *Workspace) DDLRecords() (map[string]bool, error) {
	nm := ws.Naming()
	records := map[string]bool{}
	for _, tb := range ws.Project.Tables {
		if tb.Deployable() && tb.DMLPath == "" {
			name, err := nm.Name(tb, deployers.KindDDL)
			if err != nil {
				return nil, err
			}
			records[name] = true
		}
	}
	return records, nil
}

// UnlockResult is the lock ForceUnlock removed.
type UnlockResult struct {
	Target deployers.Info
	// LockPath is the environment's lock file.
	LockPath string
	// Holder is the run that held it.
	Holder statelock.Info
}

// ForceUnlock removes the environment lock left by a run that is gone;
// id must be the lock's ID (from the 'is held' error), so that nobody
// removes a lock they have not seen. A missing lock is an error wrapping
// fs.ErrNotExist.
func (ws *Workspace) ForceUnlock(ctx context.Context, id string) (UnlockResult, error) {
	t, err := ws.OpenTarget(ctx)
	if err != nil {
		return UnlockResult{}, err
	}
	r := UnlockResult{Target: t.Info(), LockPath: t.LockPath}
	if r.Holder, err = statelock.Read(t.LockPath); err != nil {
		return r, err
	}
	return r, statelock.ForceUnlock(t.LockPath, id)
}
