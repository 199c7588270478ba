package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"
	"go.yaml.in/yaml/v3"

	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent"
	"github.com/shiftleft-dev/shiftleft/render"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// confluentCommands are the `shiftleft project …` commands about the
// configuration and Confluent Cloud.
func confluentCommands(e *Env) []*ucli.Command {
	return []*ucli.Command{
		validateConfigCommand(e),
		listComputePoolsCommand(e),
		housekeepStatementsCommand(e),
	}
}

func configFlag() ucli.Flag {
	return &ucli.StringFlag{Name: "config", Usage: "config.yaml to read (default: $SL_CONFIG_FILE, else $CONFIG_FILE, else ./config.yaml)"}
}

func verboseFlag() ucli.Flag {
	return &ucli.BoolFlag{Name: "verbose", Usage: "log more detail on stderr"}
}

// loadConfig reads the configuration named by --config or the environment,
// relative to the working directory, and logs its warnings.
func (e *Env) loadConfig(c *ucli.Context) (*config.Config, error) {
	o, err := e.workspaceOptions(c)
	if err != nil {
		return nil, err
	}
	return workspace.LoadConfig(o)
}

// confluentTarget loads and validates the configuration and builds the
// Confluent target; validation problems are reported all at once.
func (e *Env) confluentTarget(c *ucli.Context) (*config.Config, *confluent.Target, error) {
	o, err := e.workspaceOptions(c)
	if err != nil {
		return nil, nil, err
	}
	return workspace.Confluent(o)
}

// reportRetries tells the user when a target had to retry requests.
func (e *Env) reportRetries(n int64) {
	if n > 0 {
		fmt.Fprintf(e.Stderr, "shiftleft: note: %s retried after rate limiting, server errors or network errors\n", plural(int(n), "HTTP request"))
	}
}

// --- project validate-config -------------------------------------------

type validateConfigOptions struct {
	Out    io.Writer
	Config *config.Config
	Target string
	Show   bool
	Format string
}

func validateConfigCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:  "validate-config",
		Usage: "check config.yaml and the SL_* variables for a target, reporting every missing or placeholder key at once",
		Flags: []ucli.Flag{
			configFlag(), verboseFlag(), formatFlag("text", "json"),
			&ucli.StringFlag{Name: "target", Value: config.TargetLocal, Usage: "target to validate for: local (as deploys), confluent or flink"},
			&ucli.BoolFlag{Name: "show", Usage: "also print the effective configuration (secrets masked)"},
		},
		Action: func(c *ucli.Context) error {
			_, f, err := argsFormat(c, 0, []string{"text", "json"})
			if err != nil {
				return err
			}
			cfg, err := e.loadConfig(c)
			if err != nil {
				return err
			}
			return runValidateConfig(validateConfigOptions{Out: e.Stdout, Config: cfg, Target: c.String("target"), Show: c.Bool("show"), Format: f})
		},
	}
}

func runValidateConfig(o validateConfigOptions) error {
	switch o.Target {
	case config.TargetConfluent, config.TargetFlink, config.TargetLocal:
	default:
		return usageErrorf("--target %q: use confluent, flink or local", o.Target)
	}
	ps := o.Config.Validate(o.Target)
	src := o.Config.Path
	if src == "" {
		src = "(no file; defaults and environment only)"
	}
	if o.Format == "json" {
		out := struct {
			Config   string           `json:"config"`
			Target   string           `json:"target"`
			Problems []config.Problem `json:"problems"`
			Warnings []string         `json:"warnings"`
			Values   *config.Config   `json:"effective,omitempty"`
		}{src, o.Target, ps, o.Config.Warnings, nil}
		if out.Problems == nil {
			out.Problems = []config.Problem{}
		}
		if out.Warnings == nil {
			out.Warnings = []string{}
		}
		if o.Show {
			out.Values = o.Config
		}
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		if o.Show {
			y, err := yaml.Marshal(o.Config)
			if err != nil {
				return fmt.Errorf("render configuration: %w", err)
			}
			fmt.Fprintf(o.Out, "# effective configuration from %s (secrets masked)\n%s\n", src, y)
		}
		if len(ps) == 0 {
			fmt.Fprintf(o.Out, "configuration OK for target %s: %s\n", o.Target, src)
		} else {
			fmt.Fprintf(o.Out, "configuration %s: %s for target %s\n", src, plural(len(ps), "problem"), o.Target)
			for _, p := range ps {
				fmt.Fprintf(o.Out, "  %s\n", p)
			}
		}
	}
	if len(ps) > 0 {
		return &ExitError{Code: ExitFailure}
	}
	return nil
}

// --- project list-compute-pools ----------------------------------------

func listComputePoolsCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:  "list-compute-pools",
		Usage: "list the environment's Flink compute pools: id, name, phase, CFU used/max",
		Flags: []ucli.Flag{configFlag(), verboseFlag(), formatFlag("table", "json")},
		Action: func(c *ucli.Context) error {
			_, f, err := argsFormat(c, 0, []string{"table", "json"})
			if err != nil {
				return err
			}
			_, t, err := e.confluentTarget(c)
			if err != nil {
				return err
			}
			defer func() { e.reportRetries(t.Retries()) }()
			pools, err := t.Client().ListComputePools(c.Context)
			if err != nil {
				return err
			}
			return writePools(e.Stdout, pools, f, render.StyleFor(e.StdoutIsTerminal))
		},
	}
}

type poolRow struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Phase      string `json:"phase"`
	Region     string `json:"region"`
	CurrentCFU int    `json:"current_cfu"`
	MaxCFU     int    `json:"max_cfu"`
}

func writePools(w io.Writer, pools []confluent.ComputePool, f string, style render.Style) error {
	rows := make([]poolRow, len(pools))
	for i, p := range pools {
		rows[i] = poolRow{p.ID, p.Spec.DisplayName, p.Status.Phase, strings.ToLower(p.Spec.Cloud) + "." + p.Spec.Region, p.Status.CurrentCFU, p.Spec.MaxCFU}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	if f == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	t := render.Table{Header: []string{"ID", "NAME", "PHASE", "REGION", "CFU USED/MAX"}}
	for _, r := range rows {
		t.Add(r.ID, r.Name, r.Phase, r.Region, fmt.Sprintf("%d/%d", r.CurrentCFU, r.MaxCFU))
	}
	return t.Write(w, style)
}

// --- project housekeep-statements --------------------------------------

type housekeepOptions struct {
	Out      io.Writer
	Target   *confluent.Target
	Statuses []string
	Older    time.Duration
	Prefix   string
	Yes      bool
	Now      time.Time
	Style    render.Style
	// Records are DDL statements kept as the only trace of tables without
	// DML (StatementRequest.Record): never housekept.
	Records map[string]bool
}

func housekeepStatementsCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:  "housekeep-statements",
		Usage: "delete finished statements (FAILED, COMPLETED, STOPPED) older than a given age; lists them unless --yes",
		Flags: []ucli.Flag{
			configFlag(), verboseFlag(),
			&ucli.StringSliceFlag{Name: "status", Usage: "phase to clean: FAILED, COMPLETED or STOPPED (repeat or comma-separate)"},
			&ucli.StringFlag{Name: "older-than", Usage: "minimum age, e.g. 7d, 36h, 90m"},
			&ucli.StringFlag{Name: "prefix", Usage: "only statements whose name starts with this"},
			&ucli.BoolFlag{Name: "yes", Usage: "delete them (without it the command only lists them)"},
			&ucli.StringFlag{Name: "pipelines", Usage: "pipelines folder whose DML-less tables' DDL statements are kept (default: $PIPELINES, else ./pipelines)"},
		},
		Action: func(c *ucli.Context) error {
			if _, err := args(c, 0); err != nil {
				return err
			}
			if len(c.StringSlice("status")) == 0 || c.String("older-than") == "" {
				return usageErrorf("--status and --older-than are required, e.g. --status FAILED --older-than 7d")
			}
			var statuses []string
			for _, s := range c.StringSlice("status") {
				for _, p := range strings.Split(s, ",") {
					p = strings.ToUpper(strings.TrimSpace(p))
					switch p {
					case "FAILED", "COMPLETED", "STOPPED":
						statuses = append(statuses, p)
					default:
						return usageErrorf("--status %q: use FAILED, COMPLETED or STOPPED (running statements are never housekept)", p)
					}
				}
			}
			older, err := parseAge(c.String("older-than"))
			if err != nil {
				return usageErrorf("--older-than: %v", err)
			}
			cfg, t, err := e.confluentTarget(c)
			if err != nil {
				return err
			}
			defer func() { e.reportRetries(t.Retries()) }()
			records, err := e.ddlRecords(c, cfg)
			if err != nil {
				return err
			}
			return runHousekeep(c.Context, housekeepOptions{Out: e.Stdout, Target: t, Statuses: statuses, Older: older,
				Prefix: c.String("prefix"), Yes: c.Bool("yes"), Now: e.Now(), Style: render.StyleFor(e.StdoutIsTerminal), Records: records})
		},
	}
}

// ddlRecords names the DDL statements of the project's tables without DML,
// which Confluent Cloud keeps as their only trace; none without a project.
func (e *Env) ddlRecords(c *ucli.Context, cfg *config.Config) (map[string]bool, error) {
	if _, err := os.Stat(e.pipelinesDir(c)); err != nil {
		e.logger(c).Warn("no pipelines folder here: DDL statements of tables without DML are not told apart; run from the project, or pass --pipelines", "pipelines", e.pipelinesDir(c))
		return nil, nil
	}
	ws, err := e.open(c, projectOnly, func(o *workspace.Options) { o.Config = cfg })
	if err != nil {
		return nil, err
	}
	return ws.DDLRecords()
}

// parseAge accepts Go durations plus a day suffix: 7d, 1d12h, 36h, 90m.
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var days time.Duration
	if i := strings.Index(s, "d"); i > 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not an age like 7d, 36h or 90m", s)
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not an age like 7d, 36h or 90m", s)
	}
	return days + d, nil
}

func runHousekeep(ctx context.Context, o housekeepOptions) error {
	phases := make([]deployers.Phase, len(o.Statuses))
	for i, s := range o.Statuses {
		phases[i] = deployers.Phase(s)
	}
	res, err := workspace.Housekeep(ctx, o.Target, workspace.HousekeepRequest{
		Phases: phases, OlderThan: o.Older, Prefix: o.Prefix, Delete: o.Yes, Records: o.Records, Now: o.Now,
	})
	if res.Kept > 0 {
		fmt.Fprintf(o.Out, "kept %s: the DDL of tables without DML, their only trace on Confluent Cloud\n", plural(res.Kept, "statement"))
	}
	if len(res.Candidates) == 0 {
		if err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "no %s statements older than %s%s\n", strings.Join(o.Statuses, "/"), humanAge(o.Older), prefixNote(o.Prefix))
		return nil
	}
	tbl := render.Table{Header: []string{"NAME", "PHASE", "CREATED", "AGE"}}
	for _, s := range res.Candidates {
		tbl.Add(s.Name, string(s.Phase), s.CreatedAt.UTC().Format(time.RFC3339), humanAge(o.Now.Sub(s.CreatedAt)))
	}
	if err := tbl.Write(o.Out, o.Style); err != nil {
		return err
	}
	if !o.Yes {
		fmt.Fprintf(o.Out, "%s would be deleted; rerun with --yes to delete them\n", plural(len(res.Candidates), "statement"))
		return nil
	}
	fmt.Fprintf(o.Out, "deleted %s\n", plural(res.Deleted, "statement"))
	return err
}

func prefixNote(p string) string {
	if p == "" {
		return ""
	}
	return " with prefix " + p
}

func humanAge(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
}
