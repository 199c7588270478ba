package workspace_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers/confluent"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
	"github.com/shiftleft-dev/shiftleft/deployers/flink/flinktest"
	"github.com/shiftleft-dev/shiftleft/executor"
	"github.com/shiftleft-dev/shiftleft/quality"
	"github.com/shiftleft-dev/shiftleft/selector"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// qualityProject has product q with two ports: q_port (upsert-kafka) and
// q_absent, which is never deployed, and a table of product other.
func qualityProject(t *testing.T) string {
	return sqlProject(t, map[string]string{
		"facts/q/q_port/sql-scripts/ddl.q_port.sql":     "CREATE TABLE q_port (\n  id STRING,\n  tier STRING,\n  PRIMARY KEY (id) NOT ENFORCED\n) WITH ('connector' = 'upsert-kafka', 'key.format' = 'json', 'value.format' = 'json')",
		"facts/q/q_absent/sql-scripts/ddl.q_absent.sql": "CREATE TABLE q_absent (id STRING)",
		"facts/other/o_t/sql-scripts/ddl.o_t.sql":       "CREATE TABLE o_t (id STRING)",
		"products/q.yaml": `product: q
id: test.quality.Q
owner: {team: quality}
output_ports:
  - table: q_port
    quality:
      - not_null: [id, tier]
      - accepted_values: {column: tier, values: [Gold]}
      - expression: "tier <> ''"
  - table: q_absent
    quality:
      - not_null: [id]
`,
		"products/other.yaml": "product: other\nowner: {team: x}\noutput_ports:\n  - table: o_t\n",
	})
}

// TestCheckQualityOnFlinkStandIn: the rules of a deployed port run as
// bounded queries (its topic is empty, so every rule passes with a count
// of 0; the stand-in reads SELECTs of one table, so the rules whose query
// has a subquery, unique and row_count, are left to the e2e test); the rules of a port that is not deployed are errors at their
// manifest line, and the check goes on.
func TestCheckQualityOnFlinkStandIn(t *testing.T) {
	srv := flinktest.New()
	defer srv.Close()
	root := qualityProject(t)
	ws := openOnStandin(t, root, srv, workspace.TargetFlink)
	ddl := filepath.Join(root, "facts/q/q_port/sql-scripts/ddl.q_port.sql")
	if _, err := ws.Prepare(context.Background(), workspace.PrepareRequest{Files: []string{ddl}}); err != nil {
		t.Fatal(err)
	}
	var progress []string
	rep, err := ws.CheckQuality(context.Background(), workspace.QualityRequest{Products: []string{"test.quality.Q"},
		Progress: func(r quality.Result) { progress = append(progress, r.Kind) }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Target != "flink" || rep.Environment != "dev" || len(rep.Results) != 4 || len(progress) != 4 {
		t.Fatalf("report %+v (progress %v), want 4 results on flink dev", rep, progress)
	}
	for _, r := range rep.Results[:3] {
		if r.Status != quality.StatusPass || r.Count != 0 || r.File != "pipelines/products/q.yaml" || r.Line == 0 {
			t.Errorf("%s: %s count %d at %s, want a pass with 0 at its manifest line", r.Description, r.Status, r.Count, r.Where())
		}
		if !strings.Contains(r.SQL, "FROM `q_port` "+quality.BoundedHint) {
			t.Errorf("%s: the scan of the upsert-kafka port is not bounded:\n%s", r.Description, r.SQL)
		}
	}
	absent := rep.Results[3]
	if absent.Status != quality.StatusError || absent.Where() != "pipelines/products/q.yaml:12" || !strings.Contains(absent.Message, "q_absent is not deployed on flink environment dev") {
		t.Errorf("undeployed port: %s at %s: %s", absent.Status, absent.Where(), absent.Message)
	}
	if rep.Passed != 3 || rep.Errors != 1 || rep.OK() {
		t.Errorf("tally %d passed, %d failed, %d errors, want 3, 0, 1", rep.Passed, rep.Failed, rep.Errors)
	}
	qe := (&workspace.QualityError{Report: rep}).Error()
	if !strings.Contains(qe, "pipelines/products/q.yaml:12: error of q_absent, not_null: id") {
		t.Errorf("QualityError does not name the rule at its line:\n%s", qe)
	}
}

func TestCheckQualityRefusals(t *testing.T) {
	root := qualityProject(t)
	ws := openOnStandin(t, root, nil, workspace.TargetLocal)
	_, err := ws.CheckQuality(context.Background(), workspace.QualityRequest{Products: []string{"q"}})
	var ue *workspace.UnsupportedError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "local target keeps no data") || !strings.Contains(err.Error(), "--target flink") {
		t.Errorf("local target: %v, want an UnsupportedError pointing to --target flink", err)
	}
	_, err = ws.CheckQuality(context.Background(), workspace.QualityRequest{Products: []string{"nope"}})
	var re *workspace.RequestError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "test.quality.Q (q)") {
		t.Errorf("unknown product: %v, want a RequestError listing the products", err)
	}
	if _, err = ws.CheckQuality(context.Background(), workspace.QualityRequest{}); !errors.As(err, &re) {
		t.Errorf("no product: %v, want a RequestError", err)
	}
}

// TestProductsTouched: the products with quality rules whose tables a
// deploy changed successfully.
func TestProductsTouched(t *testing.T) {
	ws := openOnStandin(t, qualityProject(t), nil, workspace.TargetLocal)
	for _, tc := range []struct {
		steps []executor.StepResult
		want  string
	}{
		{[]executor.StepResult{{Table: "q_absent", Status: executor.StatusSucceeded}}, "q"},
		{[]executor.StepResult{{Table: "q_absent", Status: executor.StatusFailed}}, ""},
		// other declares a port without rules: nothing to check.
		{[]executor.StepResult{{Table: "o_t", Status: executor.StatusSucceeded}}, ""},
		{[]executor.StepResult{{Table: "o_t", Status: executor.StatusSucceeded}, {Table: "q_port", Status: executor.StatusSucceeded}}, "q"},
	} {
		got, err := ws.ProductsTouched(context.Background(), &workspace.DeployResult{Result: &executor.Result{Steps: tc.steps}})
		if err != nil || strings.Join(got, ",") != tc.want {
			t.Errorf("steps %+v: %v, %v; want %q", tc.steps, got, err, tc.want)
		}
	}
}

// confluentQualityFiles: product q with a port holding a planted
// violation of each rule kind (and a rule the engine refuses), and a
// clean port; load.sql fills both.
func confluentQualityFiles() map[string]string {
	return map[string]string{
		"facts/q/q_port/sql-scripts/ddl.q_port.sql":   "CREATE TABLE q_port (\n  id STRING,\n  tier STRING,\n  spent INT,\n  PRIMARY KEY (id) NOT ENFORCED\n)",
		"facts/q/q_clean/sql-scripts/ddl.q_clean.sql": "CREATE TABLE q_clean (\n  id STRING,\n  tier STRING,\n  spent INT\n)",
		"products/q.yaml": `product: q
id: test.quality.Q
owner: {team: quality}
output_ports:
  - table: q_port
    quality:
      - not_null: [id]
      - unique: [tier]
      - accepted_values: {column: tier, values: [Gold, Silver]}
      - row_count: {max: 3}
      - expression: "spent >= 0"
      - expression: "bogus > 0"
  - table: q_clean
    quality:
      - not_null: [id, tier]
      - unique: [id]
      - accepted_values: {column: tier, values: [Gold, Silver]}
      - row_count: {min: 2, max: 2}
      - expression: "spent >= 0"
`,
	}
}

const confluentQualityLoad = `INSERT INTO q_port VALUES ('a', 'Gold', 10), ('b', 'Gold', -5), (NULL, 'Tin', 1);
-- an upsert: c's first row is replaced
INSERT INTO q_port VALUES ('c', 'Gold', -1);
INSERT INTO q_port VALUES ('c', 'Silver', 2);
INSERT INTO q_clean VALUES ('x', 'Gold', 0), ('y', 'Silver', 3);
`

// TestCheckQualityOnConfluentStandIn: on the confluent target each rule's
// queries run as snapshot queries through the statement results API: a
// planted violation of each kind fails with its count and sample rows, a
// clean port passes, and a query the engine refuses is an error at the
// rule's manifest line; no reading statement is left.
func TestCheckQualityOnConfluentStandIn(t *testing.T) {
	srv := confluenttest.NewServer(confluenttest.Options{})
	t.Cleanup(srv.Close)
	tg, err := confluent.New(srv.Config(), confluent.Options{Version: "test", PollInitial: time.Millisecond, PollMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	root := sqlProject(t, confluentQualityFiles())
	lock := filepath.Join(t.TempDir(), "lock")
	ws := openWorkspace(t, workspace.Options{
		PipelinesDir: root, KeepSQL: true, Target: workspace.TargetOptions{Environment: "dev"},
		OpenTarget: func(context.Context, *workspace.Workspace) (*workspace.Target, error) {
			return &workspace.Target{Target: tg, LockPath: lock}, nil
		},
	})
	ctx := context.Background()
	sel := workspace.Selection{Selection: selector.Selection{Select: []string{"q_port", "q_clean"}, Root: root}}
	if _, err := ws.Deploy(ctx, workspace.DeployRequest{Selection: sel}); err != nil {
		t.Fatal(err)
	}
	load := filepath.Join(t.TempDir(), "load.sql")
	if err := os.WriteFile(load, []byte(confluentQualityLoad), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ws.Prepare(ctx, workspace.PrepareRequest{Files: []string{load}}); err != nil {
		t.Fatal(err)
	}
	before := len(srv.StatementNames())
	rep, err := ws.CheckQuality(ctx, workspace.QualityRequest{Products: []string{"q"}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Target != "confluent" || len(rep.Results) != 11 {
		t.Fatalf("report on %s with %d results, want 11 on confluent", rep.Target, len(rep.Results))
	}
	sample := func(r quality.Result) string {
		if r.Sample == nil {
			return ""
		}
		b, _ := json.Marshal(r.Sample)
		return string(b)
	}
	for i, want := range []struct {
		status        string
		count         int64
		message, rows string
	}{
		{quality.StatusFail, 1, "1 row with a NULL (id 1)", `{"columns":["id","tier","spent"],"rows":[[null,"Tin","1"]]}`},
		{quality.StatusFail, 1, "1 value of (tier) held by more than one row (2 rows)", `{"columns":["tier","duplicate_rows"],"rows":[["Gold","2"]]}`},
		{quality.StatusFail, 1, "1 row with tier not in (Gold, Silver)", `{"columns":["id","tier","spent"],"rows":[[null,"Tin","1"]]}`},
		{quality.StatusFail, 4, "4 rows, more than the maximum 3", ""},
		{quality.StatusFail, 1, "1 row where it is false or NULL", `{"columns":["id","tier","spent"],"rows":[["b","Gold","-5"]]}`},
		{quality.StatusError, 0, "pipelines/products/q.yaml:12: the engine refused the rule's query: SQL validation failed. From line 4, column 1 to line 4, column 5: Column 'bogus' not found in any table", ""},
	} {
		r := rep.Results[i]
		if r.Table != "q_port" || r.Status != want.status || r.Count != want.count || !strings.Contains(r.Message, want.message) || sample(r) != want.rows {
			t.Errorf("%s at %s: %s, count %d, %q, sample %s;\nwant %s, count %d, %q, sample %s", r.Description, r.Where(), r.Status, r.Count, r.Message, sample(r), want.status, want.count, want.message, want.rows)
		}
	}
	for _, r := range rep.Results[6:] {
		if r.Table != "q_clean" || r.Status != quality.StatusPass {
			t.Errorf("clean port: %s of %s: %s (%s)", r.Description, r.Table, r.Status, r.Message)
		}
	}
	if rep.Passed != 5 || rep.Failed != 5 || rep.Errors != 1 {
		t.Errorf("tally %d passed, %d failed, %d errors, want 5, 5, 1", rep.Passed, rep.Failed, rep.Errors)
	}
	if after := len(srv.StatementNames()); after != before {
		t.Errorf("statements %d before the check, %d after: the reads were not deleted (%v)", before, after, srv.StatementNames())
	}
}
