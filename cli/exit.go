package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/shiftleft-dev/shiftleft/selector"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// Exit codes. 1 is any error of the project or a target, 2 a usage error.
// Commands with meaningful codes of their own return an *ExitError.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// usageError is a mistake in the command line itself.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// isUsageError says whether err is a mistake in the command line: the
// CLI's own, a request the workspace refused as asked, a selection that
// does not parse, or a state: selector without a change set.
func isUsageError(err error) bool {
	var ue *usageError
	var re *workspace.RequestError
	var se *selector.SyntaxError
	return errors.As(err, &ue) || errors.As(err, &re) || errors.As(err, &se) || errors.Is(err, selector.ErrNoChangeSet)
}

// ExitError carries an exit code chosen by the command (e.g. 3 for
// `impact --fail-on-impact`, 2 for `--detailed-exitcode` with changes).
// A nil Err exits silently with Code.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit code %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// exitCode prints err (if any) and maps it to the process exit code. This
// is the only place where errors become exit codes.
func exitCode(stderr io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintf(stderr, "shiftleft: %v\n", ee.Err)
		}
		return ee.Code
	}
	if isUsageError(err) {
		fmt.Fprintf(stderr, "shiftleft: %v\n", err)
		return ExitUsage
	}
	fmt.Fprintf(stderr, "shiftleft: %v\n", err)
	return ExitFailure
}
