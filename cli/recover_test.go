package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// panicWriter panics on the first write: a stand-in for any bug that
// panics inside a command.
type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("injected bug: write to stdout") }

// TestPanicBecomesExit70: a panic inside a command is recovered at the top,
// reported on stderr with a request to file a bug, and exits 70.
func TestPanicBecomesExit70(t *testing.T) {
	var errb bytes.Buffer
	code := Run(context.Background(), []string{"shiftleft", "pipeline", "graph"}, Env{
		Stdout: panicWriter{}, Stderr: &errb,
		Dir: filepath.Join(repoRoot(t), "flink_data_products"),
	})
	if code != ExitPanic {
		t.Fatalf("exit %d, want %d\n%s", code, ExitPanic, errb.String())
	}
	for _, want := range []string{"shiftleft: internal error: injected bug: write to stdout", "This is a bug in shiftleft: please file an issue"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
}
