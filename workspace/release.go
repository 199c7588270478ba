package workspace

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/executor"
	"github.com/shiftleft-dev/shiftleft/internal/atomicfile"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
	"github.com/shiftleft-dev/shiftleft/plan"
	"github.com/shiftleft-dev/shiftleft/release"
	"github.com/shiftleft-dev/shiftleft/statelock"
)

// ReleaseRequest is what the release use cases are asked.
type ReleaseRequest struct {
	// Name names the release ("" for status, promote, rollback and
	// finalize: the open release).
	Name string
	// Selection and Rules choose the tables, as for a deploy (plan and
	// start only).
	Selection Selection
	Rules     plan.Options
	// Run tunes the executor (start).
	Run         executor.Options
	LockTimeout time.Duration
	// Catch-up thresholds (status, promote).
	Catch release.Settings
	// Force promotes versions that are not caught up.
	Force bool
	// Keep is how long promote keeps the old tables (default 24h).
	Keep time.Duration
}

// DefaultKeep is how long promote keeps the old versions by default.
const DefaultKeep = 24 * time.Hour

// ReleaseResult is a release after a use case, with what it ran.
type ReleaseResult struct {
	Release *release.Release
	// Run is the executor's result of start (nil otherwise).
	Run *executor.Result
	// Status is the catch-up of the new versions (status, promote).
	Status *release.Status
	Target deployers.Info
}

// PromoteError is a promote refused because new versions have not caught
// up; --force promotes anyway.
type PromoteError struct{ Pending []string }

func (e *PromoteError) Error() string {
	return fmt.Sprintf("not promoted: %s not caught up; wait (shiftleft release status), or pass --force", strings.Join(e.Pending, ", "))
}

// FinalizeError is a finalize refused: the keep time has not passed, or
// statements outside the release still read old versions.
type FinalizeError struct {
	KeepUntil time.Time
	Readers   []string
}

func (e *FinalizeError) Error() string {
	if len(e.Readers) > 0 {
		return fmt.Sprintf("not finalized: statements outside the release still read old versions: %s; move them to the new versions first", strings.Join(e.Readers, ", "))
	}
	return fmt.Sprintf("not finalized: the old versions are kept until %s (promote --keep)", e.KeepUntil.UTC().Format(time.RFC3339))
}

// releaseDoc loads and saves the release document of the target's
// environment: through deployers.ReleaseStore, else in a file of the
// state directory next to the environment lock (confluent).
type releaseDoc struct {
	t    *Target
	path string
}

func (ws *Workspace) releaseDoc(t *Target) releaseDoc {
	info := t.Info()
	return releaseDoc{t: t, path: filepath.Join(ws.stateDir(), info.Target+"-"+info.Environment+".releases.json")}
}

func (rd releaseDoc) load(ctx context.Context) (*release.Document, error) {
	var data []byte
	var err error
	if s, ok := rd.t.Target.(deployers.ReleaseStore); ok {
		data, err = s.LoadReleases(ctx)
	} else {
		data, err = readFileIfAny(rd.path)
	}
	if err != nil {
		return nil, err
	}
	return release.Decode(data)
}

func (rd releaseDoc) save(ctx context.Context, d *release.Document) error {
	data, err := d.Encode()
	if err != nil {
		return err
	}
	if s, ok := rd.t.Target.(deployers.ReleaseStore); ok {
		return s.SaveReleases(ctx, data)
	}
	return atomicfile.Write(rd.path, data, 0o644)
}

// ReleasePlan computes the release of the selection: the deploy plan
// against the live versions, turned into new versions (release.Compute).
// It changes nothing. An open release of the same name is shown as it was
// started.
func (ws *Workspace) ReleasePlan(ctx context.Context, req ReleaseRequest) (*release.Plan, deployers.Info, error) {
	t, err := ws.OpenTarget(ctx)
	if err != nil {
		return nil, deployers.Info{}, err
	}
	doc, err := ws.releaseDoc(t).load(ctx)
	if err != nil {
		return nil, t.Info(), err
	}
	if open := doc.Open(); open != nil {
		if open.Name != req.Name {
			return nil, t.Info(), &release.OpenError{Name: open.Name, Phase: open.Phase}
		}
		return storedPlan(open), t.Info(), nil
	}
	p, err := ws.computeRelease(ctx, t, req, doc)
	return p, t.Info(), err
}

func storedPlan(r *release.Release) *release.Plan {
	p := &release.Plan{Release: *r, Topics: map[string]string{}}
	for _, v := range r.Versions {
		p.Topics[v.Table] = v.NewTopic
	}
	return p
}

func (ws *Workspace) computeRelease(ctx context.Context, t *Target, req ReleaseRequest, doc *release.Document) (*release.Plan, error) {
	if req.Name == "" {
		return nil, &RequestError{Msg: "name the release (a-z, 0-9 and '-')"}
	}
	if err := release.CheckName(req.Name); err != nil {
		return nil, &RequestError{Msg: err.Error()}
	}
	if doc.Find(req.Name) != nil {
		return nil, &RequestError{Msg: fmt.Sprintf("release %s exists already (ended): choose another name", req.Name)}
	}
	in, err := ws.resolve(ctx, DeployRequest{Selection: req.Selection}, false)
	if err != nil {
		return nil, err
	}
	nm := ws.Naming()
	state, err := readLiveState(ctx, t, in.project.Tables, nm, liveOf(doc))
	if err != nil {
		return nil, err
	}
	props := newStatementProperties(ws.Project.Root)
	pin := plan.Inputs{
		Selected: in.selected, Excluded: in.sel.Excluded, NeverDeploy: in.sel.ExcludeMatched, Changes: planChanges(in.sel.Changes), Since: req.Selection.Since,
		State: state, Options: req.Rules, Naming: nm, SQL: in.sqlOf, Properties: props.of, Target: t.Info(), Now: ws.opts.Now(),
	}
	pin.Options.CommonProducts = ws.config().App.AcceptedCommonProducts
	if pin.Externals, pin.ExternalPolicy, err = ws.externalInputs(ctx, t, in.graph, nil); err != nil {
		return nil, err
	}
	dp, err := plan.Build(ctx, in.graph, pin)
	if err != nil {
		return nil, err
	}
	taken := func(name string) bool {
		st, err := t.State(ctx, []deployers.TableRef{{Table: name}})
		if err != nil {
			return true // cannot tell: never take a name that may exist
		}
		s := st[name]
		return s.Exists || s.DML != nil
	}
	return release.Compute(release.Inputs{
		Name: req.Name, Deploy: dp, Graph: in.graph, Doc: doc, SQL: in.sqlOf, Naming: nm, Taken: taken, Now: ws.opts.Now(), Since: req.Selection.Since,
	})
}

// readLiveState reads the state of the project's tables at their live
// versions and gives it back under the files' names, with the live names
// in the deployed SQL renamed back (readers of a live version included),
// so plan.Build compares it with the files as if the tables had never
// been versioned.
func readLiveState(ctx context.Context, t *Target, tables []*pipeline.Table, nm plan.Naming, live Live) (map[string]deployers.TableState, error) {
	st, err := readState(ctx, t, live.Tables(tables), nm)
	if err != nil || !live.Versioned() {
		return st, err
	}
	out := make(map[string]deployers.TableState, len(st))
	for name, s := range st {
		name = live.File(name)
		s.Table = live.File(s.Table)
		if s.DDL != "" {
			if s.DDL, err = live.ToFiles(s.DDL); err != nil {
				return nil, fmt.Errorf("table %s: read its deployed DDL: %w", name, err)
			}
		}
		if s.DML != nil && s.DML.SQL != "" {
			dml := *s.DML
			if dml.SQL, err = live.ToFiles(dml.SQL); err != nil {
				return nil, fmt.Errorf("table %s: read its deployed DML: %w", name, err)
			}
			s.DML = &dml
		}
		out[name] = s
	}
	return out, nil
}

// ReleaseStart starts a release: it records the release as starting (the
// intent, before anything changes), then creates each new version's table
// and starts its DML beside the running versions, in dependency order,
// through the executor; the old versions keep running and serving. New
// versions read their inputs from the earliest offset (their tables'
// startup mode). A run cut short leaves the release starting: rerunning
// start finishes it, skipping new versions already running.
func (ws *Workspace) ReleaseStart(ctx context.Context, req ReleaseRequest) (*ReleaseResult, error) {
	rd, doc, unlock, err := ws.lockRelease(ctx, "release start", req.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer unlock()
	t := rd.t
	r := doc.Open()
	switch {
	case r != nil && r.Name != req.Name:
		return nil, &release.OpenError{Name: r.Name, Phase: r.Phase}
	case r != nil && r.Phase != release.PhaseStarting && r.Phase != release.PhaseStarted:
		return nil, &release.PhaseError{Name: r.Name, Phase: r.Phase, Command: "start"}
	case r == nil:
		p, err := ws.computeRelease(ctx, t, req, doc)
		if err != nil {
			return nil, err
		}
		p.Release.Phase = release.PhaseStarting
		doc.Put(p.Release)
		if err := rd.save(ctx, doc); err != nil {
			return nil, err
		}
		r = doc.Find(req.Name)
	}
	res, err := ws.runVersions(ctx, t, r, req.Run)
	out := &ReleaseResult{Release: r, Run: res, Target: t.Info()}
	if err != nil {
		return out, err
	}
	if res.Err() != nil {
		return out, fmt.Errorf("release %s is not fully started (rerun release start to finish it): %w", r.Name, res.Err())
	}
	r.Phase = release.PhaseStarted
	return out, rd.save(ctx, doc)
}

// runVersions builds a plan of the new versions from their state (missing:
// create; table there but DML not running: start; running: nothing) and
// runs it with the release's rewritten SQL.
func (ws *Workspace) runVersions(ctx context.Context, t *Target, r *release.Release, run executor.Options) (*executor.Result, error) {
	refs := make([]deployers.TableRef, len(r.Versions))
	for i, v := range r.Versions {
		refs[i] = deployers.TableRef{Table: v.New, DDLName: v.NewDDL, DMLName: v.NewDML}
	}
	st, err := t.State(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("read the state of %s: %w", t.Info(), err)
	}
	nm := ws.Naming()
	pl := &plan.Plan{Version: plan.FormatVersion, Kind: plan.KindDeploy, Target: t.Info().Target, Environment: t.Info().Environment, CreatedAt: ws.opts.Now()}
	acts := map[string]bool{}
	byNew := map[string]*release.Version{}
	for i := range r.Versions {
		v := &r.Versions[i]
		byNew[v.New] = v
		s := st[v.New]
		step := plan.Step{Table: v.New, Product: v.Product, Stateful: v.Stateful, Reason: "new version of " + v.Table + " in release " + r.Name}
		switch {
		case s.Exists && (v.NewDML == "" || (s.DML != nil && s.DML.Phase.Healthy())):
			step.Action = plan.ActionNone
		case s.Exists:
			step.Action = plan.ActionStart
			step.Statements = []plan.StatementRef{{Kind: deployers.KindDML, Name: v.NewDML}}
			pl.Summary.Start++
		default:
			step.Action = plan.ActionCreate
			step.Statements = []plan.StatementRef{{Kind: deployers.KindDDL, Name: v.NewDDL}}
			if v.NewDML != "" {
				step.Statements = append(step.Statements, plan.StatementRef{Kind: deployers.KindDML, Name: v.NewDML})
				step.DropOnFailure = true
				if step.Drop, err = dropName(nm, ws.Graph.Table(v.Table), v.New, v.Product); err != nil {
					return nil, err
				}
			}
			pl.Summary.Create++
		}
		if step.Action.Acts() {
			acts[v.Table] = true
			for _, a := range v.After {
				if acts[a] {
					step.After = append(step.After, r.Version(a).New)
				}
			}
		} else {
			pl.Summary.Unchanged++
		}
		pl.Steps = append(pl.Steps, step)
	}
	if !pl.HasChanges() {
		return &executor.Result{}, nil
	}
	props := newStatementProperties(ws.Project.Root)
	run.SQL = func(table string) (string, string, error) {
		v := byNew[table]
		if v == nil {
			return "", "", fmt.Errorf("table %s is not a new version of release %s", table, r.Name)
		}
		return v.DDL, v.DML, nil
	}
	run.Properties = func(table string, kind deployers.StatementKind) map[string]string {
		v := byNew[table]
		if v == nil {
			return nil
		}
		tb := ws.Graph.Table(v.Table)
		if tb == nil {
			return nil
		}
		p, err := props.of(tb, kind)
		if err != nil {
			ws.log.Warn("statement properties not read", "table", v.Table, "err", err)
		}
		return p
	}
	if run.Now == nil {
		run.Now = ws.opts.Now
	}
	return executor.Run(ctx, t, pl, run)
}

// dropName is the drop helper statement's name of a physical table.
func dropName(nm plan.Naming, tb *pipeline.Table, physical, product string) (string, error) {
	cp := pipeline.Table{Product: product}
	if tb != nil {
		cp = *tb
	}
	cp.Name = physical
	return nm.Name(&cp, deployers.KindDrop)
}

// lockRelease opens the target, takes the environment lock for op and
// reads the release document: how every release step that changes
// something begins. The caller calls unlock when done.
func (ws *Workspace) lockRelease(ctx context.Context, op string, timeout time.Duration) (rd releaseDoc, doc *release.Document, unlock func(), err error) {
	t, err := ws.OpenTarget(ctx)
	if err != nil {
		return releaseDoc{}, nil, nil, err
	}
	if unlock, err = ws.releaseLock(ctx, t, op, timeout); err != nil {
		return releaseDoc{}, nil, nil, err
	}
	rd = ws.releaseDoc(t)
	if doc, err = rd.load(ctx); err != nil {
		unlock()
		return releaseDoc{}, nil, nil, err
	}
	return rd, doc, unlock, nil
}

// releaseLock takes the environment lock for a release command.
func (ws *Workspace) releaseLock(ctx context.Context, t *Target, op string, timeout time.Duration) (func(), error) {
	lock, err := statelock.Acquire(ctx, t.LockPath, statelock.Info{Operation: op, Version: ws.opts.Version}, timeout)
	if err != nil {
		return nil, err
	}
	if lock.TakenOver != nil {
		ws.log.Warn("took over a stale lock: its holder is gone; rerun the release command it ran to finish it", "holder", lock.TakenOver.String())
	}
	return func() {
		if err := lock.Release(); err != nil {
			ws.log.Error(err.Error())
		}
	}, nil
}

// findRelease is the release a command names, else the open one.
func findRelease(doc *release.Document, name string) (*release.Release, error) {
	if name != "" {
		if r := doc.Find(name); r != nil {
			return r, nil
		}
		return nil, fmt.Errorf("release %s: %w", name, release.ErrNoRelease)
	}
	if r := doc.Open(); r != nil {
		return r, nil
	}
	return nil, fmt.Errorf("no open release: %w (start one with shiftleft release start NAME)", release.ErrNoRelease)
}

// ReleaseStatus reports each new version's catch-up: its DML's phase, the
// lag and rows written where the target tells them
// (deployers.LagReporter), and caught up once the lag stayed at most
// Catch.MaxLag for Catch.Settle. When the environment lock is free the
// times first seen caught up are recorded, so the settle time counts
// across calls.
func (ws *Workspace) ReleaseStatus(ctx context.Context, req ReleaseRequest) (*ReleaseResult, error) {
	t, err := ws.OpenTarget(ctx)
	if err != nil {
		return nil, err
	}
	rd := ws.releaseDoc(t)
	doc, err := rd.load(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := findRelease(doc, req.Name); err != nil {
		return nil, err
	}
	unlock, lerr := ws.releaseLock(ctx, t, "release status", 0)
	if lerr == nil {
		defer unlock()
		if doc, err = rd.load(ctx); err != nil {
			return nil, err
		}
	}
	r, err := findRelease(doc, req.Name)
	if err != nil {
		return nil, err
	}
	st, err := ws.versionStatus(ctx, t, r, req.Catch)
	if err != nil {
		return nil, err
	}
	if lerr == nil && r.Phase.Open() {
		if err := rd.save(ctx, doc); err != nil {
			return nil, err
		}
	}
	return &ReleaseResult{Release: r, Status: st, Target: t.Info()}, nil
}

func (ws *Workspace) versionStatus(ctx context.Context, t *Target, r *release.Release, s release.Settings) (*release.Status, error) {
	refs := make([]deployers.TableRef, len(r.Versions))
	var dmls []string
	for i, v := range r.Versions {
		refs[i] = deployers.TableRef{Table: v.New, DDLName: v.NewDDL, DMLName: v.NewDML}
		if v.NewDML != "" {
			dmls = append(dmls, v.NewDML)
		}
	}
	st, err := t.State(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("read the state of %s: %w", t.Info(), err)
	}
	var lags map[string]deployers.Lag
	lr, known := t.Target.(deployers.LagReporter)
	if known && len(dmls) > 0 {
		if lags, err = lr.Lag(ctx, dmls); err != nil {
			return nil, fmt.Errorf("read the lag of release %s: %w", r.Name, err)
		}
	}
	out := &release.Status{Name: r.Name, Phase: r.Phase, CaughtUp: true, Switch: map[string]string{}}
	if !r.KeepUntil.IsZero() {
		out.KeepUntil = r.KeepUntil.UTC().Format(time.RFC3339)
	}
	now := ws.opts.Now()
	for i := range r.Versions {
		v := &r.Versions[i]
		ts := st[v.New]
		phase := deployers.PhaseUnknown
		switch {
		case v.NewDML == "" && ts.Exists:
			phase = deployers.PhaseCompleted
		case ts.DML != nil:
			phase = ts.DML.Phase
		case !ts.Exists:
			phase = "MISSING"
		}
		lag, ok := lags[v.NewDML]
		vs := release.Evaluate(v, phase, lag, known && ok, s, now)
		out.CaughtUp = out.CaughtUp && vs.State == release.CaughtUp
		out.Versions = append(out.Versions, vs)
		out.Switch[v.OldTopic] = v.NewTopic
	}
	return out, nil
}

// ReleasePromote makes the new versions live: it refuses until every new
// version is caught up (unless Force), records the intent, stops the old
// versions' DMLs (their tables stay, for Keep), and records the new
// versions as live. A run cut short leaves the release promoting; a rerun
// finishes it.
func (ws *Workspace) ReleasePromote(ctx context.Context, req ReleaseRequest) (*ReleaseResult, error) {
	rd, doc, unlock, err := ws.lockRelease(ctx, "release promote", req.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer unlock()
	t := rd.t
	r, err := findRelease(doc, req.Name)
	if err != nil {
		return nil, err
	}
	out := &ReleaseResult{Release: r, Target: t.Info()}
	switch r.Phase {
	case release.PhaseStarted:
		st, err := ws.versionStatus(ctx, t, r, req.Catch)
		if err != nil {
			return nil, err
		}
		out.Status = st
		if !st.CaughtUp && !req.Force {
			var pending []string
			for _, v := range st.Versions {
				if v.State != release.CaughtUp {
					pending = append(pending, fmt.Sprintf("%s (%s)", v.New, v.State))
				}
			}
			if err := rd.save(ctx, doc); err != nil { // the caught-up times
				return nil, err
			}
			return out, &PromoteError{Pending: pending}
		}
		keep := req.Keep
		if keep <= 0 {
			keep = DefaultKeep
		}
		r.Phase, r.PromotedAt = release.PhasePromoting, ws.opts.Now()
		r.KeepUntil = r.PromotedAt.Add(keep)
		if err := rd.save(ctx, doc); err != nil {
			return nil, err
		}
	case release.PhasePromoting:
	default:
		return nil, &release.PhaseError{Name: r.Name, Phase: r.Phase, Command: "promote", Hint: phaseHint(r.Phase)}
	}
	for _, v := range r.Versions {
		if v.OldDML == "" {
			continue
		}
		if err := t.StopStatement(ctx, v.OldDML); err != nil && !errors.Is(err, deployers.ErrNotFound) {
			return out, fmt.Errorf("release %s is not fully promoted (rerun release promote to finish it): stop %s: %w", r.Name, v.OldDML, err)
		}
	}
	if doc.Live == nil {
		doc.Live = map[string]string{}
	}
	for _, v := range r.Versions {
		doc.Live[v.Table] = v.New
	}
	r.Phase = release.PhasePromoted
	return out, rd.save(ctx, doc)
}

func phaseHint(p release.Phase) string {
	switch p {
	case release.PhaseStarting:
		return "rerun release start to finish starting it"
	case release.PhasePromoted:
		return "finalize it once the keep time has passed"
	case release.PhaseRollingBack:
		return "rerun release rollback to finish it"
	case release.PhaseFinalizing:
		return "rerun release finalize to finish it"
	}
	return ""
}

// ReleaseRollback removes the new versions of a release that is not
// promoted (DML deleted, table dropped, DDL statement deleted, readers
// first) and touches nothing old. A run cut short leaves the release
// rolling back; a rerun finishes it.
func (ws *Workspace) ReleaseRollback(ctx context.Context, req ReleaseRequest) (*ReleaseResult, error) {
	return ws.releaseEnd(ctx, req, "rollback", release.PhaseRollingBack, release.PhaseRolledBack,
		[]release.Phase{release.PhaseStarting, release.PhaseStarted},
		func(v release.Version) (string, string, string) { return v.New, v.NewDDL, v.NewDML }, nil)
}

// ReleaseFinalize drops the old versions of a promoted release (DML
// deleted, table dropped, DDL statement deleted, readers first), once the
// keep time has passed and no statement outside the release reads them.
func (ws *Workspace) ReleaseFinalize(ctx context.Context, req ReleaseRequest) (*ReleaseResult, error) {
	return ws.releaseEnd(ctx, req, "finalize", release.PhaseFinalizing, release.PhaseFinalized,
		[]release.Phase{release.PhasePromoted},
		func(v release.Version) (string, string, string) { return v.Old, v.OldDDL, v.OldDML }, ws.canFinalize)
}

// releaseEnd removes one side of a release's versions: it checks the
// phase and the precondition, records the intent (during), removes
// children first, and records the end phase.
func (ws *Workspace) releaseEnd(ctx context.Context, req ReleaseRequest, cmd string, during, end release.Phase, from []release.Phase,
	side func(release.Version) (table, ddl, dml string), check func(context.Context, *Target, *release.Release) error) (*ReleaseResult, error) {
	rd, doc, unlock, err := ws.lockRelease(ctx, "release "+cmd, req.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer unlock()
	t := rd.t
	r, err := findRelease(doc, req.Name)
	if err != nil {
		return nil, err
	}
	out := &ReleaseResult{Release: r, Target: t.Info()}
	if r.Phase != during {
		if !slices.Contains(from, r.Phase) {
			hint := phaseHint(r.Phase)
			if cmd == "rollback" && r.Phase == release.PhasePromoted {
				hint = "a promoted release is not rolled back: its new versions are live"
			}
			return nil, &release.PhaseError{Name: r.Name, Phase: r.Phase, Command: cmd, Hint: hint}
		}
		if check != nil {
			if err := check(ctx, t, r); err != nil {
				return out, err
			}
		}
		r.Phase = during
		if err := rd.save(ctx, doc); err != nil {
			return nil, err
		}
	}
	nm := ws.Naming()
	for i := len(r.Versions) - 1; i >= 0; i-- {
		v := r.Versions[i]
		table, ddl, dml := side(v)
		if err := ws.removeVersion(ctx, t, nm, v, table, ddl, dml); err != nil {
			return out, fmt.Errorf("release %s: %s is not finished (rerun it to finish): %w", r.Name, cmd, err)
		}
	}
	r.Phase, r.EndedAt = end, ws.opts.Now()
	return out, rd.save(ctx, doc)
}

// removeVersion deletes a version's DML, drops its table and deletes its
// drop and DDL statements; each part is a no-op when already done.
func (ws *Workspace) removeVersion(ctx context.Context, t *Target, nm plan.Naming, v release.Version, table, ddl, dml string) error {
	if dml != "" {
		if err := t.DeleteStatement(ctx, dml); err != nil && !errors.Is(err, deployers.ErrNotFound) {
			return err
		}
	}
	drop, err := dropName(nm, ws.Graph.Table(v.Table), table, v.Product)
	if err != nil {
		return err
	}
	req := deployers.StatementRequest{Name: drop, Table: table, Kind: deployers.KindDrop, SQL: "DROP TABLE IF EXISTS `" + table + "`"}
	if err := t.DropTable(ctx, req); err != nil && !errors.Is(err, deployers.ErrNotFound) {
		return fmt.Errorf("drop table %s: %w", table, err)
	}
	// The finished drop and DDL statements go too: nothing of the version
	// stays, and their names are free again (Confluent keeps finished
	// statements, and their names, for 30 days).
	for _, name := range []string{drop, ddl} {
		if err := t.DeleteStatement(ctx, name); err != nil && !errors.Is(err, deployers.ErrNotFound) {
			return err
		}
	}
	return nil
}

// canFinalize refuses before the keep time, and while a healthy statement
// outside the release reads an old version. Cost: one listing and one
// lexer pass per running statement.
func (ws *Workspace) canFinalize(ctx context.Context, t *Target, r *release.Release) error {
	if now := ws.opts.Now(); now.Before(r.KeepUntil) {
		return &FinalizeError{KeepUntil: r.KeepUntil}
	}
	old, mine := map[string]bool{}, map[string]bool{}
	for _, v := range r.Versions {
		old[strings.ToLower(v.Old)] = true
		mine[v.OldDML] = true
	}
	stmts, err := t.ListStatements(ctx)
	if err != nil {
		return fmt.Errorf("list the statements of %s: %w", t.Info(), err)
	}
	var readers []string
	for _, s := range stmts {
		if mine[s.Name] || !s.Phase.Healthy() || s.SQL == "" {
			continue
		}
		a, err := flinksql.Analyze([]byte(s.SQL))
		if err != nil {
			continue
		}
		for _, n := range a.Reads {
			if old[strings.ToLower(n.Table())] {
				readers = append(readers, fmt.Sprintf("%s (reads %s)", s.Name, n.Table()))
				break
			}
		}
	}
	if len(readers) > 0 {
		slices.Sort(readers)
		return &FinalizeError{Readers: readers}
	}
	return nil
}

// checkRelease is the deploy's release check: while a release is open a
// deploy refuses, naming it, unless it names that release (--release);
// and a deploy never acts on a table whose live version is a release's or
// that an open release versions: such changes go through shiftleft
// release. Deploys plan against the live versions (LiveVersions), so an
// unchanged versioned table plans nothing, and the tables they do act on
// read the live versions. An undeploy drops live versions
// (liveUndeploy), but not the tables of the open release.
func (ws *Workspace) checkRelease(ctx context.Context, t *Target, name string, pl *plan.Plan) error {
	doc, err := ws.releaseDoc(t).load(ctx)
	if err != nil {
		return err
	}
	open := doc.Open()
	switch {
	case open != nil && name != "" && open.Name != name:
		return &RequestError{Msg: fmt.Sprintf("--release %s: the open release is %s", name, open.Name)}
	case open != nil && open.Name != name:
		return &release.OpenError{Name: open.Name, Phase: open.Phase, Deploy: true}
	case open == nil && name != "":
		return &RequestError{Msg: fmt.Sprintf("--release %s: no such open release", name)}
	}
	// An undeploy's steps name the live versions it drops (liveUndeploy):
	// File maps them back to the files' tables.
	lv := liveOf(doc)
	undeploy := pl.Kind == plan.KindUndeploy
	var versioned []string
	for _, s := range pl.Steps {
		if !s.Action.Acts() {
			continue
		}
		file := lv.File(s.Table)
		if live := doc.LiveName(file); live != file && !undeploy {
			versioned = append(versioned, file+" (live: "+live+")")
		} else if open != nil && open.Version(file) != nil {
			versioned = append(versioned, file+" (in release "+open.Name+")")
		}
	}
	if len(versioned) > 0 && undeploy {
		return &RequestError{Msg: "the undeploy would drop tables of the open release: " + strings.Join(versioned, ", ") +
			"; finish the release first (release promote and finalize, or release rollback), then undeploy"}
	}
	if len(versioned) > 0 {
		return &RequestError{Msg: "the deploy would act on released tables: " + strings.Join(versioned, ", ") +
			"; a deploy does not act on a table whose live version is a release's (it would recreate the file's name beside it): deploy the change as a release (shiftleft release plan NAME, then release start NAME, with the same selection)"}
	}
	return nil
}

// readFileIfAny reads a file; a missing one is nil data.
func readFileIfAny(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return data, err
}
