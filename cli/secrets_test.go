package cli

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/internal/testfs"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
	"github.com/shiftleft-dev/shiftleft/deployers/flink/flinktest"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// Canary credentials: if any of these (or the Basic credentials built from
// them) shows up anywhere, a secret leaked.
const (
	canaryFlinkKey    = "CANARYKEYFLINK5F3B"
	canaryFlinkSecret = "canary-5f3b-flink-secret-0d9e"
	canaryCloudKey    = "CANARYKEYCLOUD5F3B"
	canaryCloudSecret = "canary-5f3b-cloud-secret-77a1"
	wrongFlinkSecret  = "canary-5f3b-wrong-flink-31c2"
	wrongCloudSecret  = "canary-5f3b-wrong-cloud-9b4e"
)

func secretCanaries() []string {
	out := []string{"canary-5f3b", canaryFlinkKey, canaryCloudKey}
	for _, key := range []string{canaryFlinkKey, canaryCloudKey} {
		for _, sec := range []string{canaryFlinkSecret, canaryCloudSecret, wrongFlinkSecret, wrongCloudSecret} {
			b := base64.StdEncoding.EncodeToString([]byte(key + ":" + sec))
			out = append(out, b, b[:len(b)/2])
		}
	}
	return out
}

// leafCommands lists every runnable command of the app as its path
// ("pipeline deploy"), with the command for its flags.
func leafCommands(cmds []*ucli.Command, prefix string, out map[string]*ucli.Command) {
	for _, c := range cmds {
		if c.Name == "help" {
			continue
		}
		p := strings.TrimSpace(prefix + " " + c.Name)
		if len(c.Subcommands) == 0 {
			out[p] = c
			continue
		}
		leafCommands(c.Subcommands, p, out)
	}
}

func hasFlag(c *ucli.Command, name string) bool {
	for _, f := range c.Flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

// TestCanarySecretsNeverLeak runs every command of `shiftleft --help`
// (typical and failing arguments, --verbose where it exists) with canary
// API keys and secrets in config.yaml and the SL_* variables, against a
// healthy stand-in, a stand-in refusing the credentials, one answering 503,
// and one failing every DML, all echoing the Authorization header in
// error bodies; the canaries must never reach stdout, stderr (logs
// included), plan files or anything written under the project.
func TestCanarySecretsNeverLeak(t *testing.T) {
	typical := map[string][][]string{
		"pipeline build-all-metadata":        {{}},
		"pipeline build-execution-plan":      {{"--select", "product:saleops", "--target", "confluent", "--out", "plan-confluent.json"}, {"--select", "product:saleops", "--out", "plan-local.json"}},
		"pipeline delete-all-metadata":       {{}},
		"pipeline deploy":                    {{"--target", "confluent", "--plan", "plan-confluent.json"}, {"--target", "confluent", "--select", "product:saleops"}, {"--select", "product:saleops"}, {"--target", "confluent", "--select", "product:c360", "--dry-run", "--out", "plan-dry.json"}},
		"pipeline graph":                     {{}},
		"pipeline healthcheck":               {{"--target", "confluent"}, {"--select", "product:saleops"}},
		"pipeline impact":                    {{"--select", "product:saleops"}},
		"pipeline report":                    {{"saleops_fct_revenue"}},
		"pipeline report-running-statements": {{"--target", "confluent"}},
		"pipeline undeploy":                  {{"--target", "confluent", "--select", "product:saleops", "--exclude", "external:true", "--yes"}},
		"table build-inventory":              {{}},
		"table init":                         {{"canary_t", "--layer", "facts", "--product", "saleops", "--from", "saleops_dim_product"}},
		"project force-unlock":               {{"--target", "confluent", "0000-not-a-lock"}},
		"project housekeep-statements":       {{"--status", "FAILED", "--older-than", "1d", "--yes"}},
		"project list-compute-pools":         {{}},
		"project list-modified-files":        {{"--since", "HEAD"}},
		"project validate-config":            {{"--show"}, {"--show", "--format", "json"}, {"--target", "local"}},
		"pipeline prepare":                   {{"--target", "confluent", "pipelines/sources/saleops/src_saleops_customer_history/sql-scripts/ddl.src_saleops_customer_history.sql"}},
		"pipeline validate":                  {{"--target", "confluent", "--select", "product:saleops"}},
		"table explain":                      {{"saleops_fct_revenue", "--target", "confluent"}},
		"table peek":                         {{"raw_customer_history", "--target", "confluent"}},
		"product list":                       {{}, {"--format", "json"}},
		"product describe":                   {{"c360"}},
		"product validate":                   {{}},
		"product check":                      {{"c360", "--target", "confluent"}},
		"docs generate":                      {{"--out", "catalog-out"}},
		"docs serve":                         {{"--addr", "0.0.0.0:0"}},
		"table init-unit-tests":              {{"int_c360_customer_transactions"}},
		"table run-unit-tests":               {{"saleops_fct_revenue", "--target", "confluent"}},
		"table delete-unit-tests":            {{"saleops_fct_revenue", "--target", "confluent"}},
		"pipeline test":                      {{"--select", "product:saleops", "--target", "confluent"}},
		"release plan":                       {{"--select", "saleops_dim_customer", "r1"}},
		"release start":                      {{"--select", "saleops_dim_customer", "r1"}},
		"release status":                     {{}},
		"release promote":                    {{"--force"}},
		"release rollback":                   {{}},
		"release finalize":                   {{}},
	}
	// Commands whose typical run fails here: no lock to remove, no git;
	// EXPLAIN needs the tables on the service, and undeploy (which sorts
	// before them) dropped them.
	// docs serve is refused a non-loopback address (it would serve until
	// stopped); the unit-test and quality commands need query results the
	// stand-in does not give for the tables left; the samples hold no
	// change that a release would version, so release commands refuse.
	expectedFailure := map[string]bool{"project force-unlock": true, "project list-modified-files": true,
		"pipeline validate": true, "table explain": true, "docs serve": true, "product check": true,
		"table run-unit-tests": true, "table delete-unit-tests": true, "pipeline test": true,
		"release plan": true, "release start": true, "release status": true, "release promote": true, "release rollback": true, "release finalize": true}
	leaves := map[string]*ucli.Command{}
	leafCommands(newApp(&Env{}).Commands, "", leaves)
	var names []string
	for name := range leaves {
		names = append(names, name)
		if _, ok := typical[name]; !ok {
			t.Errorf("command %q has no typical arguments in this test: add them", name)
		}
	}
	sort.Strings(names)

	modes := []struct {
		name   string
		faults confluenttest.Faults
		env    map[string]string
	}{
		{name: "healthy", env: map[string]string{"SL_FLINK_API_SECRET": canaryFlinkSecret, "SL_CONFLUENT_CLOUD_API_SECRET": canaryCloudSecret}},
		{name: "wrong secrets echoed", faults: confluenttest.Faults{EchoAuth: true},
			env: map[string]string{"SL_FLINK_API_SECRET": wrongFlinkSecret, "SL_CONFLUENT_CLOUD_API_SECRET": wrongCloudSecret}},
		{name: "503 echoing headers", faults: confluenttest.Faults{EchoAuth: true, ErrorNext: 1 << 20}},
		{name: "DML FAILED, 409s echoing headers", faults: confluenttest.Faults{EchoAuth: true, FailMatching: "dml", StalePutNext: 1 << 20}},
	}
	canaries := secretCanaries()
	check := func(t *testing.T, what, text string) {
		t.Helper()
		for _, c := range canaries {
			if strings.Contains(text, c) {
				t.Errorf("canary %q leaked in %s:\n%s", c, what, text)
			}
		}
		if i := strings.Index(text, "Basic "); i >= 0 && !strings.HasPrefix(text[i:], "Basic "+"****") {
			t.Errorf("credentials leaked in %s:\n%s", what, text)
		}
	}
	_, file, _, _ := runtime.Caller(0)
	samples := filepath.Join(filepath.Dir(filepath.Dir(file)), "flink_data_products", "pipelines")
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			srv := confluenttest.NewServer(confluenttest.Options{
				FlinkKey: canaryFlinkKey, FlinkSecret: canaryFlinkSecret, CloudKey: canaryCloudKey, CloudSecret: canaryCloudSecret,
				ExistingTables: sampleExternalTables(t, samples),
			})
			t.Cleanup(srv.Close)
			srv.SetFaults(m.faults)
			dir := t.TempDir()
			testfs.CopyTree(t, samples, filepath.Join(dir, "pipelines"))
			cfg := srv.ConfigYAML() + "    max_attempts: 2\n"
			if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"HOME": t.TempDir()}
			for k, v := range m.env {
				env[k] = v
			}
			for _, name := range names {
				cmd := leaves[name]
				var runs [][]string
				plain := map[int]bool{} // indexes of the typical runs
				for _, args := range typical[name] {
					plain[len(runs)] = true
					runs = append(runs, args, append(append([]string(nil), args...), "--no-such-flag"))
					if hasFlag(cmd, "select") {
						runs = append(runs, append(append([]string(nil), args...), "--select", "no_such_table"))
					}
					if hasFlag(cmd, "config") {
						runs = append(runs, append(append([]string(nil), args...), "--config", "missing.yaml"))
					}
				}
				runs = append(runs, []string{"--help"})
				for i, args := range runs {
					full := append(strings.Fields(name), args...)
					if hasFlag(cmd, "verbose") {
						full = append(full, "--verbose")
					}
					code, out, errs := runCLI(t, dir, env, full...)
					if code == ExitPanic {
						t.Errorf("%v: exit %d (panic):\n%s", full, code, errs)
					}
					// The typical runs against the healthy stand-in must work,
					// or this test proves little about the paths that do.
					if m.name == "healthy" && plain[i] && code != 0 && !expectedFailure[name] {
						t.Errorf("%v: exit %d\n%s%s", full, code, out, errs)
					}
					check(t, "stdout of "+strings.Join(full, " "), out)
					check(t, "stderr of "+strings.Join(full, " "), errs)
				}
			}
			for _, args := range [][]string{{"--help"}, {"--version"}, {"no-such-command"}, {"pipeline"}, {"project", "--help"}} {
				code, out, errs := runCLI(t, dir, env, args...)
				if code == ExitPanic {
					t.Errorf("%v: exit %d (panic):\n%s", args, code, errs)
				}
				check(t, "output of "+strings.Join(args, " "), out+errs)
			}
			// Everything the commands wrote: plans, state, locks, metadata.
			var written int
			err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || filepath.Base(p) == "config.yaml" {
					return err
				}
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				written++
				check(t, p, string(b))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, "plan-local.json")); err != nil {
				t.Errorf("the typical runs wrote no plan file: %v", err)
			}
			t.Logf("%d commands, %d files checked", len(names), written)
		})
	}
}

// TestWorldReadableConfigWarns: a config.yaml holding secrets that every
// user can read makes commands warn (naming the file and the fix) without
// printing the secret; mode 0600 is quiet.
func TestWorldReadableConfigWarns(t *testing.T) {
	srv := confluenttest.NewServer(confluenttest.Options{FlinkSecret: canaryFlinkSecret, CloudSecret: canaryCloudSecret})
	t.Cleanup(srv.Close)
	for _, tt := range []struct {
		mode os.FileMode
		warn bool
	}{{0o644, true}, {0o604, true}, {0o640, false}, {0o600, false}} {
		dir := t.TempDir()
		path := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(path, []byte(srv.ConfigYAML()), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, tt.mode); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"project", "validate-config"}, {"project", "list-compute-pools"}} {
			code, out, errs := runCLI(t, dir, nil, args...)
			if code != 0 {
				t.Errorf("%04o %v: exit %d\n%s", tt.mode, args, code, errs)
			}
			warned := strings.Contains(errs, "readable by every user") && strings.Contains(errs, "chmod 600 "+path)
			if warned != tt.warn {
				t.Errorf("%04o %v: warned=%v, want %v\n%s", tt.mode, args, warned, tt.warn, errs)
			}
			for _, c := range []string{canaryFlinkSecret, canaryCloudSecret} {
				if strings.Contains(out+errs, c) {
					t.Errorf("%04o %v: secret leaked", tt.mode, args)
				}
			}
		}
	}
}

func sampleExternalTables(t *testing.T, samples string) []string {
	t.Helper()
	p, err := pipeline.Scan(context.Background(), samples, pipeline.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return confluenttest.ExistingFor(p)
}

// TestNoTLSBypass: no non-test source of the repository turns TLS
// verification off.
func TestNoTLSBypass(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Dir(filepath.Dir(file))
	var files int
	err := filepath.WalkDir(repo, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && p != repo || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		if strings.Contains(string(b), "InsecureSkipVerify") {
			t.Errorf("%s mentions InsecureSkipVerify: TLS verification must never be disabled", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("only %d Go files scanned: is the walk rooted at the repository?", files)
	}
}

// TestPlainHTTPOnlyForLoopback: every remote target refuses an http://
// endpoint on a non-loopback host before sending anything, naming the key
// and the fix; loopback http is accepted (the stand-in runs there).
func TestPlainHTTPOnlyForLoopback(t *testing.T) {
	srv := confluenttest.NewServer(confluenttest.Options{})
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	testfs.CopyTree(t, filepath.Join(repoRoot(t), "flink_data_products", "pipelines"), filepath.Join(dir, "pipelines"))
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(srv.ConfigYAML()), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"confluent sql endpoint", map[string]string{"SL_FLINK_SQL_ENDPOINT": "http://flink.example.com"},
			[]string{"pipeline", "deploy", "--target", "confluent", "--select", "product:saleops"}, "plain http:// is allowed only for loopback"},
		{"confluent api endpoint", map[string]string{"SL_CONFLUENT_CLOUD_API_ENDPOINT": "http://10.0.0.8:8080"},
			[]string{"project", "list-compute-pools"}, "plain http:// is allowed only for loopback"},
		{"flink gateway", map[string]string{"SL_FLINK_GATEWAY_URL": "http://gateway.internal:8083", "SL_FLINK_JOBMANAGER_URL": "http://127.0.0.1:1"},
			[]string{"pipeline", "deploy", "--target", "flink", "--select", "product:saleops"}, "plain http:// is allowed only for loopback"},
		{"flink jobmanager", map[string]string{"SL_FLINK_GATEWAY_URL": "http://127.0.0.1:1", "SL_FLINK_JOBMANAGER_URL": "http://jm.internal:8081"},
			[]string{"pipeline", "deploy", "--target", "flink", "--select", "product:saleops"}, "SL_FLINK_JOBMANAGER_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetLog()
			code, out, errs := runCLI(t, dir, tt.env, tt.args...)
			if code == 0 || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr lacks %q:\n%s%s", code, tt.want, out, errs)
			}
			if n := len(srv.Requests()); n != 0 && strings.Contains(tt.name, "confluent") {
				t.Errorf("%d requests sent despite the refused endpoint", n)
			}
		})
	}
	// Loopback http is fine.
	if code, _, errs := runCLI(t, dir, nil, "project", "list-compute-pools"); code != 0 {
		t.Errorf("loopback stand-in refused: exit %d\n%s", code, errs)
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// Canaries of the flink target's authenticating proxy (flink_gateway.headers
// and the bearer token of flink_gateway.token_env).
const (
	canaryGatewayHeader = "canary-5f3b-gateway-header-77a1"
	canaryGatewayToken  = "canary-5f3b-gateway-token-c42e"
)

// TestCanaryFlinkGatewaySecretsNeverLeak runs the flink target against the
// stand-in over TLS (custom CA file) behind a proxy that requires a header
// and a bearer token and, when they are wrong, echoes every request header
// in its error body: the header value and the token must never reach
// stdout or stderr, --verbose logs and validate-config --show included.
func TestCanaryFlinkGatewaySecretsNeverLeak(t *testing.T) {
	srv := flinktest.NewTLS(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Proxy-Key") != canaryGatewayHeader || r.Header.Get("Authorization") != "Bearer "+canaryGatewayToken {
				var echo []string
				for k, v := range r.Header {
					echo = append(echo, k+": "+strings.Join(v, ","))
				}
				sort.Strings(echo)
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"errors":["proxy refused: ` + strings.Join(echo, "; ") + `"]}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	testfs.CopyTree(t, filepath.Join(repoRoot(t), "flink_data_products", "pipelines"), filepath.Join(dir, "pipelines"))
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Gateway.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := "flink_gateway:\n  url: " + srv.Gateway.URL + "\n  jobmanager_url: " + srv.JobManager.URL +
		"\n  ca_file: ca.pem\n  token_env: CANARY_GATEWAY_TOKEN\n  headers:\n    X-Proxy-Key: " + canaryGatewayHeader + "\n"
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	runs := []struct {
		name string
		env  map[string]string
		args []string
		ok   bool
	}{
		{"running statements with the right token", map[string]string{"CANARY_GATEWAY_TOKEN": canaryGatewayToken},
			[]string{"pipeline", "report-running-statements", "--target", "flink", "--verbose"}, true},
		{"deploy refused by the proxy", map[string]string{"CANARY_GATEWAY_TOKEN": canaryGatewayToken + "-wrong"},
			[]string{"pipeline", "deploy", "--target", "flink", "--select", "product:saleops", "--verbose"}, false},
		{"validate-config --show", map[string]string{"CANARY_GATEWAY_TOKEN": canaryGatewayToken},
			[]string{"project", "validate-config", "--show", "--format", "json"}, true},
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			code, out, errs := runCLI(t, dir, r.env, r.args...)
			if (code == 0) != r.ok {
				t.Fatalf("exit %d, want success %v:\n%s%s", code, r.ok, out, errs)
			}
			for _, c := range []string{canaryGatewayHeader, canaryGatewayToken} {
				if strings.Contains(out+errs, c) {
					t.Errorf("canary %q leaked:\n%s%s", c, out, errs)
				}
			}
		})
	}
}
