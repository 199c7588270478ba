// Package cli is shiftleft's command line: it parses flags into requests,
// calls the use cases of package workspace, renders their results and maps
// errors to exit codes (exit.go). It plans, locks, scans and runs nothing
// itself; urfave/cli stays inside this package.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"syscall"
	"time"

	ucli "github.com/urfave/cli/v2"
)

// ExitPanic is the exit code when shiftleft hit a bug (a recovered panic).
const ExitPanic = 70

// Main runs the command line for the real process: the first SIGINT or
// SIGTERM cancels the context (commands stop cleanly), a second one exits
// at once.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// A command lives for a second and its live heap is the project model:
	// collecting less often saves ~15% CPU on a 50,000-table scan for a few
	// tens of MB. GOGC in the environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	// A profile of a whole command, for performance work on big projects:
	// SHIFTLEFT_CPUPROFILE=cpu.out shiftleft …; go tool pprof cpu.out.
	if path := os.Getenv("SHIFTLEFT_CPUPROFILE"); path != "" {
		if stop, err := startCPUProfile(path); err != nil {
			fmt.Fprintf(stderr, "SHIFTLEFT_CPUPROFILE: %v\n", err)
		} else {
			defer stop()
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		n := 0
		for range sigs {
			n++
			if n == 1 {
				fmt.Fprintln(stderr, "interrupted: finishing in-flight work; press Ctrl-C again to exit now")
				cancel()
				continue
			}
			os.Exit(130)
		}
	}()
	wd, _ := os.Getwd()
	return Run(ctx, args, Env{
		Stdin: stdin, Stdout: stdout, Stderr: stderr,
		Getenv: os.Getenv, Dir: wd, Now: time.Now,
		StdoutIsTerminal: isTerminal(stdout), StdinIsTerminal: isTerminal(stdin),
	})
}

// Run runs one command line (args[0] is the program name) and returns the
// exit code. Everything the process would read from its surroundings comes
// from env, so tests run it in-process.
func Run(ctx context.Context, args []string, env Env) (code int) {
	env.fill()
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(env.Stderr, "shiftleft: internal error: %v\n%s\nThis is a bug in shiftleft: please file an issue with the command you ran and the output above.\n", r, debug.Stack())
			code = ExitPanic
		}
	}()
	app := newApp(&env)
	err := app.RunContext(ctx, args)
	env.showWarnings()
	return exitCode(env.Stderr, err)
}

func newApp(e *Env) *ucli.App {
	app := &ucli.App{
		Name:                 "shiftleft",
		Usage:                "manage Flink SQL pipelines as code: scan, graph, impact, plan and deploy",
		Version:              version(),
		Reader:               e.Stdin,
		Writer:               e.Stdout,
		ErrWriter:            e.Stderr,
		HideHelpCommand:      true,
		EnableBashCompletion: false,
		Flags:                []ucli.Flag{quietFlag()},
		// Errors are printed and mapped to exit codes in one place (exitCode);
		// urfave's own handler would exit the process from inside Run.
		ExitErrHandler: func(*ucli.Context, error) {},
		OnUsageError: func(c *ucli.Context, err error, _ bool) error {
			if m := undefinedFlag.FindStringSubmatch(err.Error()); m != nil {
				return unknownFlag(c, m[1])
			}
			return usageErrorf("%v", err)
		},
		CommandNotFound: func(c *ucli.Context, name string) {
			e.usageErr = unknownCommand(c, name)
		},
		Commands: []*ucli.Command{
			group("pipeline", "work on the pipeline graph: reports, metadata, plans and deploys", pipelineCommands(e)),
			group("table", "work on table inventories", tableCommands(e)),
			group("project", "project-wide tasks: git changes, configuration, housekeeping", projectCommands(e)),
			group("product", "data products: their manifests, ports and the mesh rule between them", productCommands(e)),
			group("docs", "the data catalog: a browsable page of products, tables and lineage", docsCommands(e)),
			group("release", "releases without downtime: new versions of tables beside the running ones, promoted once caught up", releaseCommands(e)),
		},
	}
	app.After = func(*ucli.Context) error { return e.usageErr }
	addShiftLeft(app.Commands, "")
	tidyDefaults(app.Flags, app.Commands)
	markUsageErrors(app.Commands)
	return app
}

// markUsageErrors makes flag parsing errors of every command usage errors
// (exit 2) without dumping the help text on stdout.
func markUsageErrors(cmds []*ucli.Command) {
	for _, c := range cmds {
		c.OnUsageError = func(c *ucli.Context, err error, _ bool) error {
			if m := undefinedFlag.FindStringSubmatch(err.Error()); m != nil {
				return unknownFlag(c, m[1])
			}
			return usageErrorf("%v (see --help)", err)
		}
		markUsageErrors(c.Subcommands)
	}
}

// pipelineCommands are the `shiftleft pipeline …` subcommands. Each lives
// in its own file; add new ones here.
func pipelineCommands(e *Env) []*ucli.Command {
	return []*ucli.Command{
		graphCommand(e),
		reportCommand(e),
		buildAllMetadataCommand(e),
		deleteAllMetadataCommand(e),
		impactCommand(e),
		buildPlanCommand(e),
		deployCommand(e),
		undeployCommand(e),
		reportRunningStatementsCommand(e),
		healthcheckCommand(e),
		prepareCommand(e),
		validateCommand(e),
		pipelineTestCommand(e),
	}
}

// tableCommands are the `shiftleft table …` subcommands.
func tableCommands(e *Env) []*ucli.Command {
	return []*ucli.Command{
		buildInventoryCommand(e),
		tableInitCommand(e),
		initUnitTestsCommand(e),
		tablePeekCommand(e),
		tableExplainCommand(e),
		runUnitTestsCommand(e),
		deleteUnitTestsCommand(e),
	}
}

// projectCommands are the `shiftleft project …` subcommands.
func projectCommands(e *Env) []*ucli.Command {
	return append([]*ucli.Command{listModifiedFilesCommand(e), forceUnlockCommand(e)}, confluentCommands(e)...)
}

func group(name, usage string, subs []*ucli.Command) *ucli.Command {
	sort.Slice(subs, func(i, j int) bool { return subs[i].Name < subs[j].Name })
	return &ucli.Command{Name: name, Usage: usage, Subcommands: subs}
}

// startCPUProfile writes a CPU profile to path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
