package cli

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/shiftleft-dev/shiftleft/workspace"
)

// Env is everything a command reads from the process: streams,
// environment variables, working directory, clock, terminal detection.
type Env struct {
	Stdin            io.Reader
	Stdout, Stderr   io.Writer
	Getenv           func(string) string
	Dir              string // working directory
	Now              func() time.Time
	StdoutIsTerminal bool
	StdinIsTerminal  bool

	usageErr error
	// opened are the workspaces the command opened; their scan warnings
	// print when it ends (showWarnings), per --verbose and --quiet.
	opened         []*workspace.Workspace
	verbose, quiet bool
}

func (e *Env) fill() {
	if e.Stdin == nil {
		e.Stdin = strings.NewReader("")
	}
	if e.Stdout == nil {
		e.Stdout = io.Discard
	}
	if e.Stderr == nil {
		e.Stderr = io.Discard
	}
	if e.Getenv == nil {
		e.Getenv = func(string) string { return "" }
	}
	if e.Now == nil {
		e.Now = time.Now
	}
	if e.Dir == "" {
		e.Dir, _ = os.Getwd()
	}
}

// abs resolves a user-given path against the working directory.
func (e *Env) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(e.Dir, p)
}

// logger logs to stderr: warnings by default, everything with --verbose,
// errors only with --quiet.
func (e *Env) logger(c *ucli.Context) *slog.Logger {
	level := slog.LevelWarn
	switch {
	case flagOn(c, "quiet"):
		level = slog.LevelError
	case c.Bool("verbose"):
		level = slog.LevelDebug
	}
	return slog.New(newLineHandler(e.Stderr, level))
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
