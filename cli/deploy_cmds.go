package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/executor"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
	"github.com/shiftleft-dev/shiftleft/render"
	"github.com/shiftleft-dev/shiftleft/statelock"
)

// ExitChanges is the exit code of --detailed-exitcode when the plan has
// changes (Terraform's convention: 0 no changes, 1 error, 2 changes).
const ExitChanges = 2

// planFlags change the plan rules (shift_left's flags).
func planFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.BoolFlag{Name: "force", Usage: "recreate the selected tables (drop, DDL, DML) even when nothing changed"},
		&ucli.BoolFlag{Name: "force-ancestors", Usage: "recreate the running ancestors of the selected tables too"},
		&ucli.BoolFlag{Name: "may-start-descendants", Usage: "restart the descendants of every table the plan redeploys (stateful ones are recreated)"},
		&ucli.BoolFlag{Name: "cross-product-deployment", Usage: "redeploy descendants in other products too"},
		&ucli.BoolFlag{Name: "dml-only", Usage: "keep the selected tables: only restart their DML, even when their DDL changed"},
		&ucli.BoolFlag{Name: "show-sql", Usage: "print the SQL each acting step submits after the plan"},
		&ucli.BoolFlag{Name: "detailed-exitcode", Usage: "exit 0 when there is nothing to do, 2 when there are changes (planned or deployed), 1 on errors"},
	}
}

// runFlags tune the executor.
func runFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.IntFlag{Name: "max-parallel", Aliases: []string{"parallel", "max-thread"}, Value: executor.DefaultMaxParallel, Usage: "tables deployed at once"},
		&ucli.DurationFlag{Name: "statement-timeout", Value: executor.DefaultStatementTimeout, Usage: "how long to wait for each statement to reach COMPLETED (DDL) or RUNNING (DML)"},
		&ucli.BoolFlag{Name: "fail-fast", Usage: "stop starting tables after the first failure (default: independent branches go on)"},
		&ucli.DurationFlag{Name: "lock-timeout", Usage: "how long to wait for the environment lock held by another run (default: fail at once)"},
	}
}

func buildPlanCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "build-execution-plan",
		Usage:     "compute what a deploy would do (never changes anything)",
		UsageText: "shiftleft pipeline build-execution-plan --select EXPR ... [--since REF] [--target local] [--force] [--may-start-descendants] [--format text|json] [--out plan.json] [--detailed-exitcode]",
		Flags:     concatFlags(pipelinesFlags(), selectionFlags(), targetFlags(), planFlags(), []ucli.Flag{formatFlag("text", "json"), &ucli.StringFlag{Name: "out", Usage: "save the plan to FILE for 'deploy --plan FILE'"}}),
		Action: func(c *ucli.Context) error {
			o, err := e.deployOptionsFrom(c, deployModePlan)
			if err != nil {
				return err
			}
			return runDeploy(c, o)
		},
	}
}

func deployCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:  "deploy",
		Usage: "deploy the selected tables in dependency order: plan against the target's state, then run the plan",
		UsageText: "shiftleft pipeline deploy --select EXPR ... [--since REF] [--target local] [--dry-run] [--plan plan.json]\n" +
			"   [--force] [--force-ancestors] [--may-start-descendants] [--cross-product-deployment] [--dml-only]\n" +
			"   [--max-parallel N] [--statement-timeout 10m] [--fail-fast] [--lock-timeout 1m] [--format text|json] [--detailed-exitcode]",
		Flags: concatFlags(pipelinesFlags(), selectionFlags(), targetFlags(), planFlags(), runFlags(), []ucli.Flag{
			formatFlag("text", "json"),
			&ucli.BoolFlag{Name: "dry-run", Usage: "print the plan and stop"},
			&ucli.StringFlag{Name: "out", Usage: "save the plan to FILE (with --dry-run: for a later 'deploy --plan FILE')"},
			&ucli.StringFlag{Name: "plan", Usage: "execute exactly this saved plan; refused when the pipelines or the target changed since it was made"},
		}),
		Action: func(c *ucli.Context) error {
			mode := deployModeRun
			if c.Bool("dry-run") {
				mode = deployModePlan
			}
			o, err := e.deployOptionsFrom(c, mode)
			if err != nil {
				return err
			}
			return runDeploy(c, o)
		},
	}
}

func undeployCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:  "undeploy",
		Usage: "delete the DML statements and drop the tables of the selection, children first; tables running pipelines outside the selection still read are kept",
		UsageText: "shiftleft pipeline undeploy --select EXPR ... [--target local] [--yes] [--dry-run] [--format text|json]\n" +
			"   [--max-parallel N] [--statement-timeout 10m] [--fail-fast] [--lock-timeout 1m]",
		Flags: concatFlags(pipelinesFlags(), selectionFlags(), targetFlags(), runFlags(), []ucli.Flag{
			formatFlag("text", "json"),
			&ucli.BoolFlag{Name: "dry-run", Usage: "print the plan and stop"},
			&ucli.BoolFlag{Name: "yes", Aliases: []string{"no-ack"}, Usage: "do not ask for confirmation (required when stdin is not a terminal)"},
		}),
		Action: func(c *ucli.Context) error {
			mode := deployModeUndeploy
			if c.Bool("dry-run") {
				mode = deployModeUndeployPlan
			}
			o, err := e.deployOptionsFrom(c, mode)
			if err != nil {
				return err
			}
			return runDeploy(c, o)
		},
	}
}

func concatFlags(groups ...[]ucli.Flag) []ucli.Flag {
	var out []ucli.Flag
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

type deployMode int

const (
	deployModePlan         deployMode = iota // build-execution-plan, deploy --dry-run
	deployModeRun                            // deploy
	deployModeUndeployPlan                   // undeploy --dry-run
	deployModeUndeploy                       // undeploy
)

func (m deployMode) undeploy() bool { return m == deployModeUndeploy || m == deployModeUndeployPlan }
func (m deployMode) runs() bool     { return m == deployModeRun || m == deployModeUndeploy }

// deployOptions is everything build-execution-plan, deploy and undeploy
// read from the command line.
type deployOptions struct {
	env         *Env
	mode        deployMode
	format      string
	out         string
	planFile    string
	detailed    bool
	showSQL     bool
	yes         bool
	rules       plan.Options
	run         executor.Options
	lockTimeout time.Duration
}

func (e *Env) deployOptionsFrom(c *ucli.Context, mode deployMode) (*deployOptions, error) {
	if _, err := args(c, 0); err != nil {
		return nil, err
	}
	f, err := format(c, "text", "json")
	if err != nil {
		return nil, err
	}
	o := &deployOptions{
		env: e, mode: mode, format: f,
		out: c.String("out"), planFile: c.String("plan"),
		detailed: c.Bool("detailed-exitcode"), showSQL: c.Bool("show-sql"), yes: c.Bool("yes"),
		rules: plan.Options{
			Force: c.Bool("force"), ForceAncestors: c.Bool("force-ancestors"),
			MayStartDescendants: c.Bool("may-start-descendants"), CrossProductDeployment: c.Bool("cross-product-deployment"),
			DMLOnly: c.Bool("dml-only"),
		},
		run: executor.Options{
			MaxParallel: c.Int("max-parallel"), StatementTimeout: c.Duration("statement-timeout"),
			FailFast: c.Bool("fail-fast"), Now: e.Now,
		},
		lockTimeout: c.Duration("lock-timeout"),
	}
	if mode.runs() && o.run.MaxParallel < 1 {
		return nil, usageErrorf("--max-parallel %d: give at least 1", o.run.MaxParallel)
	}
	if o.run.StatementTimeout < 0 || o.lockTimeout < 0 {
		return nil, usageErrorf("--statement-timeout and --lock-timeout must not be negative")
	}
	if c.Bool("carry-offsets") && c.String("target") != targetConfluent {
		return nil, usageErrorf("--carry-offsets applies to --target confluent only (flink: --from-savepoint)")
	}
	if o.planFile != "" {
		if mode != deployModeRun {
			return nil, usageErrorf("--plan executes a saved plan: it does not combine with --dry-run")
		}
		sel := e.selectionFrom(c)
		r := o.rules
		if !sel.IsEmpty() || c.String("since") != "" || r.Force || r.ForceAncestors || r.MayStartDescendants || r.CrossProductDeployment || r.DMLOnly {
			return nil, usageErrorf("--plan executes the saved plan as it is: drop the selection and plan flags")
		}
	}
	return o, nil
}

// runDeploy plans (or loads a plan), renders it, and — when the mode runs —
// takes the environment lock and executes it.
func runDeploy(c *ucli.Context, o *deployOptions) error {
	e := o.env
	ctx := c.Context
	cfg, err := e.loadConfig(c)
	if err != nil {
		return err
	}
	proj, g, err := e.loadGraphSQL(c, true)
	if err != nil {
		return err
	}
	rw, err := cfg.Rewriter(environmentName(c, cfg))
	if err != nil {
		return err
	}
	sqlOf := rewrittenSQL(sqlReader(proj), rw)
	t, err := e.openTarget(c, proj, cfg)
	if err != nil {
		return err
	}
	defer t.Close(context.WithoutCancel(ctx))
	defer e.reportRetries(t.Target)
	var sel selectedTables
	if o.planFile == "" {
		if sel, err = e.selectForDeploy(c, proj, g); err != nil {
			return err
		}
	}
	if len(sel.deleted) > 0 && o.mode.undeploy() {
		// Tables deleted from the pipelines (state:deleted) are undeployed
		// as the change set's base defined them.
		if proj, g, err = withDeletedTables(proj, sel); err != nil {
			return err
		}
		sqlOf = rewrittenSQL(sqlReader(proj), rw)
		sel.selected = append(sel.selected, sel.deleted...)
	}
	if o.mode.runs() {
		op := "deploy"
		if o.mode.undeploy() {
			op = "undeploy"
		}
		lock, err := statelock.Acquire(ctx, t.lockPath, lockInfo(op), o.lockTimeout)
		if err != nil {
			return err
		}
		if lock.TakenOver != nil {
			e.logger(c).Warn("took over a stale lock: its holder is gone and may have left work half done; this run plans from the target's state and finishes it", "holder", lock.TakenOver.String())
		}
		defer func() {
			if err := lock.Release(); err != nil {
				e.logger(c).Error(err.Error())
			}
		}()
	}

	nm := naming(cfg)
	props := newStatementProperties(proj.Root)
	var pl *plan.Plan
	if o.planFile != "" {
		if pl, err = loadFreshPlan(ctx, e.abs(o.planFile), g, t, nm, sqlOf, props.of); err != nil {
			return err
		}
	} else {
		state, err := readState(ctx, t, proj.Tables, nm)
		if err != nil {
			return err
		}
		in := plan.Inputs{
			Selected: sel.selected, Excluded: sel.excluded, NeverDeploy: sel.neverDeploy, Changes: planChanges(sel.changes), Since: c.String("since"),
			State: state, Options: o.rules, Naming: nm, SQL: sqlOf, Properties: props.of,
			Target: t.Info(), Now: e.Now(),
		}
		in.Options.CommonProducts = cfg.App.AcceptedCommonProducts
		if o.mode.undeploy() {
			pl, err = plan.BuildUndeploy(ctx, g, in)
		} else {
			pl, err = plan.Build(ctx, g, in)
		}
		if err != nil {
			return err
		}
		if err := noteDDLRewrites(pl, g, sqlOf, t); err != nil {
			return err
		}
	}
	// --carry-offsets renames the carried restarts' DML (the target's
	// other name for it) and warns about the restarts it cannot carry.
	if cr, ok := t.Target.(interface{ PrepareCarry(*plan.Plan) }); ok {
		cr.PrepareCarry(pl)
	}
	if o.out != "" {
		if err := plan.Save(e.abs(o.out), pl); err != nil {
			return err
		}
		fmt.Fprintf(e.Stderr, "Saved the plan to %s; run it with 'shiftleft pipeline deploy --plan %s'.\n", o.out, o.out)
	}
	if !o.mode.runs() {
		if err := writePlan(e.Stdout, pl, o.format); err != nil {
			return err
		}
		if o.showSQL {
			if err := writeSQL(e.Stdout, pl, g, sqlOf, t.renderDDL); err != nil {
				return err
			}
		}
		return detailedExit(o.detailed, pl.HasChanges())
	}

	if o.format == "text" {
		if err := plan.WriteText(e.Stdout, pl, plan.TextOptions{HideUnchanged: true}); err != nil {
			return err
		}
		if o.showSQL {
			if err := writeSQL(e.Stdout, pl, g, sqlOf, t.renderDDL); err != nil {
				return err
			}
		}
	}
	if !pl.HasChanges() {
		if o.format == "json" {
			return writeRunJSON(e.Stdout, pl, &executor.Result{})
		}
		return detailedExit(o.detailed, false)
	}
	if o.mode == deployModeUndeploy && !o.yes {
		if err := e.confirm(pl); err != nil {
			return err
		}
	}
	run := o.run
	run.SQL = func(table string) (string, string, error) {
		tb := g.Table(table)
		if tb == nil {
			return "", "", fmt.Errorf("table %s is not in the pipelines", table)
		}
		return sqlOf(tb)
	}
	if run.Properties, err = props.forRun(pl, g.Table); err != nil {
		return err
	}
	// Live progress only when both streams are terminals: escape codes must
	// not end up in a redirected log.
	pr := newProgress(e.Stderr, e.StdoutIsTerminal && isTerminal(e.Stderr), e.Now)
	run.OnEvent = pr.event
	pr.tick()
	res, err := executor.Run(ctx, t, pl, run)
	pr.finish()
	if err != nil {
		return err
	}
	if o.format == "json" {
		if err := writeRunJSON(e.Stdout, pl, res); err != nil {
			return err
		}
	} else if err := writeResult(e.Stdout, res, render.StyleFor(e.StdoutIsTerminal)); err != nil {
		return err
	}
	if err := res.Err(); err != nil {
		return err
	}
	return detailedExit(o.detailed, true)
}

func detailedExit(detailed, changes bool) error {
	if detailed && changes {
		return &ExitError{Code: ExitChanges}
	}
	return nil
}

// selectedTables is the evaluated selection.
type selectedTables struct {
	selected, excluded []string
	// neverDeploy are all the tables --exclude matches, selected or not.
	neverDeploy []string
	// deleted are tables selected by state:deleted: gone from the
	// pipelines, described by changes.
	deleted []string
	changes *changes.ChangeSet
}

// selectForDeploy evaluates the selection flags; deploys need an explicit
// selection (deploying everything by accident is too easy otherwise).
func (e *Env) selectForDeploy(c *ucli.Context, p *pipeline.Project, g *dag.Graph) (selectedTables, error) {
	if e.selectionFrom(c).IsEmpty() {
		return selectedTables{}, usageErrorf("select the tables: --select EXPR (e.g. 'product:saleops', '+fct_revenue', 'state:modified' with --since), --table-name, --product-name or --dir")
	}
	_, res, cs, err := e.selectTables(c, p, g)
	if err != nil {
		return selectedTables{}, err
	}
	return selectedTables{selected: res.Selected, excluded: res.Excluded, neverDeploy: res.ExcludeMatched, deleted: res.Deleted, changes: cs}, nil
}

// withDeletedTables adds the selected deleted tables to the project, as the
// change set's base had them, and builds the graph again.
func withDeletedTables(p *pipeline.Project, sel selectedTables) (*pipeline.Project, *dag.Graph, error) {
	var retired []pipeline.RetiredTable
	for _, tc := range sel.changes.Tables {
		if tc.Kind != changes.KindDeleted || tc.Base == nil || !slices.Contains(sel.deleted, tc.Table) {
			continue
		}
		retired = append(retired, pipeline.RetiredTable{
			Folder: tc.Folder, DDLPath: tc.Base.DDLPath, DDLText: tc.Base.DDL, DMLPath: tc.Base.DMLPath, DMLText: tc.Base.DML,
		})
	}
	np, err := pipeline.WithRetired(p, retired)
	if err != nil {
		return nil, nil, fmt.Errorf("deleted tables since %s: %w", sel.changes.BaseRef, err)
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

// sqlReader gives a table's SQL as the scan read it (deploy commands scan
// with KeepSQL): plans compare, fingerprint and run exactly that text,
// without reading any file twice.
func sqlReader(p *pipeline.Project) func(*pipeline.Table) (string, string, error) {
	return func(t *pipeline.Table) (string, string, error) {
		if !p.SQLKept {
			return "", "", fmt.Errorf("internal: the project was scanned without its SQL text")
		}
		return t.DDLText, t.DMLText, nil
	}
}

// rewrittenSQL applies the environment's sql_rewrites to what read gives:
// the SQL a table deploys there, which plans also compare and fingerprint.
func rewrittenSQL(read func(*pipeline.Table) (string, string, error), rw *config.Rewriter) func(*pipeline.Table) (string, string, error) {
	if rw.Empty() {
		return read
	}
	return func(t *pipeline.Table) (string, string, error) {
		ddl, dml, err := read(t)
		if err != nil {
			return "", "", err
		}
		return rw.Apply(t.Name, "ddl", ddl), rw.Apply(t.Name, "dml", dml), nil
	}
}

// environmentName is the environment deploys go to, for sql_rewrites:
// --environment, else kafka.cluster_type.
func environmentName(c *ucli.Context, cfg *config.Config) string {
	if env := c.String("environment"); env != "" {
		return env
	}
	return cfg.Kafka.ClusterType
}

// readState asks the target for the state of the given tables.
func readState(ctx context.Context, t deployers.Target, tables []*pipeline.Table, nm plan.Naming) (map[string]deployers.TableState, error) {
	refs, err := plan.TableRefs(tables, nm)
	if err != nil {
		return nil, err
	}
	st, err := t.State(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("read the state of %s: %w", describeTarget(t.Info()), err)
	}
	return st, nil
}

// loadFreshPlan loads a saved plan and refuses it when it was made for
// another target or is stale.
func loadFreshPlan(ctx context.Context, path string, g *dag.Graph, t deployers.Target, nm plan.Naming, sqlOf func(*pipeline.Table) (string, string, error), props plan.PropertiesReader) (*plan.Plan, error) {
	pl, err := plan.Load(path)
	if err != nil {
		return nil, err
	}
	if pl.Kind != plan.KindDeploy {
		return nil, fmt.Errorf("plan %s is an %s plan: deploy runs deploy plans only", path, pl.Kind)
	}
	if info := t.Info(); info.Target != pl.Target || info.Environment != pl.Environment {
		return nil, fmt.Errorf("plan %s was made for %s, not %s: pass the same --target and --environment", path,
			describeTarget(deployers.Info{Target: pl.Target, Environment: pl.Environment}), describeTarget(info))
	}
	var tables []*pipeline.Table
	for _, s := range pl.Steps {
		tb := g.Table(s.Table)
		if tb == nil {
			return nil, &plan.StaleError{What: "pipelines", Detail: "table " + s.Table + " is gone"}
		}
		tables = append(tables, tb)
	}
	state, err := readState(ctx, t, tables, nm)
	if err != nil {
		return nil, err
	}
	if err := plan.Verify(ctx, g, pl, state, sqlOf, props); err != nil {
		return nil, fmt.Errorf("plan %s: %w", path, err)
	}
	return pl, nil
}

func writePlan(w io.Writer, pl *plan.Plan, format string) error {
	if format == "json" {
		return plan.WriteJSON(w, pl)
	}
	return plan.WriteText(w, pl, plan.TextOptions{})
}

// writeSQL prints the SQL of every acting step, in plan order.
func writeSQL(w io.Writer, pl *plan.Plan, g *dag.Graph, sqlOf func(*pipeline.Table) (string, string, error), renderDDL func(table, sql string) (string, []string, error)) error {
	for _, s := range pl.Steps {
		if !s.Action.Acts() || s.Action == plan.ActionDrop {
			continue
		}
		ddl, dml, err := sqlOf(g.Table(s.Table))
		if err != nil {
			return err
		}
		for _, st := range s.Statements {
			sql := dml
			if st.Kind == deployers.KindDDL {
				rendered, warnings, err := renderDDL(s.Table, ddl)
				if err != nil {
					return fmt.Errorf("rewrite the DDL of %s for the target: %w", s.Table, err)
				}
				sql = rendered
				for _, warn := range warnings {
					fmt.Fprintf(w, "\n-- warning: %s", warn)
				}
			}
			fmt.Fprintf(w, "\n-- %s (%s %s)\n%s\n", st.Name, s.Action, s.Table, strings.TrimSpace(sql))
		}
	}
	return nil
}

// writeResult prints the final status table.
func writeResult(w io.Writer, res *executor.Result, style render.Style) error {
	tab := render.Table{Header: []string{"table", "action", "result", "duration", "statement"}}
	for _, s := range res.Steps {
		result := string(s.Status)
		if s.Status == executor.StatusBlocked {
			result += " by " + s.BlockedBy
		}
		dur := "-"
		if s.Duration > 0 {
			dur = s.Duration.Round(time.Millisecond).String()
		}
		stmt := s.Statement
		if stmt == "" {
			stmt = "-"
		}
		tab.Add(s.Table, string(s.Action), result, dur, stmt)
	}
	fmt.Fprintln(w)
	if err := tab.Write(w, style); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d succeeded, %d failed, %d blocked, %d not started.\n",
		res.Count(executor.StatusSucceeded), res.Count(executor.StatusFailed), res.Count(executor.StatusBlocked),
		res.Count(executor.StatusNotStarted)+res.Count(executor.StatusInterrupted))
	return nil
}

// writeRunJSON prints {"plan": …, "result": {"ok", "steps": [...]}}.
func writeRunJSON(w io.Writer, pl *plan.Plan, res *executor.Result) error {
	type step struct {
		Table      string `json:"table"`
		Action     string `json:"action"`
		Result     string `json:"result"`
		DurationMS int64  `json:"duration_ms"`
		Statement  string `json:"statement,omitempty"`
		BlockedBy  string `json:"blocked_by,omitempty"`
		Error      string `json:"error,omitempty"`
	}
	out := struct {
		Plan   any `json:"plan"`
		Result struct {
			OK          bool   `json:"ok"`
			Interrupted bool   `json:"interrupted,omitempty"`
			Steps       []step `json:"steps"`
		} `json:"result"`
	}{Plan: plan.JSONValue(pl)}
	out.Result.OK, out.Result.Interrupted, out.Result.Steps = res.OK(), res.Interrupted, []step{}
	for _, s := range res.Steps {
		st := step{Table: s.Table, Action: string(s.Action), Result: string(s.Status), DurationMS: s.Duration.Milliseconds(), Statement: s.Statement, BlockedBy: s.BlockedBy}
		if s.Err != nil {
			st.Error = s.Err.Error()
		}
		out.Result.Steps = append(out.Result.Steps, st)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// errNotConfirmed is the answer to a refused or impossible confirmation.
var errNotConfirmed = errors.New("undeploy not confirmed: nothing was changed")

// confirm asks before an undeploy; without a terminal it refuses (pass
// --yes in scripts).
func (e *Env) confirm(pl *plan.Plan) error {
	if !e.StdinIsTerminal {
		return usageErrorf("undeploy drops tables: confirm with --yes (stdin is not a terminal, so shiftleft cannot ask)")
	}
	fmt.Fprintf(e.Stderr, "Undeploy %s from %s? Type 'yes' to confirm: ", plural(pl.Summary.Drop, "table"), describeTarget(deployers.Info{Target: pl.Target, Environment: pl.Environment}))
	line, _ := bufio.NewReader(e.Stdin).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		return errNotConfirmed
	}
	return nil
}

// progress prints executor events: on a terminal a live block (a counter
// and one line per running table, redrawn on every event and every second),
// otherwise one plain line per event.
type progress struct {
	mu      sync.Mutex
	stop    chan struct{}
	w       io.Writer
	live    bool
	now     func() time.Time
	lines   int
	started map[string]time.Time
	action  map[string]plan.Action
	status  map[string]string
	running []string
	done    int
	total   int
}

func newProgress(w io.Writer, live bool, now func() time.Time) *progress {
	return &progress{w: w, live: live, now: now, started: map[string]time.Time{}, action: map[string]plan.Action{}, status: map[string]string{}}
}

// tick redraws the live block every second so elapsed times move while
// statements are slow; finish stops it.
func (p *progress) tick() {
	if !p.live {
		return
	}
	p.stop = make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.mu.Lock()
				if p.lines > 0 {
					p.clear()
					p.draw()
				}
				p.mu.Unlock()
			}
		}
	}()
}

func (p *progress) event(ev executor.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running, p.done, p.total = ev.Running, ev.Done, ev.Total
	var line string
	switch ev.Kind {
	case executor.EventStarted:
		p.started[ev.Table] = ev.Time
		p.action[ev.Table] = ev.Action
		line = fmt.Sprintf("%s %s: started", ev.Action, ev.Table)
	case executor.EventStatement:
		p.status[ev.Table] = ev.Statement + " " + ev.Message
		line = fmt.Sprintf("%s %s: %s %s", ev.Action, ev.Table, ev.Statement, ev.Message)
	case executor.EventSucceeded:
		line = fmt.Sprintf("%s %s: done in %s", ev.Action, ev.Table, ev.Duration.Round(time.Millisecond))
	case executor.EventFailed:
		line = fmt.Sprintf("%s %s: FAILED after %s: %v", ev.Action, ev.Table, ev.Duration.Round(time.Millisecond), ev.Err)
		if ev.Message == "interrupted" {
			line = fmt.Sprintf("%s %s: interrupted after %s; a rerun finishes it", ev.Action, ev.Table, ev.Duration.Round(time.Millisecond))
		}
	case executor.EventBlocked:
		line = fmt.Sprintf("%s %s: not deployed, %s", ev.Action, ev.Table, ev.Message)
	case executor.EventStopping:
		line = ev.Message
	}
	if !p.live {
		fmt.Fprintf(p.w, "[%d/%d] %s\n", p.done, p.total, line)
		return
	}
	p.clear()
	if ev.Kind != executor.EventStatement && ev.Kind != executor.EventStarted {
		fmt.Fprintln(p.w, line)
	}
	p.draw()
}

// clear erases the live block (cursor up, erase to the end of screen).
func (p *progress) clear() {
	if p.lines > 0 {
		fmt.Fprintf(p.w, "\x1b[%dA\x1b[J", p.lines)
		p.lines = 0
	}
}

func (p *progress) draw() {
	names := append([]string(nil), p.running...)
	sort.Strings(names)
	fmt.Fprintf(p.w, "Deploying: %d/%d done, %d running\n", p.done, p.total, len(names))
	p.lines = 1
	for _, n := range names {
		fmt.Fprintf(p.w, "  %-9s %-40s %-50s %s\n", p.action[n], n, p.status[n], p.now().Sub(p.started[n]).Round(time.Second))
		p.lines++
	}
}

func (p *progress) finish() {
	if p.stop != nil {
		close(p.stop)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.live {
		p.clear()
	}
}
