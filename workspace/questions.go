package workspace

import (
	"context"
	"slices"
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

// Impact lists the tables downstream of a change with what a deploy of it
// does to each (`deploy --select state:modified` with the same change set,
// the config's common products, the exclusions), every table running its
// previous version. Without selection methods the change is the git change
// set, less the excluded tables; with them, the selected tables are the
// change (their kind taken from the change set when there is one).
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
	rep := impact.Analyze(ws.Graph, changed, impact.Options{
		MaxDepth:    req.MaxDepth,
		Deploy:      plan.Options{CommonProducts: ws.config().App.AcceptedCommonProducts},
		NeverDeploy: sel.ExcludeMatched,
	})
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
	// Throughput is, per table whose DML runs, the records pending and
	// rows per second where the target tells them (deployers.LagReporter);
	// nil on targets that do not.
	Throughput map[string]deployers.Lag
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
	live, err := ws.liveVersions(ctx, t)
	if err != nil {
		return nil, err
	}
	state, err := readLiveState(ctx, t, tables, ws.Naming(), live)
	if err != nil {
		return nil, err
	}
	byDML := map[string]string{}
	for table, s := range state {
		if s.DML != nil && s.DML.Phase.Healthy() {
			byDML[s.DML.Name] = table
		}
	}
	var tp map[string]deployers.Lag
	if lags := ws.throughput(ctx, t, byDML); lags != nil {
		tp = map[string]deployers.Lag{}
		for stmt, l := range lags {
			tp[byDML[stmt]] = l
		}
	}
	return &HealthResult{Target: t.Info(), Report: health.Check(ws.Graph, names, state, t.Info().KnowsTables), Throughput: tp}, nil
}

// withThroughput fills the Throughput of the rows whose DML runs.
func (ws *Workspace) withThroughput(ctx context.Context, t *Target, rows []StatementRow) []StatementRow {
	stmts := map[string]string{}
	for _, r := range rows {
		if !r.NoDML && r.Statement.Phase.Healthy() && (r.Statement.Kind == "" || r.Statement.Kind == deployers.KindDML) {
			stmts[r.Statement.Name] = r.Table
		}
	}
	lags := ws.throughput(ctx, t, stmts)
	for i := range rows {
		if l, ok := lags[rows[i].Statement.Name]; ok && !rows[i].NoDML {
			rows[i].Throughput = &l
		}
	}
	return rows
}

// throughput asks the target (deployers.LagReporter) for the records
// pending and rows per second of running statements, keyed by statement.
// A target without the capability gives nil; one whose metrics cannot be
// read logs why and gives nil: the reports it feeds stay useful without.
func (ws *Workspace) throughput(ctx context.Context, t *Target, stmts map[string]string) map[string]deployers.Lag {
	lr, ok := t.Target.(deployers.LagReporter)
	if !ok || len(stmts) == 0 {
		return nil
	}
	names := make([]string, 0, len(stmts))
	for n := range stmts {
		names = append(names, n)
	}
	slices.Sort(names)
	lags, err := lr.Lag(ctx, names)
	if err != nil {
		ws.log.Warn("records pending and rows per second not read", "target", t.Info().String(), "err", err)
		return nil
	}
	return lags
}

// StatementRow is one statement of the target, with the table it belongs
// to ("" for statements of other tools).
type StatementRow struct {
	Table string
	// Statement is the statement; for a selected table without DML only
	// its conventional name is set.
	Statement deployers.Statement
	// NoDML marks a selected table that has a DML file but no DML
	// statement on the target: it should run and does not.
	NoDML bool
	// Throughput is the records pending and rows per second of a running
	// DML where the target tells them (deployers.LagReporter), else nil.
	Throughput *deployers.Lag
}

// StatementsRequest asks RunningStatements for the statements of a
// selection (every table without one).
type StatementsRequest struct {
	Selection Selection
	// All lists every statement: DDLs, drops and finished ones too.
	// Without it only what runs, or should run and does not, is listed:
	// DML statements in an Attention phase.
	All bool
}

// Attention reports whether a DML statement in phase p is one to look at:
// it runs (RUNNING, DEGRADED, PENDING) or should and does not (FAILED,
// FAILING, STOPPED, STOPPING). A COMPLETED DML (a bounded one) is done.
func Attention(p deployers.Phase) bool {
	switch p {
	case deployers.PhaseRunning, deployers.PhaseDegraded, deployers.PhasePending,
		deployers.PhaseFailed, deployers.PhaseFailing, deployers.PhaseStopped, deployers.PhaseStopping:
		return true
	}
	return false
}

// RunningStatements lists the statements of the target. By default: the
// DML statements in an Attention phase, of the selected tables (every
// table without a selection), and, with a selection, each selected table
// that has a DML file and no DML statement. With req.All: every statement
// of the selected tables (of the environment without a selection, other
// tools' included), whatever its kind and phase. Statements of other tools
// have no known kind: by default they are listed when their phase needs
// attention. Cost: one listing of the target's statements (one State call
// for the default with a selection).
func (ws *Workspace) RunningStatements(ctx context.Context, req StatementsRequest) ([]StatementRow, error) {
	t, err := ws.OpenTarget(ctx)
	if err != nil {
		return nil, err
	}
	nm := ws.Naming()
	var selected map[string]bool
	var tables []*pipeline.Table
	if !req.Selection.IsEmpty() {
		res, err := ws.Select(ctx, req.Selection)
		if err != nil {
			return nil, err
		}
		selected = make(map[string]bool, len(res.Selected))
		for _, name := range res.Selected {
			if tb := ws.Project.Table(name); tb != nil {
				selected[name] = true
				tables = append(tables, tb)
			}
		}
	}
	live, err := ws.liveVersions(ctx, t)
	if err != nil {
		return nil, err
	}
	if req.All || selected == nil {
		return ws.listedStatements(ctx, t, nm, selected, req.All, live)
	}
	// Rows name the live versions (LiveVersions): their tables and
	// statements are the ones that run.
	refs, err := plan.TableRefs(live.Tables(tables), nm)
	if err != nil {
		return nil, err
	}
	state, err := t.State(ctx, refs)
	if err != nil {
		return nil, err
	}
	var rows []StatementRow
	for _, ref := range refs {
		st := state[ref.Table]
		switch {
		case st.DML == nil && ws.Project.Table(live.File(ref.Table)).DMLPath != "":
			rows = append(rows, StatementRow{Table: ref.Table, Statement: deployers.Statement{Name: ref.DMLName}, NoDML: true})
		case st.DML != nil && Attention(st.DML.Phase):
			rows = append(rows, StatementRow{Table: ref.Table, Statement: *st.DML})
		}
	}
	return ws.withThroughput(ctx, t, rows), nil
}

// listedStatements is RunningStatements from the target's listing: the
// statements of the selected tables (all, when selected is nil), every
// one with all, else the DMLs in an Attention phase.
func (ws *Workspace) listedStatements(ctx context.Context, t *Target, nm plan.Naming, selected map[string]bool, all bool, live Live) ([]StatementRow, error) {
	list, err := t.ListStatements(ctx)
	if err != nil {
		return nil, err
	}
	known := statementTables(live.Tables(ws.Project.Tables), nm)
	var rows []StatementRow
	for _, s := range list {
		table, kind := known(s.Name)
		if s.Table != "" {
			table = s.Table
		}
		if s.Kind != "" {
			kind = s.Kind
		}
		if selected != nil && !selected[live.File(table)] {
			continue
		}
		if !all && ((kind != "" && kind != deployers.KindDML) || !Attention(s.Phase)) {
			continue
		}
		rows = append(rows, StatementRow{Table: table, Statement: s})
	}
	return ws.withThroughput(ctx, t, rows), nil
}

// statementTables maps the statement names the naming convention gives the
// project's tables back to their tables and kinds, for targets whose
// listing does not know them (Confluent Cloud lists bare statements). A
// DML carried to its other name (confluent.AltSuffix) counts as the
// table's too; names of other tools' statements map to "" and no kind.
func statementTables(tables []*pipeline.Table, nm plan.Naming) func(string) (string, deployers.StatementKind) {
	type owner struct {
		table string
		kind  deployers.StatementKind
	}
	byName := map[string]owner{}
	for _, tb := range tables {
		if !tb.Deployable() {
			continue
		}
		for _, kind := range []deployers.StatementKind{deployers.KindDDL, deployers.KindDML, deployers.KindDrop} {
			if n, err := nm.Name(tb, kind); err == nil {
				byName[n] = owner{tb.Name, kind}
			}
		}
	}
	return func(statement string) (string, deployers.StatementKind) {
		o, ok := byName[statement]
		if !ok {
			o = byName[strings.TrimSuffix(statement, confluent.AltSuffix)]
		}
		return o.table, o.kind
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
