package workspace

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/executor"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
	"github.com/shiftleft-dev/shiftleft/plan"
	"github.com/shiftleft-dev/shiftleft/release"
)

// Live maps the project's tables between their files' names and the
// physical names of their live versions: after a promoted release a table
// saleops_fct_revenue may be live as saleops_fct_revenue_v2 (see
// release.Document.Live). The zero value maps every table to itself.
type Live struct {
	// byFile and byPhysical are keyed lower-case: the lexer and the
	// engines match table names case-insensitively.
	byFile     map[string]string
	byPhysical map[string]string
	fileCase   map[string]string
}

// LiveVersions reads the live version of every table from the release
// document of the workspace's target (deployers.ReleaseStore, else the
// state directory). Every use case that names tables on the target maps
// them through it: plans and deploys, the statements report, the health
// check, product describe and the catalog. Cost: one read of the document.
func (ws *Workspace) LiveVersions(ctx context.Context) (Live, error) {
	t, err := ws.OpenTarget(ctx)
	if err != nil {
		return Live{}, err
	}
	return ws.liveVersions(ctx, t)
}

func (ws *Workspace) liveVersions(ctx context.Context, t *Target) (Live, error) {
	doc, err := ws.releaseDoc(t).load(ctx)
	if err != nil {
		return Live{}, fmt.Errorf("read the live versions of %s: %w", t.Info(), err)
	}
	return liveOf(doc), nil
}

// liveOf is the mapping of a release document.
func liveOf(doc *release.Document) Live {
	l := Live{byFile: map[string]string{}, byPhysical: map[string]string{}, fileCase: map[string]string{}}
	for file, phys := range doc.Live {
		if strings.EqualFold(file, phys) {
			continue
		}
		l.byFile[strings.ToLower(file)] = phys
		l.byPhysical[strings.ToLower(phys)] = file
		l.fileCase[strings.ToLower(file)] = file
	}
	return l
}

// Versioned reports whether some table is live under another name.
func (l Live) Versioned() bool { return len(l.byFile) > 0 }

// Name is the physical name of a table's live version (the table's own
// name when it was never released).
func (l Live) Name(table string) string {
	if n, ok := l.byFile[strings.ToLower(table)]; ok {
		return n
	}
	return table
}

// File is the file's name of a physical table name: the table a live
// version belongs to, else the name itself.
func (l Live) File(physical string) string {
	if n, ok := l.byPhysical[strings.ToLower(physical)]; ok {
		return n
	}
	return physical
}

// ToLive rewrites a file's SQL to read (and write) the live versions,
// through the lexer (flinksql.RenameTables).
func (l Live) ToLive(sql string) (string, error) {
	return flinksql.RenameTables(sql, l.byFile)
}

// ToFiles rewrites deployed SQL back to the files' names, so it compares
// with the files.
func (l Live) ToFiles(sql string) (string, error) {
	return flinksql.RenameTables(sql, l.byPhysical)
}

// submitted is a table's DDL and DML as a deploy submits them: reading
// (and writing) the live versions, through the lexer.
func (l Live) submitted(table, ddl, dml string) (string, string, error) {
	if !l.Versioned() {
		return ddl, dml, nil
	}
	var err error
	if ddl, err = l.ToLive(ddl); err == nil {
		dml, err = l.ToLive(dml)
	}
	if err != nil {
		return "", "", fmt.Errorf("table %s: read its live inputs: %w", table, err)
	}
	return ddl, dml, nil
}

// notSubmitted is --show-sql's warning on the SQL of a versioned table's
// step, which a deploy refuses (checkRelease).
func (l Live) notSubmitted(table string) []string {
	if n := l.Name(table); n != table {
		return []string{"its live version is " + n + ": a deploy refuses this step; the SQL is the file's as the live version would run it (release it with shiftleft release start NAME --select " + table + ")"}
	}
	return nil
}

// Tables returns the tables with the live versions' names: copies for the
// versioned ones, the same pointers for the others.
func (l Live) Tables(tables []*pipeline.Table) []*pipeline.Table {
	if !l.Versioned() {
		return tables
	}
	out := make([]*pipeline.Table, len(tables))
	for i, tb := range tables {
		out[i] = tb
		if n := l.Name(tb.Name); n != tb.Name {
			cp := *tb
			cp.Name = n
			out[i] = &cp
		}
	}
	return out
}

// Map is the file name → live name of every versioned table (a copy).
func (l Live) Map() map[string]string {
	out := make(map[string]string, len(l.byFile))
	for k, v := range l.byFile {
		out[l.fileCase[k]] = v
	}
	return out
}

// noteLiveVersions names the live version of each versioned table in its
// plan step: the steps keep the files' names (fingerprints and saved plans
// are about the files), and a deploy never acts on a versioned table
// (checkRelease), so a warning says what to run instead.
func noteLiveVersions(pl *plan.Plan, live Live) {
	for i := range pl.Steps {
		s := &pl.Steps[i]
		n := live.Name(s.Table)
		if n == s.Table {
			continue
		}
		s.Reason += " (live version: " + n + ")"
		if s.Action.Acts() {
			s.Warnings = append(s.Warnings, "its live version is "+n+": a deploy does not act on it; deploy the change as a release (shiftleft release start NAME --select "+s.Table+")")
		}
	}
}

// liveUndeploy points an undeploy plan at the live versions: a dropped
// table whose live version is a release's is dropped under that name (the
// executor drops s.Table and deletes the statements the step names), with
// its statements named by the convention for the versioned name, as the
// release named them. Other steps keep the files' names and say which
// version is live. Cost: O(steps).
func liveUndeploy(pl *plan.Plan, live Live, nm plan.Naming, g *dag.Graph) error {
	if !live.Versioned() {
		return nil
	}
	renamed := map[string]string{}
	for i := range pl.Steps {
		s := &pl.Steps[i]
		phys := live.Name(s.Table)
		if phys == s.Table {
			continue
		}
		if s.Action != plan.ActionDrop {
			s.Reason += " (live version: " + phys + ")"
			continue
		}
		cp := pipeline.Table{Name: phys, Product: s.Product}
		if tb := g.Table(s.Table); tb != nil {
			cp = *tb
			cp.Name = phys
		}
		var err error
		if s.Drop, err = nm.Name(&cp, deployers.KindDrop); err != nil {
			return fmt.Errorf("table %s: name the drop of its live version %s: %w", s.Table, phys, err)
		}
		for j := range s.Statements {
			if s.Statements[j].Name, err = nm.Name(&cp, s.Statements[j].Kind); err != nil {
				return fmt.Errorf("table %s: name the statements of its live version %s: %w", s.Table, phys, err)
			}
		}
		s.Reason += " (live version of " + s.Table + ")"
		renamed[s.Table] = phys
		s.Table = phys
	}
	for i := range pl.Steps {
		for j, a := range pl.Steps[i].After {
			if n, ok := renamed[a]; ok {
				pl.Steps[i].After[j] = n
			}
		}
	}
	return nil
}

// forgetUndeployed removes from the release document the live versions an
// undeploy dropped, and those it found not deployed at all: the tables are
// gone, so a later deploy creates them under their files' names. A table
// the undeploy kept (read by running tables outside the selection) stays
// live where it is. The caller holds the environment lock.
func (ws *Workspace) forgetUndeployed(ctx context.Context, t *Target, pr *PlanResult, res *executor.Result) error {
	if pr.Plan.Kind != plan.KindUndeploy || !pr.live.Versioned() {
		return nil
	}
	done := map[string]bool{}
	if res != nil {
		for _, r := range res.Steps {
			done[r.Table] = r.Action == plan.ActionDrop && r.Status == executor.StatusSucceeded
		}
	}
	var gone []string
	for _, s := range pr.Plan.Steps {
		switch file := pr.live.File(s.Table); {
		case s.Action == plan.ActionDrop && file != s.Table && done[s.Table]:
			gone = append(gone, file)
		case s.Action == plan.ActionNone && pr.live.Name(s.Table) != s.Table:
			gone = append(gone, s.Table)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	// The tables are gone even when the run was cut short: record it.
	ctx = context.WithoutCancel(ctx)
	rd := ws.releaseDoc(t)
	doc, err := rd.load(ctx)
	if err != nil {
		return err
	}
	for _, f := range gone {
		doc.Forget(f)
	}
	if err := rd.save(ctx, doc); err != nil {
		return fmt.Errorf("undeployed, but the release document still names the live versions of %s: %w (rerun the undeploy)", strings.Join(gone, ", "), err)
	}
	return nil
}

// ProjectLive is LiveVersions for the commands that describe the project
// and work without a target (pipeline graph, product describe, the
// catalog). A workspace opened without its configuration reads it here:
// kafka.cluster_type and targets.local.state_dir name the local target's
// document. Only a target the options name (a target other than local, an
// environment, a state directory or a config file) must be readable: its
// error is returned. The default, the local target, is optional: when it
// cannot be read the tables keep the files' names, and a warning says why.
func (ws *Workspace) ProjectLive(ctx context.Context) (Live, error) {
	named := ws.targetNamed()
	if ws.Config == nil {
		o := ws.opts
		if !named {
			// The configuration's own warnings are not this command's.
			o.Logger = slog.New(slog.DiscardHandler)
		}
		cfg, err := LoadConfig(o)
		switch {
		case err == nil:
			ws.Config = cfg
		case named:
			return Live{}, err
		default:
			ws.log.Warn("configuration not read: live versions read from the default local target", "err", err)
		}
	}
	live, err := ws.LiveVersions(ctx)
	if err != nil && !named {
		ws.log.Warn("live versions not read: tables are named as in the files", "err", err)
		return Live{}, nil
	}
	return live, err
}

// targetNamed reports whether the options name a target rather than take
// the default one.
func (ws *Workspace) targetNamed() bool {
	t := ws.opts.Target
	return t.Name != TargetLocal || t.Environment != "" || t.StateDir != "" || ws.opts.ConfigPath != ""
}
