package workspace_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
	"github.com/shiftleft-dev/shiftleft/deployers/flink/flinktest"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// utFiles is a project whose table ut_clean copies ut_orders, with a suite
// of four cases: SQL and CSV inputs that pass, a validation that says FAIL
// and a validation the engine rejects at line 2.
func utFiles() map[string]string {
	validate := func(n int) string {
		return "SELECT CASE WHEN COUNT(*) = " + itoa(n) + " THEN 'PASS' ELSE 'FAIL' END AS test_result\nFROM ut_clean_ut\n"
	}
	return map[string]string{
		"facts/p/ut_clean/sql-scripts/ddl.ut_clean.sql": "CREATE TABLE ut_clean (\n  id STRING,\n  customer STRING,\n  amount INT\n)",
		"facts/p/ut_clean/sql-scripts/dml.ut_clean.sql": "INSERT INTO ut_clean\nSELECT id, customer, amount\nFROM ut_orders",
		"facts/p/ut_clean/tests/ddl_ut_orders.sql":      "CREATE TABLE ut_orders_ut (\n  id STRING,\n  customer STRING,\n  amount INT\n)",
		"facts/p/ut_clean/tests/insert_ut_orders_1.sql": "INSERT INTO ut_orders_ut VALUES\n('o1', 'c1', 10),\n('o2', 'c1', 5),\n('o3', 'c2', 15);\n",
		"facts/p/ut_clean/tests/insert_ut_orders_2.csv": "id,customer,amount\no1,c1,10\n'o2','c2',\no3,c3,NULL\n",
		"facts/p/ut_clean/tests/validate_three.sql":     validate(3),
		"facts/p/ut_clean/tests/validate_five.sql":      validate(5),
		"facts/p/ut_clean/tests/validate_bad.sql":       "SELECT CASE WHEN COUNT(*) = 3 THEN 'PASS' ELSE 'FAIL' END AS test_result\nFROM ut_clean_ut,, ut_orders_ut\n",
		"facts/p/ut_clean/tests/test_definitions.yaml": `foundations:
- table_name: ut_orders
  ddl_for_test: ./tests/ddl_ut_orders.sql
test_suite:
- name: sql_input
  inputs:
  - {table_name: ut_orders, file_name: ./tests/insert_ut_orders_1.sql, file_type: sql}
  outputs:
  - {table_name: ut_clean, file_name: ./tests/validate_three.sql}
- name: csv_input
  inputs:
  - {table_name: ut_orders, file_name: ./tests/insert_ut_orders_2.csv, file_type: csv}
  outputs:
  - {table_name: ut_clean, file_name: ./tests/validate_three.sql}
- name: wrong_expectation
  inputs:
  - {table_name: ut_orders, file_name: ./tests/insert_ut_orders_1.sql, file_type: sql}
  outputs:
  - {table_name: ut_clean, file_name: ./tests/validate_five.sql}
- name: bad_validation
  inputs:
  - {table_name: ut_orders, file_name: ./tests/insert_ut_orders_1.sql, file_type: sql}
  outputs:
  - {table_name: ut_clean, file_name: ./tests/validate_bad.sql}
`,
	}
}

func itoa(n int) string { return string(rune('0' + n)) }

// utOnStandin opens the unit-test project on the flink stand-in, with a
// state directory of its own, and closes the workspace at the end of the
// test.
func utOnStandin(t *testing.T, root string, srv *flinktest.Server, state string) *workspace.Workspace {
	t.Helper()
	env := map[string]string{"SL_FLINK_GATEWAY_URL": srv.Gateway.URL, "SL_FLINK_JOBMANAGER_URL": srv.JobManager.URL}
	ws, err := workspace.Open(context.Background(), workspace.Options{
		PipelinesDir: root, ReadConfig: true, KeepSQL: true, WorkDir: filepath.Dir(root),
		Getenv: func(k string) string { return env[k] },
		Target: workspace.TargetOptions{Name: workspace.TargetFlink, Environment: "dev", StateDir: state},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.Close(context.Background()) })
	return ws
}

// leftOnStandin is what runs left on the stand-in once ws is closed (its
// sessions with it): tables the flink target records in its state, tables
// of a session's catalog, jobs not ended.
func leftOnStandin(t *testing.T, ws *workspace.Workspace, root string, srv *flinktest.Server, state string) []string {
	t.Helper()
	if err := ws.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	var left []string
	look := utOnStandin(t, root, srv, state)
	tg, err := look.OpenTarget(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tg.Target.(deployers.TableLister).Tables() {
		left = append(left, "recorded table "+tb)
	}
	if err := look.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, tb := range srv.CatalogTables() {
		left = append(left, "catalog table "+tb)
	}
	for _, j := range srv.Jobs() {
		if j.State != "FINISHED" && j.State != "CANCELED" && j.State != "FAILED" {
			left = append(left, "job "+j.Name+" "+j.State)
		}
	}
	return left
}

// TestRunUnitTestsOnFlinkStandIn: each case's outcome (PASS, FAIL with
// the validation's and the output's rows, ERROR at the validation's
// file:line:col), one after the other and in parallel, and nothing left
// afterwards.
func TestRunUnitTestsOnFlinkStandIn(t *testing.T) {
	for _, parallel := range []int{1, 4} {
		srv := flinktest.New()
		defer srv.Close()
		root, state := sqlProject(t, utFiles()), t.TempDir()
		ws := utOnStandin(t, root, srv, state)
		res, err := ws.RunUnitTests(context.Background(), workspace.UnitTestRequest{Tables: []string{"ut_clean"}, MaxParallel: parallel, CaseTimeout: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]workspace.CaseResult{}
		for _, c := range res.Cases {
			got[c.Case] = c
		}
		for name, want := range map[string]string{"sql_input": "PASS", "csv_input": "PASS", "wrong_expectation": "FAIL", "bad_validation": "ERROR"} {
			if got[name].Result != want {
				t.Errorf("parallel %d, %s: %s (%s: %s), want %s", parallel, name, got[name].Result, got[name].Where, got[name].Error, want)
			}
		}
		if c := got["wrong_expectation"]; c.Validation == nil || len(c.Validation.Rows) != 1 || c.Validation.Rows[0].Values[0] != "FAIL" ||
			c.Output == nil || len(c.Output.Rows) != 3 || c.Where != "pipelines/facts/p/ut_clean/tests/validate_five.sql:1" {
			t.Errorf("parallel %d: a FAIL shows its validation's rows and the output's: %+v", parallel, c)
		}
		// Side by side, the test names are longer (_ut_<run id>) and the
		// engine's column counts in the renamed text: only the line holds.
		where := "pipelines/facts/p/ut_clean/tests/validate_bad.sql:2:18"
		if parallel > 1 {
			where = "pipelines/facts/p/ut_clean/tests/validate_bad.sql:2:"
		}
		if c := got["bad_validation"]; !strings.HasPrefix(c.Where, where) || !strings.Contains(c.Error, `Encountered ","`) {
			t.Errorf("parallel %d: an engine error is placed in its file: %s: %s", parallel, c.Where, c.Error)
		}
		if parallel > 1 && got["sql_input"].Suffix == got["csv_input"].Suffix {
			t.Errorf("cases side by side share the suffix %s", got["sql_input"].Suffix)
		}
		if !res.Failed() || res.Counts["PASS"] != 2 || res.Counts["FAIL"] != 1 || res.Counts["ERROR"] != 1 {
			t.Errorf("parallel %d: counts %v", parallel, res.Counts)
		}
		if left := leftOnStandin(t, ws, root, srv, state); len(left) > 0 {
			t.Errorf("parallel %d: left after the run: %v", parallel, left)
		}
	}
}

// TestRunUnitTestsEngineErrorInDML: the engine's error in the DML under
// test is an ERROR at the DML file's line and column, and the case's
// tables are removed.
func TestRunUnitTestsEngineErrorInDML(t *testing.T) {
	srv := flinktest.New()
	defer srv.Close()
	files := utFiles()
	files["facts/p/ut_clean/sql-scripts/dml.ut_clean.sql"] = "INSERT INTO ut_clean\nSELECT id, customer,, amount\nFROM ut_orders"
	root, state := sqlProject(t, files), t.TempDir()
	ws := utOnStandin(t, root, srv, state)
	res, err := ws.RunUnitTests(context.Background(), workspace.UnitTestRequest{Tables: []string{"ut_clean"}, Case: "sql_input"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Cases) != 1 {
		t.Fatalf("cases %+v", res.Cases)
	}
	c := res.Cases[0]
	if c.Result != "ERROR" || c.Where != "pipelines/facts/p/ut_clean/sql-scripts/dml.ut_clean.sql:2:21" || !strings.Contains(c.Error, `Encountered ","`) {
		t.Errorf("%s at %s: %s", c.Result, c.Where, c.Error)
	}
	if left := leftOnStandin(t, ws, root, srv, state); len(left) > 0 {
		t.Errorf("left after an error: %v", left)
	}
}

// TestRunUnitTestsCancelled: a run whose context ends in the middle
// reports the cases interrupted, returns the context's error, and still
// removes what the cases created; a new run starts clean.
func TestRunUnitTestsCancelled(t *testing.T) {
	srv := flinktest.New()
	defer srv.Close()
	root, state := sqlProject(t, utFiles()), t.TempDir()
	ws := utOnStandin(t, root, srv, state)
	ctx, cancel := context.WithCancel(context.Background())
	res, err := ws.RunUnitTests(ctx, workspace.UnitTestRequest{Tables: []string{"ut_clean"}, MaxParallel: 1,
		Progress: func(workspace.CaseResult) { cancel() }}) // Ctrl-C as the first case ends
	if err == nil || res == nil {
		t.Fatalf("a cancelled run: %v, %+v", err, res)
	}
	interrupted := 0
	for _, c := range res.Cases {
		if c.Result == "ERROR" && strings.Contains(c.Error, "interrupted") {
			interrupted++
		}
	}
	if interrupted != 3 {
		t.Errorf("%d cases interrupted, want 3: %+v", interrupted, res.Cases)
	}
	if left := leftOnStandin(t, ws, root, srv, state); len(left) > 0 {
		t.Errorf("left after Ctrl-C: %v", left)
	}
}

// TestRunUnitTestsKeepThenDelete: --keep leaves the case's tables, which
// DeleteUnitTests (and the next run) removes.
func TestRunUnitTestsKeepThenDelete(t *testing.T) {
	srv := flinktest.New()
	defer srv.Close()
	root, state := sqlProject(t, utFiles()), t.TempDir()
	ws := utOnStandin(t, root, srv, state)
	res, err := ws.RunUnitTests(context.Background(), workspace.UnitTestRequest{Tables: []string{"ut_clean"}, Case: "sql_input", Keep: true})
	if err != nil || res.Failed() {
		t.Fatalf("%v %+v", err, res)
	}
	if left := leftOnStandin(t, ws, root, srv, state); len(left) == 0 {
		t.Fatal("--keep kept nothing")
	}
	ws = utOnStandin(t, root, srv, state)
	removed, err := ws.DeleteUnitTests(context.Background(), []string{"ut_clean"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(removed, ",") != "table ut_clean_ut,table ut_orders_ut" {
		t.Errorf("removed %v", removed)
	}
	if left := leftOnStandin(t, ws, root, srv, state); len(left) > 0 {
		t.Errorf("left after delete-unit-tests: %v", left)
	}
}

// TestRunUnitTestsOnConfluentStandIn: the same suite on the Confluent
// stand-in, through its statements and results APIs: PASS, FAIL with the
// validation's rows, a FAILED statement as an ERROR with the service's
// detail at the file's line, an injected failure of the DML under test,
// and no statement or test table left afterwards.
func TestRunUnitTestsOnConfluentStandIn(t *testing.T) {
	srv := confluenttest.NewServer(confluenttest.Options{})
	t.Cleanup(srv.Close)
	tg, err := confluent.New(srv.Config(), confluent.Options{Version: "test", PollInitial: time.Millisecond, PollMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(t.TempDir(), "lock")
	ws, err := workspace.Open(context.Background(), workspace.Options{
		PipelinesDir: sqlProject(t, utFiles()), KeepSQL: true,
		OpenTarget: func(context.Context, *workspace.Workspace) (*workspace.Target, error) {
			return &workspace.Target{Target: tg, LockPath: lock}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.Close(context.Background()) })
	res, err := ws.RunUnitTests(context.Background(), workspace.UnitTestRequest{Tables: []string{"ut_clean"}, CaseTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]workspace.CaseResult{}
	for _, c := range res.Cases {
		got[c.Case] = c
	}
	for name, want := range map[string]string{"sql_input": "PASS", "csv_input": "PASS", "wrong_expectation": "FAIL", "bad_validation": "ERROR"} {
		if got[name].Result != want {
			t.Errorf("%s: %s (%s: %s), want %s", name, got[name].Result, got[name].Where, got[name].Error, want)
		}
	}
	if c := got["wrong_expectation"]; c.Validation == nil || len(c.Validation.Rows) != 1 || c.Validation.Rows[0].Values[0] != "FAIL" ||
		c.Output == nil || len(c.Output.Rows) != 3 {
		t.Errorf("a FAIL shows its validation's rows and the output's: %+v", c)
	}
	if c := got["bad_validation"]; !strings.HasPrefix(c.Where, "pipelines/facts/p/ut_clean/tests/validate_bad.sql:2") || !strings.Contains(c.Error, `Encountered ","`) {
		t.Errorf("a FAILED validation statement: %s: %s", c.Where, c.Error)
	}
	left := func() []string {
		var out []string
		for _, n := range srv.StatementNames() {
			out = append(out, "statement "+n)
		}
		for _, tb := range srv.Tables(confluenttest.DefaultCatalog, confluenttest.DefaultDatabase) {
			if strings.Contains(tb, "_ut") {
				out = append(out, "table "+tb)
			}
		}
		return out
	}
	if l := left(); len(l) > 0 {
		t.Errorf("left after the run: %v", l)
	}

	// The DML under test FAILS on the service: ERROR with its detail.
	srv.SetFaults(confluenttest.Faults{FailMatching: "sl-ut-ut-clean-ut-dml-*"})
	res, err = ws.RunUnitTests(context.Background(), workspace.UnitTestRequest{Tables: []string{"ut_clean"}, Case: "sql_input", CaseTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Cases[0]; c.Result != "ERROR" || !strings.Contains(c.Error, "injected failure of statement sl-ut-ut-clean-ut-dml") ||
		!strings.HasPrefix(c.Where, "pipelines/facts/p/ut_clean/sql-scripts/dml.ut_clean.sql:1") {
		t.Errorf("a FAILED DML: %s at %s: %s", c.Result, c.Where, c.Error)
	}
	if l := left(); len(l) > 0 {
		t.Errorf("left after a failed DML: %v", l)
	}
}
