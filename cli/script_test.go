package cli_test

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/shiftleft-dev/shiftleft/cli"
)

var updateScripts = flag.Bool("update", false, "rewrite testscript golden files (cmp against files in the archive)")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"shiftleft": func() { os.Exit(cli.Main(os.Args, os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts replays cli/testdata/script/*.txtar: each runs the real
// command line as a separate process. $SAMPLES is the sample pipelines
// folder of the repository (read-only: copy it before writing into it).
func TestScripts(t *testing.T) {
	testscript.Run(t, scriptParams("script", nil))
}

// scriptCmd is a custom testscript command.
type scriptCmd = func(ts *testscript.TestScript, neg bool, args []string)

// scriptParams are the settings of every testscript suite: the scripts of
// testdata/dir, explicit exec, -update, $SAMPLES (the sample pipelines)
// and $REPO (the repository), and the exitcode command beside the suite's
// own cmds.
func scriptParams(dir string, cmds map[string]scriptCmd) testscript.Params {
	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Dir(filepath.Dir(file))
	all := map[string]scriptCmd{"exitcode": exitcodeCmd}
	for name, c := range cmds {
		all[name] = c
	}
	return testscript.Params{
		Dir:                 filepath.Join("testdata", dir),
		RequireExplicitExec: true,
		UpdateScripts:       *updateScripts,
		Cmds:                all,
		Setup: func(env *testscript.Env) error {
			env.Setenv("SAMPLES", filepath.Join(repo, "flink_data_products", "pipelines"))
			env.Setenv("REPO", repo)
			return nil
		},
	}
}

// exitcodeCmd is `exitcode N prog args...`: it runs prog like exec and
// fails unless it exits with status N (stdout/stderr stay available to
// the following stdout/stderr checks).
func exitcodeCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N prog [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %v", err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}
