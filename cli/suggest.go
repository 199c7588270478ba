package cli

import (
	"fmt"
	"strings"

	"github.com/shiftleft-dev/shiftleft/selector"
)

// unknownTable is the error for a table name that is not in the project,
// with up to five close names.
func unknownTable(names []string, name string) error {
	if s := selector.Suggest(name, names, 5); len(s) > 0 {
		return fmt.Errorf("no table named %s; did you mean %s?", name, strings.Join(s, ", "))
	}
	return fmt.Errorf("no table named %s in the project; 'shiftleft pipeline graph' lists them", name)
}
