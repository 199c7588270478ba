package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/internal/testfs"

	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
)

// runCLI runs one command line in-process with a config file for the
// stand-in and returns the exit code and both streams.
func runCLI(t *testing.T, dir string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), append([]string{"shiftleft"}, args...), Env{
		Stdout: &out, Stderr: &errb, Dir: dir,
		Getenv: func(k string) string { return env[k] },
		Now:    func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
	})
	return code, out.String(), errb.String()
}

func standinDir(t *testing.T, so confluenttest.Options) (*confluenttest.Server, string) {
	t.Helper()
	srv := confluenttest.NewServer(so)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(srv.ConfigYAML()), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, dir
}

var canaries = []string{confluenttest.DefaultFlinkSecret, confluenttest.DefaultCloudSecret, confluenttest.DefaultFlinkKey,
	confluenttest.DefaultCloudKey, "CANARY"}

func assertNoCanary(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, c := range canaries {
			if strings.Contains(s, c) {
				t.Errorf("secret %q leaked:\n%s", c, s)
			}
		}
	}
}

func TestValidateConfigCommand(t *testing.T) {
	_, dir := standinDir(t, confluenttest.Options{})
	code, out, errs := runCLI(t, dir, nil, "project", "validate-config", "--target", "confluent")
	if code != 0 || !strings.Contains(out, "configuration OK for target confluent: "+filepath.Join(dir, "config.yaml")) {
		t.Errorf("valid config: code %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, dir, nil, "project", "validate-config", "--show")
	if code != 0 || !strings.Contains(out, "api_secret: '****'") || !strings.Contains(out, "environment_id: "+confluenttest.DefaultEnv) {
		t.Errorf("--show: code %d\n%s%s", code, out, errs)
	}
	assertNoCanary(t, out, errs)
	code, out, _ = runCLI(t, dir, nil, "project", "validate-config", "--show", "--format", "json")
	var rep struct {
		Problems  []any
		Effective map[string]any
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || len(rep.Problems) != 0 || rep.Effective == nil {
		t.Errorf("json: code %d err %v\n%s", code, err, out)
	}
	assertNoCanary(t, out)

	// Environment placeholders and a bad endpoint: every problem at once, exit 1.
	env := map[string]string{"SL_FLINK_API_KEY": "<TO_FILL>", "SL_FLINK_SQL_ENDPOINT": "http://flink.example.com", "SL_FLINK_DATABASE_NAME": " "}
	code, out, _ = runCLI(t, dir, env, "project", "validate-config", "--target", "confluent")
	for _, w := range []string{"2 problems", "flink.api_key: still a placeholder", "flink.sql_endpoint: plain http:// is allowed only for loopback"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if code != 1 {
		t.Errorf("exit code = %d, want 1", code)
	}
	if code, _, _ := runCLI(t, dir, nil, "project", "validate-config", "--target", "flink"); code != 1 {
		t.Errorf("flink target without url: exit %d", code)
	}
	if code, _, errs := runCLI(t, dir, nil, "project", "validate-config", "--target", "mars"); code != 2 || !strings.Contains(errs, "--target") {
		t.Errorf("bad target: exit %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, dir, nil, "project", "validate-config", "--config", "missing.yaml"); code != 1 || !strings.Contains(errs, "missing.yaml") {
		t.Errorf("missing explicit config: exit %d %s", code, errs)
	}
	// World-readable secrets: a warning on stderr, without the secret.
	p := filepath.Join(dir, "config.yaml")
	os.Chmod(p, 0o644)
	_, _, errs = runCLI(t, dir, map[string]string{"SL_CONFIG_FILE": p}, "project", "validate-config")
	if !strings.Contains(errs, "readable by every user") {
		t.Errorf("no permission warning: %s", errs)
	}
	assertNoCanary(t, errs)
}

func TestListComputePoolsCommand(t *testing.T) {
	_, dir := standinDir(t, confluenttest.Options{Pools: []confluenttest.Pool{
		{ID: "lfcp-b", Name: "dev-b", MaxCFU: 10, CurrentCFU: 3},
		{ID: "lfcp-a", Name: "dev-a", MaxCFU: 50, Phase: "PROVISIONING"},
		{ID: confluenttest.DefaultPool, Name: "default", MaxCFU: 5},
	}})
	code, out, errs := runCLI(t, dir, nil, "project", "list-compute-pools")
	want := `ID            NAME     PHASE         REGION         CFU USED/MAX
lfcp-a        dev-a    PROVISIONING  aws.us-east-1  0/50
lfcp-b        dev-b    PROVISIONED   aws.us-east-1  3/10
lfcp-standin  default  PROVISIONED   aws.us-east-1  0/5
`
	if code != 0 || out != want {
		t.Errorf("code %d, stderr %s, out:\n%s\nwant:\n%s", code, errs, out, want)
	}
	code, out, _ = runCLI(t, dir, nil, "project", "list-compute-pools", "-o", "json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil || code != 0 || len(rows) != 3 || rows[1]["current_cfu"] != float64(3) {
		t.Errorf("json: %v %s", err, out)
	}
}

func TestHousekeepStatementsCommand(t *testing.T) {
	srv, dir := standinDir(t, confluenttest.Options{})
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	srv.AddStatement("dev-usw2-ddl-old", "CREATE TABLE a (x INT);", "COMPLETED", now.Add(-10*24*time.Hour))
	srv.AddStatement("dev-usw2-dml-failed", "INSERT INTO a SELECT 1;", "FAILED", now.Add(-8*24*time.Hour))
	srv.AddStatement("dev-usw2-dml-recent", "INSERT INTO a SELECT 1;", "FAILED", now.Add(-time.Hour))
	srv.AddStatement("dev-usw2-dml-running", "INSERT INTO a SELECT 1;", "RUNNING", now.Add(-30*24*time.Hour))
	srv.AddStatement("other-failed", "INSERT INTO a SELECT 1;", "FAILED", now.Add(-30*24*time.Hour))

	code, out, errs := runCLI(t, dir, nil, "project", "housekeep-statements", "--status", "FAILED,COMPLETED", "--older-than", "7d", "--prefix", "dev-")
	want := `NAME                 PHASE      CREATED               AGE
dev-usw2-ddl-old     COMPLETED  2026-11-15T12:00:00Z  10d
dev-usw2-dml-failed  FAILED     2026-11-17T12:00:00Z  8d
2 statements would be deleted; rerun with --yes to delete them
`
	if code != 0 || out != want {
		t.Errorf("dry run: code %d %s\n%s", code, errs, out)
	}
	if n := len(srv.StatementNames()); n != 5 {
		t.Errorf("dry run deleted statements: %d left", n)
	}
	code, out, errs = runCLI(t, dir, nil, "project", "housekeep-statements", "--status", "FAILED", "--status", "completed", "--older-than", "7d", "--prefix", "dev-", "--yes")
	if code != 0 || !strings.HasSuffix(out, "deleted 2 statements\n") {
		t.Errorf("--yes: code %d %s\n%s", code, errs, out)
	}
	got := strings.Join(srv.StatementNames(), " ")
	if got != "dev-usw2-dml-recent dev-usw2-dml-running other-failed" {
		t.Errorf("left: %s", got)
	}
	code, out, _ = runCLI(t, dir, nil, "project", "housekeep-statements", "--status", "STOPPED", "--older-than", "1d")
	if code != 0 || out != "no STOPPED statements older than 24h\n" {
		t.Errorf("nothing to do: %d %q", code, out)
	}
	for _, bad := range [][]string{{"--status", "FAILED"}, {"--older-than", "7d"}, {"--status", "RUNNING", "--older-than", "7d"}, {"--status", "FAILED", "--older-than", "soon"}} {
		if code, _, _ := runCLI(t, dir, nil, append([]string{"project", "housekeep-statements"}, bad...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
}

func TestConfluentCommandsFailureSecrets(t *testing.T) {
	srv, dir := standinDir(t, confluenttest.Options{})
	srv.SetFaults(confluenttest.Faults{EchoAuth: true})
	env := map[string]string{"SL_FLINK_API_SECRET": "wrong-CANARY-flink", "SL_CONFLUENT_CLOUD_API_SECRET": "wrong-CANARY-cloud"}
	for _, args := range [][]string{
		{"project", "list-compute-pools", "--verbose"},
		{"project", "housekeep-statements", "--status", "FAILED", "--older-than", "1d", "--verbose"},
		{"project", "validate-config", "--show"},
		{"project", "validate-config", "--show", "-o", "json"},
	} {
		code, out, errs := runCLI(t, dir, env, args...)
		if strings.HasPrefix(args[1], "list") || strings.HasPrefix(args[1], "house") {
			if code != 1 || !strings.Contains(errs, "HTTP 401") || !strings.Contains(errs, "check ") {
				t.Errorf("%v: exit %d\n%s", args, code, errs)
			}
		}
		assertNoCanary(t, out, errs)
	}
}

func TestConfluentCommandsReportRetries(t *testing.T) {
	srv, dir := standinDir(t, confluenttest.Options{})
	srv.SetFaults(confluenttest.Faults{RateLimitNext: 2, RetryAfter: "0"})
	code, _, errs := runCLI(t, dir, nil, "project", "list-compute-pools")
	if code != 0 || !strings.Contains(errs, "note: 2 HTTP requests retried") {
		t.Errorf("code %d stderr %q", code, errs)
	}
}

func TestParseAge(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7d", 7 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"36h", 36 * time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{"soon", 0, false},
		{"-1d", 0, false},
		{"d", 0, false},
	}
	for _, tt := range tests {
		got, err := parseAge(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseAge(%q) = %v, %v", tt.in, got, err)
		}
	}
}

// TestDeployTableProperties: sql-scripts/dml.<table>.properties reach the
// statement's spec.properties, merged with the configured catalog and
// database; a malformed file stops the deploy before anything runs.
func TestDeployTableProperties(t *testing.T) {
	srv, dir := standinDir(t, confluenttest.Options{ExistingTables: []string{
		confluenttest.DefaultCatalog + "." + confluenttest.DefaultDatabase + ".raw_sales_transactions",
		confluenttest.DefaultCatalog + "." + confluenttest.DefaultDatabase + ".raw_customer_history",
		confluenttest.DefaultCatalog + "." + confluenttest.DefaultDatabase + ".raw_product_catalog",
	}})
	testfs.CopyTree(t, testfs.SamplesDir(), filepath.Join(dir, "pipelines"))
	scripts := filepath.Join(dir, "pipelines", "dimensions", "saleops", "saleops_dim_time", "sql-scripts")
	props := filepath.Join(scripts, "dml.saleops_dim_time.properties")
	if err := os.WriteFile(props, []byte("# keep state a day\nsql.state-ttl = 1 d\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(scripts, "ddl.saleops_dim_time.properties")
	if err := os.WriteFile(bad, []byte("ok=1\nk=\\uZZ\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, dir, nil, "pipeline", "deploy", "--target", "confluent", "--select", "product:saleops")
	if code != 1 || !strings.Contains(errs, bad+":2: value of k: malformed") {
		t.Fatalf("malformed properties: exit %d\n%s", code, errs)
	}
	if n := len(srv.StatementNames()); n != 0 {
		t.Fatalf("%d statements submitted despite the malformed file", n)
	}
	os.Remove(bad)
	code, out, errs := runCLI(t, dir, nil, "pipeline", "deploy", "--target", "confluent", "--select", "product:saleops")
	if code != 0 {
		t.Fatalf("deploy: exit %d\n%s%s", code, out, errs)
	}
	found := false
	for _, r := range srv.Requests() {
		if r.Method != "POST" || !strings.Contains(r.Body, `"name":"dev-use1-saleops-dml-saleops-dim-time"`) {
			continue
		}
		var body struct {
			Spec struct{ Properties map[string]string }
		}
		json.Unmarshal([]byte(r.Body), &body)
		want := map[string]string{"sql.state-ttl": "1 d", "sql.current-catalog": confluenttest.DefaultCatalog, "sql.current-database": confluenttest.DefaultDatabase}
		if !reflect.DeepEqual(body.Spec.Properties, want) {
			t.Errorf("properties = %v, want %v", body.Spec.Properties, want)
		}
		found = true
	}
	if !found {
		t.Error("the DML of saleops_dim_time was not submitted")
	}
}

// TestConfluentDeployCreatesTableOfFailedDML: a DML left FAILED because its
// own table did not exist (it ran before its DDL) does not make the table
// count as existing: the plan creates it and the deploy succeeds, where
// starting the DML alone would fail again.
func TestConfluentDeployCreatesTableOfFailedDML(t *testing.T) {
	srv, dir := standinDir(t, confluenttest.Options{ExistingTables: []string{
		confluenttest.DefaultCatalog + "." + confluenttest.DefaultDatabase + ".raw_product_catalog",
	}})
	testfs.CopyTree(t, testfs.SamplesDir(), filepath.Join(dir, "pipelines"))
	dml, err := os.ReadFile(filepath.Join(dir, "pipelines", "sources", "saleops", "src_saleops_product_catalog", "sql-scripts", "dml.src_saleops_product_catalog.sql"))
	if err != nil {
		t.Fatal(err)
	}
	const name = "dev-use1-saleops-dml-src-saleops-product-catalog"
	srv.AddStatement(name, string(dml), "PENDING", time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC))

	sel := []string{"--target", "confluent", "--select", "src_saleops_product_catalog"}
	// The stand-in runs the statement on this first read: it fails.
	code, out, errs := runCLI(t, dir, nil, append([]string{"pipeline", "report-running-statements"}, sel...)...)
	if code != 0 || !strings.Contains(out, "PENDING") {
		t.Fatalf("report: exit %d, want the pending DML\n%s%s", code, out, errs)
	}
	if phase, _ := srv.StatementPhase(name); phase != "FAILED" {
		t.Fatalf("the DML is %s, want FAILED for want of its table", phase)
	}
	code, out, errs = runCLI(t, dir, nil, append([]string{"pipeline", "build-execution-plan"}, sel...)...)
	if code != 0 || !regexp.MustCompile(`(?m)^  \+  src_saleops_product_catalog .* table does not exist$`).MatchString(out) {
		t.Fatalf("plan: exit %d, want the table created\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, dir, nil, append([]string{"pipeline", "deploy"}, sel...)...)
	if code != 0 || !strings.Contains(out, "1 succeeded, 0 failed") {
		t.Fatalf("deploy: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, dir, nil, append([]string{"pipeline", "deploy", "--detailed-exitcode"}, sel...)...)
	if code != 0 || !strings.Contains(out, "No changes") {
		t.Fatalf("rerun: exit %d, want nothing to do\n%s%s", code, out, errs)
	}
}

// TestConfluentDDLOnlyTableRerunPlansNothing: a table without DML keeps its
// DDL statement on Confluent Cloud (the only sign there that it exists), so
// a rerun plans nothing for it and a changed DDL recreates it.
func TestConfluentDDLOnlyTableRerunPlansNothing(t *testing.T) {
	srv, dir := standinDir(t, confluenttest.Options{})
	ddl := "CREATE TABLE IF NOT EXISTS seed_regions (id STRING NOT NULL, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('changelog.mode' = 'upsert');\n"
	path := filepath.Join(dir, "pipelines", "seeds", "seed_regions", "sql-scripts", "ddl.seed_regions.sql")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(ddl), 0o644); err != nil {
		t.Fatal(err)
	}
	sel := []string{"--target", "confluent", "--select", "seed_regions"}
	code, out, errs := runCLI(t, dir, nil, append([]string{"pipeline", "deploy"}, sel...)...)
	if code != 0 || !strings.Contains(out, "1 succeeded, 0 failed") {
		t.Fatalf("deploy: exit %d\n%s%s", code, out, errs)
	}
	if names := srv.StatementNames(); !reflect.DeepEqual(names, []string{"dev-use1-ddl-seed-regions"}) {
		t.Errorf("statements %v, want the DDL kept", names)
	}
	code, out, errs = runCLI(t, dir, nil, append([]string{"pipeline", "deploy", "--detailed-exitcode"}, sel...)...)
	if code != 0 || !strings.Contains(out, "No changes") {
		t.Fatalf("rerun: exit %d, want nothing to do\n%s%s", code, out, errs)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(ddl, "name STRING", "name STRING, region STRING", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCLI(t, dir, nil, append([]string{"pipeline", "build-execution-plan"}, sel...)...)
	if code != 0 || !regexp.MustCompile(`(?m)^  -/\+  seed_regions .* ddl differs from the deployed one`).MatchString(out) {
		t.Fatalf("changed DDL: exit %d\n%s%s", code, out, errs)
	}
}

// TestHousekeepKeepsDDLRecords: the DDL statement of a table without DML is
// its only trace on Confluent Cloud: housekeeping keeps it, and says so.
func TestHousekeepKeepsDDLRecords(t *testing.T) {
	srv, dir := standinDir(t, confluenttest.Options{})
	path := filepath.Join(dir, "pipelines", "seeds", "seed_regions", "sql-scripts", "ddl.seed_regions.sql")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("CREATE TABLE IF NOT EXISTS seed_regions (id STRING);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	srv.AddStatement("dev-use1-ddl-seed-regions", "CREATE TABLE IF NOT EXISTS seed_regions (id STRING);", "COMPLETED", old)
	srv.AddStatement("dev-use1-ddl-gone", "CREATE TABLE gone (id STRING);", "COMPLETED", old)
	code, out, errs := runCLI(t, dir, nil, "project", "housekeep-statements", "--status", "COMPLETED", "--older-than", "7d", "--yes")
	if code != 0 || !strings.Contains(out, "kept 1 statement: the DDL of tables without DML") || !strings.Contains(out, "deleted 1 statement") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if got := srv.StatementNames(); !reflect.DeepEqual(got, []string{"dev-use1-ddl-seed-regions"}) {
		t.Errorf("left %v", got)
	}
}
