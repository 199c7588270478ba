package cli

import (
	"context"
	"fmt"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/executor"
	"github.com/shiftleft-dev/shiftleft/plan"
	"github.com/shiftleft-dev/shiftleft/release"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// releaseCommands are the `shiftleft release …` subcommands: releases
// without downtime (docs/releases.md). Each parses its flags into a
// workspace.ReleaseRequest, calls the use case and renders the result.
func releaseCommands(e *Env) []*ucli.Command {
	ruleFlags := []ucli.Flag{
		&ucli.BoolFlag{Name: "force", Usage: "version the selected tables even when nothing changed"},
		&ucli.BoolFlag{Name: "may-start-descendants", Usage: "version the descendants of every table the plan redeploys"},
		&ucli.BoolFlag{Name: "cross-product-deployment", Usage: "version descendants in other products too"},
	}
	catchFlags := []ucli.Flag{
		&ucli.Int64Flag{Name: "max-lag", Usage: "records pending at most, for a new version to count as caught up"},
		&ucli.DurationFlag{Name: "settle", Value: release.DefaultSettle, Usage: "how long the lag must stay at most --max-lag"},
	}
	lockFlag := &ucli.DurationFlag{Name: "lock-timeout", Usage: "how long to wait for the environment lock held by another run (default: fail at once)"}
	common := func(extra ...ucli.Flag) []ucli.Flag {
		return concatFlags(pipelinesFlags(), targetFlags(), []ucli.Flag{formatFlag("text", "json")}, extra)
	}
	return []*ucli.Command{
		{
			Name:      "plan",
			Usage:     "show the new versions a release of the selection would start beside the running ones (changes nothing)",
			UsageText: "shiftleft release plan NAME --select EXPR ... [--since REF] [--target local|confluent|flink] [--format text|json]",
			Flags:     concatFlags(common(ruleFlags...), selectionFlags()),
			Action: func(c *ucli.Context) error {
				req, ws, f, err := e.releaseRequest(c, true)
				if err != nil {
					return err
				}
				defer e.closeWorkspace(c.Context, ws)
				p, info, err := ws.ReleasePlan(c.Context, req)
				if err != nil {
					return err
				}
				if f == "json" {
					return writeJSON(e.Stdout, struct {
						Target      string `json:"target"`
						Environment string `json:"environment"`
						*release.Plan
					}{info.Target, info.Environment, p})
				}
				return release.RenderPlan(e.Stdout, p)
			},
		},
		{
			Name:  "start",
			Usage: "start the new versions beside the running ones, from the earliest offset (a rerun finishes an interrupted start)",
			UsageText: "shiftleft release start NAME --select EXPR ... [--since REF] [--target local|confluent|flink]\n" +
				"   [--max-parallel N] [--statement-timeout 10m] [--lock-timeout 1m] [--format text|json]",
			Flags: concatFlags(common(ruleFlags...), selectionFlags(), runFlags()),
			Action: func(c *ucli.Context) error {
				req, ws, f, err := e.releaseRequest(c, true)
				if err != nil {
					return err
				}
				defer e.closeWorkspace(c.Context, ws)
				res, err := ws.ReleaseStart(c.Context, req)
				if res != nil && res.Release != nil {
					if werr := e.writeRelease(f, res); werr != nil && err == nil {
						err = werr
					}
				}
				return err
			},
		},
		{
			Name:      "status",
			Usage:     "show each new version's catch-up (lag, rows written, caught up or not) and the topics consumers switch to",
			UsageText: "shiftleft release status [NAME] [--max-lag N] [--settle 1m] [--target local|confluent|flink] [--format text|json]",
			Flags:     common(catchFlags...),
			Action: func(c *ucli.Context) error {
				req, ws, f, err := e.releaseRequest(c, false)
				if err != nil {
					return err
				}
				defer e.closeWorkspace(c.Context, ws)
				res, err := ws.ReleaseStatus(c.Context, req)
				if err != nil {
					return err
				}
				if f == "json" {
					return writeJSON(e.Stdout, res.Status)
				}
				return release.RenderStatus(e.Stdout, res.Status)
			},
		},
		{
			Name:      "promote",
			Usage:     "make the new versions live once caught up: stop the old versions' DMLs and keep their tables for --keep",
			UsageText: "shiftleft release promote [NAME] [--force] [--keep 24h] [--max-lag N] [--settle 1m] [--lock-timeout 1m] [--format text|json]",
			Flags: common(append(catchFlags,
				&ucli.BoolFlag{Name: "force", Usage: "promote even when new versions are not caught up"},
				&ucli.DurationFlag{Name: "keep", Value: workspace.DefaultKeep, Usage: "how long the old tables are kept before finalize may drop them"},
				lockFlag)...),
			Action: e.releaseStep((*workspace.Workspace).ReleasePromote),
		},
		{
			Name:      "rollback",
			Usage:     "before promote: remove the new versions, touching nothing old",
			UsageText: "shiftleft release rollback [NAME] [--lock-timeout 1m] [--format text|json]",
			Flags:     common(lockFlag),
			Action:    e.releaseStep((*workspace.Workspace).ReleaseRollback),
		},
		{
			Name:      "finalize",
			Usage:     "after promote and the keep time: drop the old versions, unless something outside the release still reads them",
			UsageText: "shiftleft release finalize [NAME] [--lock-timeout 1m] [--format text|json]",
			Flags:     common(lockFlag),
			Action:    e.releaseStep((*workspace.Workspace).ReleaseFinalize),
		},
	}
}

// releaseStep is the action of promote, rollback and finalize: run the
// step on the release NAME (default: the open one) and write its result.
// A step refused with the versions' status (promote before they caught
// up) shows that status on stderr in text.
func (e *Env) releaseStep(step func(*workspace.Workspace, context.Context, workspace.ReleaseRequest) (*workspace.ReleaseResult, error)) ucli.ActionFunc {
	return func(c *ucli.Context) error {
		req, ws, f, err := e.releaseRequest(c, false)
		if err != nil {
			return err
		}
		defer e.closeWorkspace(c.Context, ws)
		res, err := step(ws, c.Context, req)
		if err != nil {
			if res != nil && res.Status != nil && f == "text" {
				_ = release.RenderStatus(e.Stderr, res.Status)
			}
			return err
		}
		return e.writeRelease(f, res)
	}
}

// releaseRequest reads the NAME argument (required when named), the
// format and the flags into a request, and opens the workspace.
func (e *Env) releaseRequest(c *ucli.Context, named bool) (workspace.ReleaseRequest, *workspace.Workspace, string, error) {
	var req workspace.ReleaseRequest
	pos, err := positional(c)
	if err != nil {
		return req, nil, "", err
	}
	switch {
	case named && len(pos) != 1:
		return req, nil, "", usageErrorf("expected 1 argument: NAME, the release's name (got %d)", len(pos))
	case !named && len(pos) > 1:
		return req, nil, "", usageErrorf("expected at most 1 argument: NAME (got %d)", len(pos))
	case len(pos) == 1:
		req.Name = pos[0]
		if err := release.CheckName(req.Name); err != nil {
			return req, nil, "", usageErrorf("%v", err)
		}
	}
	f, err := format(c, "text", "json")
	if err != nil {
		return req, nil, "", err
	}
	if c.Duration("lock-timeout") < 0 || c.Duration("settle") < 0 || c.Duration("keep") < 0 || c.Int64("max-lag") < 0 {
		return req, nil, "", usageErrorf("--lock-timeout, --settle, --keep and --max-lag must not be negative")
	}
	if named {
		req.Selection = e.selectionFrom(c)
		req.Rules = plan.Options{Force: c.Bool("force"), MayStartDescendants: c.Bool("may-start-descendants"), CrossProductDeployment: c.Bool("cross-product-deployment")}
		req.Run = executor.Options{MaxParallel: c.Int("max-parallel"), StatementTimeout: c.Duration("statement-timeout"), FailFast: c.Bool("fail-fast"), Now: e.Now}
		if req.Selection.IsEmpty() {
			return req, nil, "", usageErrorf("select the tables to release (--select EXPR or --since REF)")
		}
	} else {
		req.Force = c.Bool("force")
	}
	req.LockTimeout = c.Duration("lock-timeout")
	req.Catch = release.Settings{MaxLag: c.Int64("max-lag"), Settle: c.Duration("settle")}
	req.Keep = c.Duration("keep")
	ws, err := e.open(c, readConfig, keepSQL)
	if err != nil {
		return req, nil, "", err
	}
	return req, ws, f, nil
}

// writeRelease renders a release after a change: JSON, or one line per
// version and a summary line.
func (e *Env) writeRelease(f string, res *workspace.ReleaseResult) error {
	r := res.Release
	if f == "json" {
		return writeJSON(e.Stdout, struct {
			Target      string           `json:"target"`
			Environment string           `json:"environment"`
			Release     *release.Release `json:"release"`
			Run         *executor.Result `json:"run,omitempty"`
		}{res.Target.Target, res.Target.Environment, r, res.Run})
	}
	for _, v := range r.Versions {
		fmt.Fprintf(e.Stdout, "  %s → %s\n", v.Old, v.New)
	}
	if res.Run != nil && len(res.Run.Steps) > 0 {
		fmt.Fprintf(e.Stdout, "%d succeeded, %d failed, %d blocked, %d not started.\n",
			res.Run.Count(executor.StatusSucceeded), res.Run.Count(executor.StatusFailed), res.Run.Count(executor.StatusBlocked), res.Run.Count(executor.StatusNotStarted))
	}
	msg := fmt.Sprintf("Release %s: %s", r.Name, r.Phase)
	if r.Phase == release.PhasePromoted && !r.KeepUntil.IsZero() {
		msg += "; old versions kept until " + r.KeepUntil.UTC().Format(time.RFC3339)
	}
	_, err := fmt.Fprintln(e.Stdout, msg+".")
	return err
}
