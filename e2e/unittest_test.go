package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/shiftleft-dev/shiftleft/cli"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// unitTestProject writes a project whose one table (ut_e2e_totals, a sum
// per customer of an upsert input) has a suite of four cases: two that
// pass (SQL and CSV inputs), one whose validation says FAIL, one whose
// validation does not compile. Names start with ut_e2e so nothing of
// another user of the engine is touched.
func unitTestProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	folder := filepath.Join(dir, "pipelines", "facts", "p9", "ut_e2e_totals")
	files := map[string]string{
		"sql-scripts/ddl.ut_e2e_totals.sql": "CREATE TABLE IF NOT EXISTS ut_e2e_totals (\n  customer STRING NOT NULL,\n  total DECIMAL(10, 2),\n  PRIMARY KEY (customer) NOT ENFORCED\n) WITH ('changelog.mode' = 'upsert', 'key.format' = 'json', 'value.format' = 'json');\n",
		"sql-scripts/dml.ut_e2e_totals.sql": "INSERT INTO ut_e2e_totals\nSELECT customer, SUM(amount) AS total\nFROM ut_e2e_orders\nGROUP BY customer;\n",
		"tests/ddl_ut_e2e_orders.sql":       "CREATE TABLE IF NOT EXISTS ut_e2e_orders_ut (\n  id STRING NOT NULL,\n  customer STRING NOT NULL,\n  amount DECIMAL(10, 2),\n  ordered_at TIMESTAMP(3),\n  PRIMARY KEY (id) NOT ENFORCED\n) WITH ('changelog.mode' = 'upsert', 'key.format' = 'json', 'value.format' = 'json');\n",
		"tests/insert_ut_e2e_orders_1.sql":  "INSERT INTO ut_e2e_orders_ut VALUES\n('o1', 'c1', 10.00, TIMESTAMP '2026-01-01 10:00:00'),\n('o2', 'c1', 5.00, TIMESTAMP '2026-01-01 11:00:00'),\n('o3', 'c2', 15.00, TIMESTAMP '2026-01-02 09:00:00');\n",
		"tests/insert_ut_e2e_orders_2.csv":  "id, customer, amount, ordered_at\n'o1', 'c1', 10.00, 2026-01-01T10:00:00Z\n'o2', 'c1', NULL, 2026-01-01 11:00:00\n'o3', 'c2', 20.00,\n",
		"tests/validate_sum.sql":            "SELECT CASE WHEN COUNT(*) = 2 AND SUM(total) = 30 THEN 'PASS' ELSE 'FAIL' END AS test_result\nFROM ut_e2e_totals_ut\n",
		"tests/validate_wrong.sql":          "SELECT CASE WHEN COUNT(*) = 3 THEN 'PASS' ELSE 'FAIL' END AS test_result\nFROM ut_e2e_totals_ut\n",
		"tests/validate_bad.sql":            "SELECT CASE WHEN COUNT(*) = 2 THEN 'PASS' ELSE 'FAIL' END AS test_result\nFROM ut_e2e_totals_ut\nWHERE no_such_column > 0\n",
		"tests/test_definitions.yaml": `foundations:
- table_name: ut_e2e_orders
  ddl_for_test: ./tests/ddl_ut_e2e_orders.sql
test_suite:
- name: sql_input
  inputs:
  - {table_name: ut_e2e_orders, file_name: ./tests/insert_ut_e2e_orders_1.sql, file_type: sql}
  outputs:
  - {table_name: ut_e2e_totals, file_name: ./tests/validate_sum.sql, file_type: sql}
- name: csv_input
  inputs:
  - {table_name: ut_e2e_orders, file_name: ./tests/insert_ut_e2e_orders_2.csv, file_type: csv}
  outputs:
  - {table_name: ut_e2e_totals, file_name: ./tests/validate_sum.sql, file_type: sql}
- name: wrong_expectation
  inputs:
  - {table_name: ut_e2e_orders, file_name: ./tests/insert_ut_e2e_orders_1.sql, file_type: sql}
  outputs:
  - {table_name: ut_e2e_totals, file_name: ./tests/validate_wrong.sql, file_type: sql}
- name: bad_validation
  inputs:
  - {table_name: ut_e2e_orders, file_name: ./tests/insert_ut_e2e_orders_1.sql, file_type: sql}
  outputs:
  - {table_name: ut_e2e_totals, file_name: ./tests/validate_bad.sql, file_type: sql}
`,
	}
	for name, content := range files {
		p := filepath.Join(folder, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// engineObjects is what the engine holds of the unit tests: Kafka topics
// and live jobs whose names start with the test's prefixes, and the tables
// the flink target's state file records.
func engineObjects(t *testing.T, ctx context.Context, e engine, dir string) []string {
	t.Helper()
	var out []string
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.kafka))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	topics, err := kadm.NewClient(cl).ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range topics.Names() {
		if strings.HasPrefix(name, "ut_e2e_") {
			out = append(out, "topic "+name)
		}
	}
	for name := range runningJobs(t, ctx, e) {
		if strings.HasPrefix(name, "sl-ut-ut-e2e") {
			out = append(out, "job "+name)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, ".shiftleft", "flink-ute2e.json")); err == nil {
		var st struct {
			Tables map[string]any `json:"tables"`
		}
		if json.Unmarshal(b, &st) == nil {
			for name := range st.Tables {
				out = append(out, "table "+name)
			}
		}
	}
	return out
}

func runUT(ctx context.Context, e engine, dir string, args ...string) (int, string, string) {
	getenv := func(k string) string {
		switch k {
		case "SL_FLINK_GATEWAY_URL":
			return e.gateway
		case "SL_FLINK_JOBMANAGER_URL":
			return e.jobManager
		case "SL_KAFKA_BOOTSTRAP":
			return e.kafka
		}
		return ""
	}
	var stdout, stderr bytes.Buffer
	code := cli.Run(ctx, append([]string{"shiftleft"}, args...), cli.Env{Stdout: &stdout, Stderr: &stderr, Getenv: getenv, Dir: dir, Now: time.Now})
	return code, stdout.String(), stderr.String()
}

// TestUnitTestsOnRealFlink runs a suite on the engine: the outcome of each
// case, and that no topic, job or table is left after a run with failures,
// after Ctrl-C, and after --keep then delete-unit-tests.
func TestUnitTestsOnRealFlink(t *testing.T) {
	e := needEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := unitTestProject(t)
	if left := engineObjects(t, ctx, e, dir); len(left) > 0 {
		t.Fatalf("the engine holds unit-test objects before the test: %v", left)
	}
	base := []string{"--pipelines", "pipelines", "--target", "flink", "--env", "ute2e"}
	t.Cleanup(func() {
		// Whatever failed above, the engine is left clean for others.
		runUT(context.Background(), e, dir, append([]string{"table", "delete-unit-tests", "ut_e2e_totals"}, base...)...)
	})

	// A run with a pass, a failure and an error.
	junit := filepath.Join(dir, "junit.xml")
	start := time.Now()
	code, out, errOut := runUT(ctx, e, dir, append([]string{"table", "run-unit-tests", "ut_e2e_totals", "--format", "json", "--junit", junit}, base...)...)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a case fails)\n%s\n%s", code, out, errOut)
	}
	var res workspace.UnitTestResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, errOut)
	}
	t.Logf("4 cases in %s", time.Since(start).Round(time.Millisecond))
	got := map[string]workspace.CaseResult{}
	for _, c := range res.Cases {
		got[c.Case] = c
		t.Logf("%s %s %s (setup %s, inputs %s, job %s, validation %s in %d polls, cleanup %s) %s %s", c.Case, c.Result, c.Duration.Round(time.Millisecond),
			c.Timings.Setup.Round(time.Millisecond), c.Timings.Inputs.Round(time.Millisecond), c.Timings.Job.Round(time.Millisecond),
			c.Timings.Validation.Round(time.Millisecond), c.Timings.Polls, c.Timings.Cleanup.Round(time.Millisecond), c.Where, c.Error)
	}
	for name, want := range map[string]string{"sql_input": "PASS", "csv_input": "PASS", "wrong_expectation": "FAIL", "bad_validation": "ERROR"} {
		if got[name].Result != want {
			t.Errorf("%s: %s (%s: %s), want %s", name, got[name].Result, got[name].Where, got[name].Error, want)
		}
	}
	if c := got["wrong_expectation"]; c.Validation == nil || len(c.Validation.Rows) == 0 || c.Output == nil || len(c.Output.Rows) == 0 {
		t.Errorf("a FAIL shows the validation's rows and the output's first rows: validation %+v, output %+v", c.Validation, c.Output)
	}
	if c := got["bad_validation"]; !strings.Contains(c.Where, "tests/validate_bad.sql:3") || !strings.Contains(c.Error, "no_such_column") {
		t.Errorf("an engine error points at the file and line: %s: %s", c.Where, c.Error)
	}
	if b, err := os.ReadFile(junit); err != nil || !strings.Contains(string(b), `<testsuite name="ut_e2e_totals" tests="4" failures="1" errors="1"`) {
		t.Errorf("JUnit report: %v\n%s", err, b)
	}
	if left := engineObjects(t, ctx, e, dir); len(left) > 0 {
		t.Errorf("left after a run with failures: %v", left)
	}

	// Ctrl-C in the middle of the cases.
	cctx, stop := context.WithTimeout(ctx, 2500*time.Millisecond)
	code, out, errOut = runUT(cctx, e, dir, append([]string{"table", "run-unit-tests", "ut_e2e_totals"}, base...)...)
	stop()
	if code == 0 {
		t.Errorf("an interrupted run exits 0\n%s\n%s", out, errOut)
	}
	if left := engineObjects(t, ctx, e, dir); len(left) > 0 {
		t.Errorf("left after Ctrl-C: %v\n%s\n%s", left, out, errOut)
	}

	// --keep leaves the case's objects; delete-unit-tests removes them.
	code, out, errOut = runUT(ctx, e, dir, append([]string{"table", "run-unit-tests", "ut_e2e_totals", "--test-case", "sql_input", "--keep"}, base...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if left := engineObjects(t, ctx, e, dir); len(left) == 0 {
		t.Errorf("--keep kept nothing")
	}
	code, out, errOut = runUT(ctx, e, dir, append([]string{"table", "delete-unit-tests", "ut_e2e_totals"}, base...)...)
	if code != 0 || !strings.Contains(out, "removed table ut_e2e_orders_ut") {
		t.Errorf("delete-unit-tests: exit %d\n%s\n%s", code, out, errOut)
	}
	if left := engineObjects(t, ctx, e, dir); len(left) > 0 {
		t.Errorf("left after delete-unit-tests: %v", left)
	}
}
