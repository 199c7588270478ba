package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/executor"
	"github.com/shiftleft-dev/shiftleft/plan"
	"github.com/shiftleft-dev/shiftleft/render"
	"github.com/shiftleft-dev/shiftleft/workspace"
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
		&ucli.StringSliceFlag{Name: "externals-dir", Usage: "a folder of SQL files defining external inputs (raw tables the project reads and does not define), searched before the readers' tests/ddl*.sql; repeatable"},
	}
}

// runFlags tune the executor.
func runFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.IntFlag{Name: "max-parallel", Aliases: []string{"max-thread"}, Value: executor.DefaultMaxParallel, Usage: "tables deployed at once"},
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
			"   [--max-parallel N] [--statement-timeout 10m] [--fail-fast] [--lock-timeout 1m] [--format text|json] [--detailed-exitcode] [--release NAME]",
		Flags: concatFlags(pipelinesFlags(), selectionFlags(), targetFlags(), planFlags(), runFlags(), []ucli.Flag{
			formatFlag("text", "json"),
			&ucli.BoolFlag{Name: "dry-run", Usage: "print the plan and stop"},
			&ucli.StringFlag{Name: "out", Usage: "save the plan to FILE (with --dry-run: for a later 'deploy --plan FILE')"},
			&ucli.StringFlag{Name: "plan", Usage: "execute exactly this saved plan; refused when the pipelines or the target changed since it was made"},
			&ucli.BoolFlag{Name: "check-quality", Usage: "after a successful deploy, run the quality rules of the output ports of the products it changed (as 'product check'); exit 1 when one fails"},
			&ucli.StringFlag{Name: "release", Usage: "deploy within the open release NAME: tables outside the release deploy while it is open (see docs/releases.md)"},
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
			&ucli.BoolFlag{Name: "include-externals", Usage: "also drop the external inputs the dropped tables read, once nothing running reads them (never by default)"},
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
	env      *Env
	mode     deployMode
	format   string
	detailed bool
	showSQL  bool
	yes      bool
	// checkQuality runs the quality rules of the changed products' ports
	// after a successful deploy.
	checkQuality bool
	request      workspace.DeployRequest
}

func (e *Env) deployOptionsFrom(c *ucli.Context, mode deployMode) (*deployOptions, error) {
	_, f, err := argsFormat(c, 0, []string{"text", "json"})
	if err != nil {
		return nil, err
	}
	o := &deployOptions{
		env: e, mode: mode, format: f,
		detailed: c.Bool("detailed-exitcode"), showSQL: c.Bool("show-sql"), yes: c.Bool("yes"), checkQuality: c.Bool("check-quality"),
		request: workspace.DeployRequest{
			Selection: e.selectionFrom(c),
			PlanFile:  c.String("plan"),
			SaveTo:    c.String("out"),
			Rules: plan.Options{
				Force: c.Bool("force"), ForceAncestors: c.Bool("force-ancestors"),
				MayStartDescendants: c.Bool("may-start-descendants"), CrossProductDeployment: c.Bool("cross-product-deployment"),
				DMLOnly: c.Bool("dml-only"),
			},
			Run: executor.Options{
				MaxParallel: c.Int("max-parallel"), StatementTimeout: c.Duration("statement-timeout"),
				FailFast: c.Bool("fail-fast"), Now: e.Now,
			},
			LockTimeout:      c.Duration("lock-timeout"),
			Strict:           c.Bool("strict"),
			IncludeExternals: c.Bool("include-externals"),
			ExternalsDirs:    c.StringSlice("externals-dir"),
			Release:          c.String("release"),
		},
	}
	r := &o.request
	if mode.runs() && r.Run.MaxParallel < 1 {
		return nil, usageErrorf("--max-parallel %d: give at least 1", r.Run.MaxParallel)
	}
	if r.Run.StatementTimeout < 0 || r.LockTimeout < 0 {
		return nil, usageErrorf("--statement-timeout and --lock-timeout must not be negative")
	}
	if c.Bool("carry-offsets") && c.String("target") != workspace.TargetConfluent {
		return nil, usageErrorf("--carry-offsets applies to --target confluent only (flink: --from-savepoint)")
	}
	switch t := c.String("target"); t {
	case workspace.TargetLocal, workspace.TargetConfluent, workspace.TargetFlink:
	default:
		return nil, usageErrorf("--target %q: unsupported target; use local, confluent or flink", t)
	}
	if o.checkQuality && (mode != deployModeRun || c.String("target") == workspace.TargetLocal) {
		return nil, usageErrorf("--check-quality reads the deployed tables after a deploy: it needs --target flink (or confluent) and no --dry-run; the local target keeps no data")
	}
	if r.PlanFile != "" {
		if mode != deployModeRun {
			return nil, usageErrorf("--plan executes a saved plan: it does not combine with --dry-run")
		}
		rules := r.Rules
		if !r.Selection.IsEmpty() || r.Selection.Since != "" || rules.Force || rules.ForceAncestors || rules.MayStartDescendants || rules.CrossProductDeployment || rules.DMLOnly {
			return nil, usageErrorf("--plan executes the saved plan as it is: drop the selection and plan flags")
		}
	} else if r.Selection.IsEmpty() {
		// Deploys need an explicit selection: deploying everything by
		// accident is too easy otherwise.
		return nil, usageErrorf("select the tables: --select EXPR (e.g. 'product:saleops', '+fct_revenue', 'state:modified' with --since), --table-name, --product-name or --dir")
	}
	return o, nil
}

// runDeploy plans (or loads a plan) through the workspace, renders it, and,
// when the mode runs, lets the workspace execute it after the plan is shown
// (and, for an undeploy, confirmed).
func runDeploy(c *ucli.Context, o *deployOptions) error {
	e := o.env
	// --strict is a plan rule here: undeclared externals of the planned
	// tables are one plan error naming each, not a scan error per file.
	ws, err := e.open(c, readConfig, keepSQL, func(o *workspace.Options) { o.Strict = false })
	if err != nil {
		return err
	}
	defer e.closeWorkspace(c.Context, ws)
	if !o.mode.runs() {
		pr, err := ws.Plan(c.Context, o.request, o.mode.undeploy())
		if err != nil {
			return err
		}
		e.notePlanSaved(o.request.SaveTo)
		if err := writePlan(e.Stdout, pr.Plan, o.format); err != nil {
			return err
		}
		if o.showSQL {
			if err := writeSQL(e.Stdout, pr); err != nil {
				return err
			}
		}
		return detailedExit(o.detailed, pr.Plan.HasChanges())
	}
	req := o.request
	req.Review = func(pr *workspace.PlanResult) error {
		e.notePlanSaved(req.SaveTo)
		if o.format == "text" {
			if err := plan.WriteText(e.Stdout, pr.Plan, plan.TextOptions{HideUnchanged: true}); err != nil {
				return err
			}
			if o.showSQL {
				if err := writeSQL(e.Stdout, pr); err != nil {
					return err
				}
			}
		}
		if o.mode == deployModeUndeploy && !o.yes && pr.Plan.HasChanges() {
			return e.confirm(pr.Plan)
		}
		return nil
	}
	// Live progress only when both streams are terminals: escape codes must
	// not end up in a redirected log.
	pr := newProgress(e.Stderr, e.StdoutIsTerminal && isTerminal(e.Stderr), e.Now)
	req.Run.OnEvent = pr.event
	pr.tick()
	var res *workspace.DeployResult
	if o.mode.undeploy() {
		res, err = ws.Undeploy(c.Context, req)
	} else {
		res, err = ws.Deploy(c.Context, req)
	}
	pr.finish()
	if err != nil {
		return err
	}
	if !res.Plan.HasChanges() {
		if o.format == "json" {
			return writeRunJSON(e.Stdout, res.Plan, res.Result)
		}
		return detailedExit(o.detailed, false)
	}
	if o.format == "json" {
		if err := writeRunJSON(e.Stdout, res.Plan, res.Result); err != nil {
			return err
		}
	} else if err := writeResult(e.Stdout, res.Result, render.StyleFor(e.StdoutIsTerminal)); err != nil {
		return err
	}
	if err := res.Result.Err(); err != nil {
		return err
	}
	if o.checkQuality && o.mode == deployModeRun {
		if err := checkDeployedQuality(c, o, ws, res); err != nil {
			return err
		}
	}
	return detailedExit(o.detailed, true)
}

// checkDeployedQuality runs the quality rules of the products the deploy
// changed; the report is printed in the text format (JSON output stays
// one document), and a failed rule ends the deploy with exit 1.
func checkDeployedQuality(c *ucli.Context, o *deployOptions, ws *workspace.Workspace, res *workspace.DeployResult) error {
	e := o.env
	prods, err := ws.ProductsTouched(c.Context, res)
	if err != nil || len(prods) == 0 {
		return err
	}
	rep, err := ws.CheckQuality(c.Context, workspace.QualityRequest{Products: prods})
	if err != nil {
		return fmt.Errorf("deployed, but the quality check could not run: %w", err)
	}
	if o.format == "text" {
		fmt.Fprintf(e.Stdout, "\nQuality of %s:\n", strings.Join(prods, ", "))
		if err := writeQuality(e.Stdout, rep, render.StyleFor(e.StdoutIsTerminal)); err != nil {
			return err
		}
	}
	if !rep.OK() {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("deployed, but %w", &workspace.QualityError{Report: rep})}
	}
	return nil
}

// notePlanSaved tells where --out saved the plan.
func (e *Env) notePlanSaved(out string) {
	if out != "" {
		fmt.Fprintf(e.Stderr, "Saved the plan to %s; run it with 'shiftleft pipeline deploy --plan %s'.\n", out, out)
	}
}

// closeWorkspace releases the targets the command opened and tells the
// user when a target had to retry requests.
func (e *Env) closeWorkspace(ctx context.Context, ws *workspace.Workspace) {
	_ = ws.Close(context.WithoutCancel(ctx))
	e.reportRetries(ws.Retries())
}

func detailedExit(detailed, changes bool) error {
	if detailed && changes {
		return &ExitError{Code: ExitChanges}
	}
	return nil
}

func writePlan(w io.Writer, pl *plan.Plan, format string) error {
	if format == "json" {
		return plan.WriteJSON(w, pl)
	}
	return plan.WriteText(w, pl, plan.TextOptions{})
}

// writeSQL prints the SQL of every acting step, in plan order.
func writeSQL(w io.Writer, pr *workspace.PlanResult) error {
	stmts, err := pr.SQL()
	if err != nil {
		return err
	}
	for _, st := range stmts {
		for _, warn := range st.Warnings {
			fmt.Fprintf(w, "\n-- warning: %s", warn)
		}
		fmt.Fprintf(w, "\n-- %s (%s %s)\n%s\n", st.Statement, st.Action, st.Table, strings.TrimSpace(st.SQL))
	}
	return nil
}

// writeResult prints the final status table.
func writeResult(w io.Writer, res *executor.Result, style render.Style) error {
	tab := render.Table{Header: []string{"table", "action", "result", "duration", "statement"}}
	for _, s := range res.Steps {
		result := string(s.Status)
		if s.Status == executor.StatusBlocked {
			result += " by " + executor.BlockedByText(s.BlockedBy)
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
		Table      string   `json:"table"`
		Action     string   `json:"action"`
		Result     string   `json:"result"`
		DurationMS int64    `json:"duration_ms"`
		Statement  string   `json:"statement,omitempty"`
		BlockedBy  []string `json:"blocked_by,omitempty"`
		Error      string   `json:"error,omitempty"`
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
	fmt.Fprintf(e.Stderr, "Undeploy %s from %s? Type 'yes' to confirm: ", plural(pl.Summary.Drop, "table"), deployers.Info{Target: pl.Target, Environment: pl.Environment})
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
