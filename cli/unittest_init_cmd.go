package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/workspace"
)

// initUnitTestsCommand is `table init-unit-tests TABLE`: write a new
// unit-test suite beside a table (shift_left's command of that name).
func initUnitTestsCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name: "init-unit-tests",
		Usage: "write a unit-test suite in the table's tests/ folder: test_definitions.yaml, a test DDL per input (from its DDL, " +
			"named <input>_ut), typed sample inputs and validation queries to fill in; never overwrites",
		UsageText: "shiftleft table init-unit-tests TABLE [--nb-test-cases 2] [--create-csv] [--externals-dir DIR ...] [--format text|json]",
		Flags: concatFlags(pipelinesFlags(), []ucli.Flag{
			formatFlag("text", "json"),
			&ucli.IntFlag{Name: "nb-test-cases", Value: 2, Usage: "number of test cases"},
			&ucli.BoolFlag{Name: "create-csv", Usage: "write the inputs of every second case as CSV files"},
			&ucli.StringSliceFlag{Name: "externals-dir", Usage: "a folder of SQL files defining inputs the project does not (raw tables); repeatable"},
		}),
		Action: func(c *ucli.Context) error {
			a, err := args(c, 1, "TABLE")
			if err != nil {
				return err
			}
			f, err := format(c, "text", "json")
			if err != nil {
				return err
			}
			if n := c.Int("nb-test-cases"); n < 1 {
				return usageErrorf("--nb-test-cases %d: give at least 1", n)
			}
			ws, err := e.open(c, projectOnly)
			if err != nil {
				return err
			}
			res, err := ws.InitUnitTests(c.Context, workspace.InitUnitTestsRequest{
				Table: a[0], Cases: c.Int("nb-test-cases"), CSV: c.Bool("create-csv"), ExternalsDirs: c.StringSlice("externals-dir"),
			})
			root := e.rel(ws.Project.Root)
			var ee *workspace.ExistingFilesError
			if errors.As(err, &ee) {
				// Name the files as the user reaches them from here.
				for i, p := range ee.Paths {
					ee.Paths[i] = path.Join(root, p)
				}
			}
			if err != nil {
				return err
			}
			if f == "json" {
				enc := json.NewEncoder(e.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			cases := fmt.Sprintf("%d cases", len(res.Cases))
			if len(res.Cases) == 1 {
				cases = "1 case"
			}
			fmt.Fprintf(e.Stdout, "created unit tests of %s in %s/tests/ (%s; inputs: %s)\n", res.Table, path.Join(root, res.Folder), cases, strings.Join(res.Inputs, ", "))
			for _, f := range res.Files {
				fmt.Fprintf(e.Stdout, "  %s\n", path.Join(root, f))
			}
			fmt.Fprintf(e.Stdout, "The cases FAIL until their validate_*.sql queries are written. Edit the inputs and validations, then run: shiftleft table run-unit-tests %s --target flink\n", res.Table)
			return nil
		},
	}
}
