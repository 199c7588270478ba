package workspace

import (
	"fmt"
	"strings"

	"github.com/shiftleft-dev/shiftleft/config"
)

// RequestError is a request a use case cannot run as asked (an unknown
// target, a deploy without a selection): the caller's mistake, which the
// CLI reports as a usage error.
type RequestError struct{ Msg string }

func (e *RequestError) Error() string { return e.Msg }

// ConfigError lists every problem of the configuration for a target.
type ConfigError struct {
	Target   string
	Problems []config.Problem
}

func (e *ConfigError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = "  " + p.String()
	}
	n := fmt.Sprintf("%d problems", len(e.Problems))
	if len(e.Problems) == 1 {
		n = "1 problem"
	}
	return fmt.Sprintf("the configuration has %s for target %s:\n%s", n, e.Target, strings.Join(lines, "\n"))
}
