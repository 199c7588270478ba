package workspace

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/executor"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
	"github.com/shiftleft-dev/shiftleft/statelock"
)

// DeployRequest is what Plan, Deploy and Undeploy are asked.
type DeployRequest struct {
	// Selection chooses the tables; it must not be empty, unless PlanFile
	// is given.
	Selection Selection
	// PlanFile is a saved plan to execute as it is (Deploy only): it is
	// refused when the pipelines or the target changed since it was made.
	PlanFile string
	// Rules are the plan flags (--force, --may-start-descendants, …).
	Rules plan.Options
	// SaveTo saves the plan to this file before anything runs.
	SaveTo string
	// Run tunes the executor; the workspace fills its SQL and Properties.
	Run executor.Options
	// LockTimeout is how long to wait for the environment lock held by
	// another run (0: fail at once).
	LockTimeout time.Duration
	// Strict makes undeclared external inputs read by the planned tables a
	// plan error (*plan.ExternalsError).
	Strict bool
	// IncludeExternals lets an undeploy drop the external inputs of the
	// dropped tables (never by default).
	IncludeExternals bool
	// ExternalsDirs are folders of SQL files that define external inputs,
	// searched before the tests/ddl*.sql files of their readers.
	ExternalsDirs []string
	// Review is called with the plan before anything runs, while the lock
	// is held (the CLI prints the plan and asks for confirmation). An
	// error stops the deploy before it changes anything and is returned.
	Review func(*PlanResult) error
	// Release names the open release this deploy runs within (--release):
	// without it a deploy refuses while a release is open (checkRelease).
	Release string
}

// PlanResult is a plan for the opened target, with what renders it.
type PlanResult struct {
	Plan *plan.Plan
	// Target describes the target planned against.
	Target deployers.Info

	graph  *dag.Graph
	sqlOf  pipeline.SQLSource
	target *Target
	// live maps tables to their live versions (LiveVersions).
	live Live
}

// DeployResult is a plan and what running it did.
type DeployResult struct {
	*PlanResult
	// Result is the executor's result; empty steps when the plan had
	// nothing to do.
	Result *executor.Result
}

// Plan computes what a deploy (or, with undeploy, an undeploy) of the
// request would do, against the target's state. It never changes anything
// on the target and takes no lock.
func (ws *Workspace) Plan(ctx context.Context, req DeployRequest, undeploy bool) (*PlanResult, error) {
	if req.PlanFile != "" {
		return nil, &RequestError{Msg: "--plan executes a saved plan: it does not combine with --dry-run"}
	}
	t, err := ws.OpenTarget(ctx)
	if err != nil {
		return nil, err
	}
	in, err := ws.resolve(ctx, req, undeploy)
	if err != nil {
		return nil, err
	}
	return ws.plan(ctx, t, req, in)
}

// Deploy plans the request against the target's state (or loads its saved
// plan), takes the environment lock, shows the plan to req.Review and runs
// it. A plan with nothing to do runs nothing. Step failures are in the
// result (Result.Err), not the error.
func (ws *Workspace) Deploy(ctx context.Context, req DeployRequest) (*DeployResult, error) {
	return ws.run(ctx, req, false)
}

// Undeploy is Deploy for an undeploy plan: the selected tables' DMLs are
// deleted and their tables dropped, children first; tables that running
// pipelines outside the selection read are kept. Tables deleted from the
// pipelines (state:deleted) are undeployed as the change set's base
// defined them.
func (ws *Workspace) Undeploy(ctx context.Context, req DeployRequest) (*DeployResult, error) {
	if req.PlanFile != "" {
		return nil, &RequestError{Msg: "--plan executes a saved deploy plan: undeploy plans from the target's state"}
	}
	return ws.run(ctx, req, true)
}

func (ws *Workspace) run(ctx context.Context, req DeployRequest, undeploy bool) (*DeployResult, error) {
	t, err := ws.OpenTarget(ctx)
	if err != nil {
		return nil, err
	}
	in, err := ws.resolve(ctx, req, undeploy)
	if err != nil {
		return nil, err
	}
	release, err := ws.lock(ctx, t, undeploy, req.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer release()
	pr, err := ws.plan(ctx, t, req, in)
	if err != nil {
		return nil, err
	}
	if err := ws.checkRelease(ctx, t, req.Release, pr.Plan); err != nil {
		return nil, err
	}
	if req.Review != nil {
		if err := req.Review(pr); err != nil {
			return nil, err
		}
	}
	out := &DeployResult{PlanResult: pr, Result: &executor.Result{}}
	if !pr.Plan.HasChanges() {
		return out, ws.forgetUndeployed(ctx, t, pr, nil)
	}
	run := req.Run
	g, sqlOf := pr.graph, pr.sqlOf
	root := in.project.Root
	run.SQL = func(table string) (string, string, error) {
		tb := g.Table(table)
		if tb == nil || tb.IsExternal {
			// An external input the plan creates: its definition.
			if ddl, ok, err := externalSQL(root, pr.Plan, table); ok || err != nil {
				return ddl, "", err
			}
		}
		if tb == nil {
			return "", "", fmt.Errorf("table %s is not in the pipelines", table)
		}
		ddl, dml, err := sqlOf(tb)
		if err != nil {
			return "", "", err
		}
		// Tables the deploy acts on are never versioned (checkRelease), but
		// they may read a live version: the SQL reads it by its live name.
		return pr.live.submitted(table, ddl, dml)
	}
	if run.Properties, err = newStatementProperties(ws.Project.Root).forRun(pr.Plan, g.Table); err != nil {
		return nil, err
	}
	if run.Now == nil {
		run.Now = ws.opts.Now
	}
	if out.Result, err = executor.Run(ctx, t, pr.Plan, run); err != nil {
		return nil, err
	}
	return out, ws.forgetUndeployed(ctx, t, pr, out.Result)
}

// lock takes the environment lock of the target; a lock taken over from a
// holder that is gone is logged.
func (ws *Workspace) lock(ctx context.Context, t *Target, undeploy bool, timeout time.Duration) (release func(), err error) {
	op := "deploy"
	if undeploy {
		op = "undeploy"
	}
	lock, err := statelock.Acquire(ctx, t.LockPath, statelock.Info{Operation: op, Version: ws.opts.Version}, timeout)
	if err != nil {
		return nil, err
	}
	if lock.TakenOver != nil {
		ws.log.Warn("took over a stale lock: its holder is gone and may have left work half done; this run plans from the target's state and finishes it", "holder", lock.TakenOver.String())
	}
	return func() {
		if err := lock.Release(); err != nil {
			ws.log.Error(err.Error())
		}
	}, nil
}

// planInput is a resolved request: the tables to plan and the project,
// graph and SQL they are planned from.
type planInput struct {
	undeploy bool
	project  *pipeline.Project
	graph    *dag.Graph
	sqlOf    pipeline.SQLSource
	sel      Selected
	selected []string
}

// resolve evaluates the request's selection (none for a saved plan). For
// an undeploy, tables deleted from the pipelines (state:deleted) are added
// as the change set's base defined them.
func (ws *Workspace) resolve(ctx context.Context, req DeployRequest, undeploy bool) (planInput, error) {
	in := planInput{undeploy: undeploy, project: ws.Project, graph: ws.Graph, sqlOf: ws.sqlSource(ws.Project)}
	if req.PlanFile != "" {
		return in, nil
	}
	if req.Selection.IsEmpty() {
		return in, &RequestError{Msg: "select the tables to deploy: a deploy never acts on the whole project by default"}
	}
	sel, err := ws.Select(ctx, req.Selection)
	if err != nil {
		return in, err
	}
	in.sel, in.selected = sel, sel.Selected
	if len(sel.Deleted) > 0 && undeploy {
		if in.project, in.graph, err = withDeletedTables(ws.Project, sel); err != nil {
			return in, err
		}
		in.sqlOf = ws.sqlSource(in.project)
		in.selected = append(slices.Clip(in.selected), sel.Deleted...)
	}
	return in, nil
}

// plan reads the target's state and builds the plan (or loads the saved
// one and checks it is fresh), notes the target's DDL rewrites, applies
// offset carrying and saves the plan when asked.
func (ws *Workspace) plan(ctx context.Context, t *Target, req DeployRequest, in planInput) (*PlanResult, error) {
	nm := ws.Naming()
	props := newStatementProperties(ws.Project.Root)
	var pl *plan.Plan
	live, err := ws.liveVersions(ctx, t)
	if err != nil {
		return nil, err
	}
	if req.PlanFile != "" {
		if pl, err = loadFreshPlan(ctx, ws.opts.abs(req.PlanFile), in.graph, t, nm, in.sqlOf, props.of, live); err != nil {
			return nil, err
		}
	} else if pl, err = ws.buildPlan(ctx, t, req, in, nm, props, live); err != nil {
		return nil, err
	}
	if c, ok := t.Target.(deployers.OffsetCarrier); ok && ws.opts.Target.CarryOffsets {
		plan.CarryOffsets(pl, c)
	}
	if req.SaveTo != "" {
		if err := plan.Save(ws.opts.abs(req.SaveTo), pl); err != nil {
			return nil, err
		}
	}
	if in.undeploy {
		// An undeploy drops versioned tables under their live names.
		if err := liveUndeploy(pl, live, nm, in.graph); err != nil {
			return nil, err
		}
	} else {
		noteLiveVersions(pl, live)
	}
	return &PlanResult{Plan: pl, Target: t.Info(), graph: in.graph, sqlOf: in.sqlOf, target: t, live: live}, nil
}

// buildPlan reads the state of the project's tables and applies the plan
// rules to the selection.
func (ws *Workspace) buildPlan(ctx context.Context, t *Target, req DeployRequest, in planInput, nm plan.Naming, props *statementProperties, live Live) (*plan.Plan, error) {
	state, err := readLiveState(ctx, t, in.project.Tables, nm, live)
	if err != nil {
		return nil, err
	}
	pin := plan.Inputs{
		Selected: in.selected, Excluded: in.sel.Excluded, NeverDeploy: in.sel.ExcludeMatched, Changes: planChanges(in.sel.Changes), Since: req.Selection.Since,
		State: state, Options: req.Rules, Naming: nm, SQL: in.sqlOf, Properties: props.of,
		Target: t.Info(), Now: ws.opts.Now(),
	}
	pin.Options.CommonProducts = ws.config().App.AcceptedCommonProducts
	pin.Strict, pin.IncludeExternals = req.Strict, req.IncludeExternals
	if pin.Externals, pin.ExternalPolicy, err = ws.externalInputs(ctx, t, in.graph, req.ExternalsDirs); err != nil {
		return nil, err
	}
	var pl *plan.Plan
	if in.undeploy {
		pl, err = plan.BuildUndeploy(ctx, in.graph, pin)
	} else {
		pl, err = plan.Build(ctx, in.graph, pin)
	}
	if err != nil {
		return nil, err
	}
	if err := noteDDLRewrites(pl, in.graph, in.sqlOf, t, filepath.Base(in.project.Root)); err != nil {
		return nil, err
	}
	return pl, nil
}

// withDeletedTables adds the selected deleted tables to the project, as the
// change set's base had them, and builds the graph again.
func withDeletedTables(p *pipeline.Project, sel Selected) (*pipeline.Project, *dag.Graph, error) {
	var retired []pipeline.RetiredTable
	for _, tc := range sel.Changes.Tables {
		if tc.Kind != changes.KindDeleted || tc.Base == nil || !slices.Contains(sel.Deleted, tc.Table) {
			continue
		}
		retired = append(retired, pipeline.RetiredTable{
			Folder: tc.Folder, DDLPath: tc.Base.DDLPath, DDLText: tc.Base.DDL, DMLPath: tc.Base.DMLPath, DMLText: tc.Base.DML,
		})
	}
	np, err := pipeline.WithRetired(p, retired)
	if err != nil {
		return nil, nil, fmt.Errorf("deleted tables since %s: %w", sel.Changes.BaseRef, err)
	}
	g, err := dag.Build(np)
	if err != nil {
		return nil, nil, err
	}
	return np, g, nil
}

// planChanges converts a git change set into what the plan rules read.
func planChanges(cs *changes.ChangeSet) map[string]plan.Change {
	if cs == nil {
		return nil
	}
	out := make(map[string]plan.Change, len(cs.Tables))
	for _, tc := range cs.Tables {
		if tc.FormattingOnly {
			continue // comments or layout: nothing to deploy
		}
		ch := plan.Change{Kind: plan.ChangeKind(tc.Kind), Content: string(tc.Content)}
		if tc.Schema != nil {
			ch.Schema, ch.Reasons = tc.Schema.Category, tc.Schema.Reasons
		}
		out[tc.Table] = ch
	}
	return out
}

// sqlSource gives a table's SQL as the scan read it, with the
// environment's sql_rewrites applied: the SQL a table deploys, which plans
// also compare and fingerprint, without reading any file twice.
func (ws *Workspace) sqlSource(p *pipeline.Project) pipeline.SQLSource {
	rw := ws.Rewriter
	return func(t *pipeline.Table) (string, string, error) {
		if !p.SQLKept {
			return "", "", errors.New("internal: the project was scanned without its SQL text")
		}
		if rw.Empty() {
			return t.DDLText, t.DMLText, nil
		}
		return rw.Apply(t.Name, "ddl", t.DDLText), rw.Apply(t.Name, "dml", t.DMLText), nil
	}
}

// readState asks the target for the state of the given tables.
func readState(ctx context.Context, t *Target, tables []*pipeline.Table, nm plan.Naming) (map[string]deployers.TableState, error) {
	refs, err := plan.TableRefs(tables, nm)
	if err != nil {
		return nil, err
	}
	st, err := t.State(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("read the state of %s: %w", t.Info(), err)
	}
	return st, nil
}

// loadFreshPlan loads a saved plan and refuses it when it was made for
// another target or is stale.
func loadFreshPlan(ctx context.Context, path string, g *dag.Graph, t *Target, nm plan.Naming, sqlOf pipeline.SQLSource, props plan.PropertiesReader, live Live) (*plan.Plan, error) {
	pl, err := plan.Load(path)
	if err != nil {
		return nil, err
	}
	if pl.Kind != plan.KindDeploy {
		return nil, fmt.Errorf("plan %s is an %s plan: deploy runs deploy plans only", path, pl.Kind)
	}
	if info := t.Info(); info.Target != pl.Target || info.Environment != pl.Environment {
		return nil, fmt.Errorf("plan %s was made for %s, not %s: pass the same --target and --environment", path,
			deployers.Info{Target: pl.Target, Environment: pl.Environment}, info)
	}
	var tables []*pipeline.Table
	for _, s := range pl.Steps {
		tb := g.Table(s.Table)
		if tb == nil {
			return nil, &plan.StaleError{What: "pipelines", Detail: "table " + s.Table + " is gone"}
		}
		tables = append(tables, tb)
	}
	state, err := readLiveState(ctx, t, tables, nm, live)
	if err != nil {
		return nil, err
	}
	if err := plan.Verify(ctx, g, pl, state, sqlOf, props); err != nil {
		return nil, fmt.Errorf("plan %s: %w", path, err)
	}
	return pl, nil
}

// SubmittedSQL is one statement an acting step submits, as the target
// will submit it.
type SubmittedSQL struct {
	Table     string
	Action    plan.Action
	Statement string
	SQL       string
	// Warnings are the changes the target made to the DDL.
	Warnings []string
}

// SQL lists the SQL every acting step submits, in plan order (drops
// excluded): what --show-sql prints.
func (r *PlanResult) SQL() ([]SubmittedSQL, error) {
	var out []SubmittedSQL
	for _, s := range r.Plan.Steps {
		if !s.Action.Acts() || s.Action == plan.ActionDrop {
			continue
		}
		ddl, dml, err := r.sqlOf(r.graph.Table(s.Table))
		if err == nil {
			ddl, dml, err = r.live.submitted(s.Table, ddl, dml)
		}
		if err != nil {
			return nil, err
		}
		for _, st := range s.Statements {
			sub := SubmittedSQL{Table: s.Table, Action: s.Action, Statement: st.Name, SQL: dml}
			if dr, ok := r.target.Target.(deployers.DMLRenderer); ok && st.Kind == deployers.KindDML {
				if sub.SQL, sub.Warnings, err = dr.RenderDML(s.Table, dml); err != nil {
					return nil, fmt.Errorf("check the DML of %s for the target: %w", s.Table, err)
				}
			}
			if st.Kind == deployers.KindDDL {
				if sub.SQL, sub.Warnings, err = r.target.RenderDDL(s.Table, ddl); err != nil {
					return nil, fmt.Errorf("rewrite the DDL of %s for the target: %w", s.Table, err)
				}
			}
			sub.Warnings = append(r.live.notSubmitted(s.Table), sub.Warnings...)
			out = append(out, sub)
		}
	}
	return out, nil
}
