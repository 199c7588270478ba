package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestResolvePath(t *testing.T) {
	tests := []struct {
		name     string
		explicit string
		env      map[string]string
		want     string
		required bool
	}{
		{"default", "", nil, "config.yaml", false},
		{"flag wins", "a.yaml", map[string]string{"SL_CONFIG_FILE": "b.yaml", "CONFIG_FILE": "c.yaml"}, "a.yaml", true},
		{"SL_CONFIG_FILE before CONFIG_FILE", "", map[string]string{"SL_CONFIG_FILE": "b.yaml", "CONFIG_FILE": "c.yaml"}, "b.yaml", true},
		{"CONFIG_FILE", "", map[string]string{"CONFIG_FILE": "c.yaml"}, "c.yaml", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, req := ResolvePath(tt.explicit, MapEnv(tt.env))
			if got != tt.want || req != tt.required {
				t.Errorf("ResolvePath = %q, %v; want %q, %v", got, req, tt.want, tt.required)
			}
		})
	}
}

func TestLoadFull(t *testing.T) {
	cfg, err := Load("testdata/full.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"org", cfg.ConfluentCloud.OrganizationID, "7c60d51f-b44e-4682-87d6-449835ea4de6"},
		{"provider lower-cased", cfg.ConfluentCloud.CloudProvider, "aws"},
		{"page size", cfg.ConfluentCloud.PageSize, 50},
		{"endpoint alias", cfg.Flink.SQLEndpoint, "https://flink.pr1jy6.us-east-2.aws.confluent.cloud"},
		{"sql endpoint", cfg.SQLEndpoint(), "https://flink.pr1jy6.us-east-2.aws.confluent.cloud"},
		{"control plane default", cfg.ControlPlaneEndpoint(), DefaultControlPlane},
		{"max cfu", cfg.Flink.MaxCFU, 20},
		{"percent", cfg.Flink.MaxCFUPercentBeforeAllocation, 0.7},
		{"poll default", cfg.Flink.PollTimer, DefaultPollTimer},
		{"bootstrap", cfg.Kafka.BootstrapServers, "pkc-1.us-west-2.aws.confluent.cloud:9092"},
		{"cluster type", cfg.Kafka.ClusterType, "stage"},
		{"products", cfg.App.AcceptedCommonProducts, []string{"common"}},
		{"naming", cfg.App.Naming, "{prefix}-{kind}-{table}"},
		{"state dir", cfg.Targets.Local.StateDir, ".shiftleft"},
		{"flink url from gateway", cfg.Targets.Flink.URL, "http://127.0.0.1:8083"},
		{"jm url from gateway", cfg.Targets.Flink.JobManagerURL, "http://127.0.0.1:8081"},
		{"table options", cfg.Targets.Flink.TableOptions, map[string]string{"connector": "upsert-kafka", "key.format": "json"}},
		{"remove options", cfg.Targets.Flink.RemoveOptions, []string{"kafka.*", "*.avro-registry.*"}},
		{"flink secret", cfg.Flink.APISecret.Reveal(), "flink-secret-canary-0002"},
		{"prefix uses cloud_region", cfg.StatementPrefix(), "stage-use1"},
		{"path", cfg.Path, "testdata/full.yaml"},
		{"confluent tuning", cfg.Targets.Confluent, ConfluentTarget{PollInitial: "300ms", PollMax: "5s", RequestTimeout: "20s", MaxAttempts: 4}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	if ps := cfg.Validate(TargetConfluent); len(ps) != 0 {
		t.Errorf("Validate(confluent) = %v, want none", ps)
	}
}

func TestEnvOverrides(t *testing.T) {
	env := map[string]string{
		"SL_CLOUD_ORGANIZATION_ID":        "org-env",
		"SL_FLINK_ENV_ID":                 "env-env",
		"SL_CLOUD_PROVIDER":               "GCP",
		"SL_CLOUD_REGION":                 "europe-west1",
		"SL_CONFLUENT_CLOUD_API_KEY":      "ck-env",
		"SL_CONFLUENT_CLOUD_API_SECRET":   "cs-env",
		"SL_CONFLUENT_CLOUD_API_ENDPOINT": "http://127.0.0.1:9999",
		"SL_CONFLUENT_PRINCIPAL_ID":       "sa-env",
		"SL_FLINK_COMPUTE_POOL_ID":        "lfcp-env",
		"SL_FLINK_ENV_NAME":               "cat-env",
		"SL_FLINK_DATABASE_NAME":          "db-env",
		"SL_FLINK_API_KEY":                "fk-env",
		"SL_FLINK_API_SECRET":             "fs-env",
		"SL_FLINK_SQL_ENDPOINT":           "http://localhost:8888/",
		"SL_FLINK_GATEWAY_URL":            "http://127.0.0.1:1",
		"SL_FLINK_JOBMANAGER_URL":         "http://127.0.0.1:2",
		"SL_KAFKA_BOOTSTRAP":              "broker-env:9092",
	}
	cfg, err := Load("testdata/full.yaml", MapEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{
		cfg.ConfluentCloud.OrganizationID, cfg.ConfluentCloud.EnvironmentID, cfg.ConfluentCloud.CloudProvider,
		cfg.ConfluentCloud.CloudRegion, cfg.ConfluentCloud.APIKey.Reveal(), cfg.ConfluentCloud.APISecret.Reveal(),
		cfg.ControlPlaneEndpoint(), cfg.Flink.ComputePoolID, cfg.Flink.CatalogName, cfg.Flink.DatabaseName,
		cfg.Flink.APIKey.Reveal(), cfg.Flink.APISecret.Reveal(), cfg.SQLEndpoint(),
		cfg.FlinkGateway.URL, cfg.Targets.Flink.URL, cfg.Targets.Flink.JobManagerURL, cfg.ConfluentCloud.ServiceAccountID,
		cfg.Kafka.BootstrapServers,
	}
	want := []string{
		"org-env", "env-env", "gcp", "europe-west1", "ck-env", "cs-env", "http://127.0.0.1:9999", "lfcp-env",
		"cat-env", "db-env", "fk-env", "fs-env", "http://localhost:8888", "http://127.0.0.1:1", "http://127.0.0.1:1", "http://127.0.0.1:2", "sa-env",
		"broker-env:9092",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("overridden values:\n got %q\nwant %q", got, want)
	}
	for _, o := range envOverrides {
		if _, ok := env[o.env]; !ok {
			t.Errorf("test does not cover %s", o.env)
		}
	}
}

func TestLoadMissing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	cfg, err := Load("", MapEnv(map[string]string{"SL_FLINK_ENV_ID": "env-1"}))
	if err != nil {
		t.Fatalf("missing default file: %v", err)
	}
	if cfg.ConfluentCloud.EnvironmentID != "env-1" || cfg.Kafka.ClusterType != "dev" || cfg.Path != "" {
		t.Errorf("defaults+env config wrong: %+v", cfg)
	}
	for _, tc := range []struct {
		explicit string
		env      map[string]string
	}{{"nope.yaml", nil}, {"", map[string]string{"SL_CONFIG_FILE": "nope.yaml"}}} {
		_, err := Load(tc.explicit, MapEnv(tc.env))
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "nope.yaml") {
			t.Errorf("explicit missing file: err = %v, want ErrNotFound naming the file", err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"bad yaml", "flink: [\n", "parse config x.yaml"},
		{"wrong type", "flink:\n  max_cfu: lots\n", "x.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "x.yaml", nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := Parse(nil, "empty.yaml", nil); err != nil {
		t.Errorf("empty document: %v", err)
	}
}

func TestValidateReportsEverything(t *testing.T) {
	cfg, err := Load("testdata/placeholders.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range cfg.Validate(TargetConfluent) {
		got = append(got, p.String())
	}
	want := []string{
		"confluent_cloud.organization_id: still a placeholder (set it in config.yaml or with SL_CLOUD_ORGANIZATION_ID)",
		"confluent_cloud.cloud_provider: still a placeholder (set it, or confluent_cloud.provider, in config.yaml or with SL_CLOUD_PROVIDER)",
		"confluent_cloud.cloud_region is not set (set it, or confluent_cloud.region, in config.yaml or with SL_CLOUD_REGION)",
		"confluent_cloud.api_key: still a placeholder (set it in config.yaml or with SL_CONFLUENT_CLOUD_API_KEY)",
		"confluent_cloud.api_secret is not set (set it in config.yaml or with SL_CONFLUENT_CLOUD_API_SECRET)",
		"flink.catalog_name is not set (set it in config.yaml or with SL_FLINK_ENV_NAME)",
		"flink.database_name is not set (set it in config.yaml or with SL_FLINK_DATABASE_NAME)",
		"flink.api_key is not set (set it in config.yaml or with SL_FLINK_API_KEY)",
		"flink.api_secret is not set (set it in config.yaml or with SL_FLINK_API_SECRET)",
		"flink.sql_endpoint: plain http:// is allowed only for loopback hosts (127.0.0.1, ::1, localhost); use https:// (set it in config.yaml or with SL_FLINK_SQL_ENDPOINT)",
		"flink.max_cfu: must be one of 5, 10, 20, 30, 40, 50 (got 7)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Validate:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}

	bad := FromEnv(nil)
	bad.Targets.Confluent.PollInitial = "soon"
	bad.Targets.Confluent.RequestTimeout = "-1s"
	var durs []string
	for _, p := range bad.Validate(TargetConfluent) {
		if strings.HasPrefix(p.Key, "targets.confluent.") {
			durs = append(durs, p.Key)
		}
	}
	if strings.Join(durs, ",") != "targets.confluent.poll_initial,targets.confluent.request_timeout" {
		t.Errorf("duration problems = %v", durs)
	}

	if ps := FromEnv(nil).Validate(TargetLocal); len(ps) != 0 {
		t.Errorf("Validate(local) = %v", ps)
	}
	if ps := FromEnv(nil).Validate("mars"); len(ps) != 1 || !strings.Contains(ps[0].Message, "unknown target") {
		t.Errorf("Validate(mars) = %v", ps)
	}
}

func TestCheckBaseURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://flink.us-east-1.aws.confluent.cloud", true},
		{"https://flink.us-east-1.aws.confluent.cloud/", true},
		{"https://host:8443", true},
		{"http://127.0.0.1:8080", true},
		{"http://127.9.9.9", true},
		{"http://[::1]:80", true},
		{"http://localhost:1", true},
		{"http://LOCALHOST", true},
		{"http://10.0.0.1", false},
		{"http://example.com", false},
		{"http://127.0.0.1.example.com", false},
		{"https://host/sql/v1", false},
		{"https://host?x=1", false},
		{"https://user:pw@host", false},
		{"ftp://host", false},
		{"host:443", false},
		{"https://", false},
		{"://", false},
	}
	for _, tt := range tests {
		err := CheckBaseURL(tt.url)
		if (err == nil) != tt.ok {
			t.Errorf("CheckBaseURL(%q) = %v, want ok=%v", tt.url, err, tt.ok)
		}
	}
}

func TestWorldReadableWarning(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		mode os.FileMode
		warn bool
	}{
		{"secrets 0644", data, 0o644, true},
		{"secrets 0600", data, 0o600, false},
		{"placeholders 0644", []byte("flink:\n  api_key: <TO_FILL>\n"), 0o644, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, fmt.Sprintf("c%d.yaml", i))
			if err := os.WriteFile(p, tt.data, tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, tt.mode); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(cfg.Warnings) > 0; got != tt.warn {
				t.Errorf("warnings = %v, want warning=%v", cfg.Warnings, tt.warn)
			}
			for _, w := range cfg.Warnings {
				if strings.Contains(w, "canary") || !strings.Contains(w, "chmod 600") {
					t.Errorf("warning %q leaks a secret or lacks advice", w)
				}
			}
		})
	}
	// A secret coming from the environment is not the file's fault.
	p := filepath.Join(dir, "env.yaml")
	if err := os.WriteFile(p, []byte("kafka:\n  cluster_type: dev\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, 0o644)
	cfg, err := Load(p, MapEnv(map[string]string{"SL_FLINK_API_SECRET": "s3cr3t-value"}))
	if err != nil || len(cfg.Warnings) != 0 {
		t.Errorf("env secret: warnings=%v err=%v", cfg.Warnings, err)
	}
}

func TestSecretNeverRenders(t *testing.T) {
	const canary = "CANARY-s3cr3t-9f8e7d"
	cfg, err := Parse([]byte("flink:\n  api_secret: "+canary+"\n  api_key: KEYCANARY123\n"), "x", nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s"} {
		fmt.Fprintf(&buf, verb+"\n", cfg.Flink.APISecret)
		fmt.Fprintf(&buf, verb+"\n", cfg)
		fmt.Fprintf(&buf, verb+"\n", *cfg)
	}
	j, _ := json.Marshal(cfg)
	buf.Write(j)
	y, _ := yaml.Marshal(cfg)
	buf.Write(y)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("cfg", "secret", cfg.Flink.APISecret, "flink", cfg.Flink)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("cfg", "secret", cfg.Flink.APISecret)
	out := buf.String()
	if strings.Contains(out, canary) || strings.Contains(out, "KEYCANARY123") {
		t.Fatalf("secret leaked:\n%s", out)
	}
	if !strings.Contains(out, Mask) {
		t.Errorf("mask missing from output:\n%s", out)
	}
	if Secret("").String() != "" {
		t.Errorf("empty secret should render empty")
	}
}

func TestRedactor(t *testing.T) {
	cfg, err := Load("testdata/full.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Redactor()
	tests := []struct{ in, want string }{
		{"key FLINKKEYCANARY rejected", "key **** rejected"},
		{"secret flink-secret-canary-0002!", "secret ****!"},
		{`{"errors":[{"detail":"bad header Authorization: Basic RkxJTktLRVlDQU5BUlk6Zmxpbmstc2VjcmV0LWNhbmFyeS0wMDAy"}]}`,
			`{"errors":[{"detail":"bad header Authorization: Basic ****"}]}`},
		{"Bearer eyJhbGciOiJIUzI1NiJ9.x.y", "Bearer ****"},
		{"Basic authentication failed", "Basic authentication failed"},
		{"nothing secret here", "nothing secret here"},
	}
	for _, tt := range tests {
		if got := r.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Raw base64 without the Basic keyword is also masked.
	in := "echo: RkxJTktLRVlDQU5BUlk6Zmxpbmstc2VjcmV0LWNhbmFyeS0wMDAy"
	if got := r.Redact(in); strings.Contains(got, "RkxJTktLRVlDQU5BUlk6") {
		t.Errorf("Redact(%q) = %q", in, got)
	}
	var nilR *Redactor
	if got := nilR.Redact("Basic dXNlcjpwYXNzd29yZA=="); got != "Basic ****" {
		t.Errorf("nil redactor = %q", got)
	}
}

func TestAbbreviateRegion(t *testing.T) {
	for in, want := range map[string]string{"us-west-2": "usw2", "eu-central-1": "euc1", "ap-southeast-1": "apse1", "us-east-1": "use1"} {
		if got := AbbreviateRegion(in); got != want {
			t.Errorf("AbbreviateRegion(%q) = %q, want %q", in, got, want)
		}
	}
	if got := FromEnv(nil).StatementPrefix(); got != "dev-usw2" {
		t.Errorf("default prefix = %q", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/full.yaml", "testdata/placeholders.yaml"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("flink: {max_cfu: -1}\n"))
	f.Add([]byte("&a [*a]"))
	f.Add([]byte("confluent_cloud: {api_key: KEYKEYKEY1234, api_secret: s3cr3t-v4lue-xyz}\nflink: {api_key: FLINKKEY99, api_secret: another-s3cret}\n"))
	f.Add([]byte("kafka: [unclosed\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "fuzz.yaml", nil)
		if err != nil {
			// A config people edit: the error names the file.
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		again, err := Parse(data, "fuzz.yaml", nil)
		if err != nil || !reflect.DeepEqual(cfg, again) {
			t.Fatalf("parsing the same bytes twice differs: %v", err)
		}
		for _, target := range []string{"", TargetLocal, TargetConfluent, TargetFlink} {
			for _, p := range cfg.Validate(target) {
				if p.Key == "" || p.Message == "" {
					t.Fatalf("problem without key or message for %q: %+v", target, p)
				}
			}
		}
		_ = cfg.SQLEndpoint()
		_ = cfg.StatementPrefix()
		// Secrets never print: not in the effective configuration that
		// validate-config --show renders, nor in JSON.
		shown, err := yaml.Marshal(cfg)
		if err != nil {
			t.Fatalf("render the effective configuration: %v", err)
		}
		asJSON, err := json.Marshal(cfg)
		if err != nil {
			t.Fatalf("render as JSON: %v", err)
		}
		for _, s := range []Secret{cfg.ConfluentCloud.APIKey, cfg.ConfluentCloud.APISecret, cfg.Flink.APIKey, cfg.Flink.APISecret} {
			v := s.Reveal()
			if len(v) < 8 || strings.Contains(Mask, v) {
				continue // too short to tell from other text
			}
			if bytes.Contains(shown, []byte(v)) || bytes.Contains(asJSON, []byte(v)) || strings.Contains(fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg), v) {
				t.Fatalf("secret value %q printed", v)
			}
		}
	})
}

// TestValidateIDFormats: ids pasted into the wrong key are caught before
// any call fails.
func TestValidateIDFormats(t *testing.T) {
	tests := []struct {
		org, env, pool string
		want           []string // keys with a format problem
	}{
		{"7c60d51f-b44e-4682-87d6-449835ea4de6", "env-abc123", "lfcp-x7rgx1", nil},
		{"7C60D51F-B44E-4682-87D6-449835EA4DE6", "env-1", "lfcp-1", nil},
		{"env-abc123", "abc123", "my-pool", []string{"confluent_cloud.organization_id", "confluent_cloud.environment_id", "flink.compute_pool_id"}},
		{"7c60d51f-b44e-4682-87d6-449835ea4de", "env-a", "lfcp-a", []string{"confluent_cloud.organization_id"}},
		{"7c60d51f_b44e_4682_87d6_449835ea4de6", "env-a", "lfcp-a", []string{"confluent_cloud.organization_id"}},
		{"7c60d51f-b44e-4682-87d6-449835ea4deg", "env-a", "lfcp-a", []string{"confluent_cloud.organization_id"}},
	}
	for _, tc := range tests {
		cfg := FromEnv(nil)
		cfg.ConfluentCloud.OrganizationID, cfg.ConfluentCloud.EnvironmentID, cfg.Flink.ComputePoolID = tc.org, tc.env, tc.pool
		var got []string
		for _, p := range cfg.Validate(TargetConfluent) {
			if strings.HasPrefix(p.Message, "is not a UUID") || strings.HasPrefix(p.Message, "must start with") {
				got = append(got, p.Key)
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s / %s / %s: format problems %v, want %v", tc.org, tc.env, tc.pool, got, tc.want)
		}
	}
}

// TestValidateServiceAccount: the optional principal is checked for its
// form and for placeholders; SL_CONFLUENT_PRINCIPAL_ID sets it.
func TestValidateServiceAccount(t *testing.T) {
	tests := []struct {
		sa   string
		want string // message prefix of its problem, "" for none
	}{
		{"", ""},
		{"sa-abc123", ""},
		{"u-x1", ""},
		{"pool-7", ""},
		{"abc123", "must be a principal id"},
		{"<TO_FILL>", "still a placeholder"},
	}
	for _, tc := range tests {
		cfg := FromEnv(MapEnv(map[string]string{"SL_CONFLUENT_PRINCIPAL_ID": tc.sa}))
		var got string
		for _, p := range cfg.Validate(TargetConfluent) {
			if p.Key == "confluent_cloud.service_account_id" {
				got = p.Message
			}
		}
		if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
			t.Errorf("%q: problem %q, want %q", tc.sa, got, tc.want)
		}
		if cfg.ConfluentCloud.ServiceAccountID != tc.sa {
			t.Errorf("SL_CONFLUENT_PRINCIPAL_ID=%q not applied: %q", tc.sa, cfg.ConfluentCloud.ServiceAccountID)
		}
	}
}

// TestValidateFlinkGateway: the flink target needs both gateway URLs, each
// named by the key the user writes (flink_gateway.*) and its variable, in
// the sentence every missing key gets.
func TestValidateFlinkGateway(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want []string
	}{
		{"empty", "", nil, []string{
			"flink_gateway.url is not set (set it in config.yaml or with SL_FLINK_GATEWAY_URL)",
			"flink_gateway.jobmanager_url is not set (set it in config.yaml or with SL_FLINK_JOBMANAGER_URL)",
		}},
		{"variables", "", map[string]string{"SL_FLINK_GATEWAY_URL": "http://127.0.0.1:8083", "SL_FLINK_JOBMANAGER_URL": "http://127.0.0.1:8081"}, nil},
		{"gateway section", "flink_gateway:\n  url: http://127.0.0.1:8083\n  jobmanager_url: http://127.0.0.1:8081\n", nil, nil},
		{"targets section", "targets:\n  flink:\n    url: http://127.0.0.1:8083\n    jobmanager_url: http://10.0.0.1:8081\n", nil, []string{
			"targets.flink.jobmanager_url: plain http:// is allowed only for loopback hosts (127.0.0.1, ::1, localhost); use https://",
		}},
		{"no jobmanager", "flink_gateway:\n  url: https://gw.example.com\n", nil, []string{
			"flink_gateway.jobmanager_url is not set (set it in config.yaml or with SL_FLINK_JOBMANAGER_URL)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.yaml), "x.yaml", MapEnv(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range cfg.Validate(TargetFlink) {
				got = append(got, p.String())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate(flink):\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestValidateShiftLeftTemplate: the keys shift_left's own config template
// writes (region, provider, no compute pool) pass the confluent check.
func TestValidateShiftLeftTemplate(t *testing.T) {
	const base = `kafka:
  bootstrap.servers: pkc-1.us-west-2.aws.confluent.cloud:9092
  cluster_id: lkc-jq9kq
confluent_cloud:
  environment_id: env-abc123
  organization_id: 7c60d51f-b44e-4682-87d6-449835ea4de6
  api_key: k
  api_secret: s
flink:
  catalog_name: c
  database_name: d
  api_key: k
  api_secret: s
app:
  logging: INFO
  post_fix_unit_test: _jb
`
	tests := []struct {
		name, extra  string
		env          map[string]string
		wantProblems []string
		wantRegion   string
		wantProvider string
	}{
		{name: "template spelling", extra: "  region: us-east-2\n  provider: AWS\n", wantRegion: "us-east-2", wantProvider: "aws"},
		{name: "cloud_ keys win", extra: "  region: us-east-2\n  provider: aws\n  cloud_region: eu-west-1\n  cloud_provider: gcp\n", wantRegion: "eu-west-1", wantProvider: "gcp"},
		{name: "variable wins", extra: "  region: us-east-2\n  provider: aws\n", env: map[string]string{"SL_CLOUD_REGION": "ap-south-1"}, wantRegion: "ap-south-1", wantProvider: "aws"},
		{name: "neither", wantProblems: []string{
			"confluent_cloud.cloud_provider is not set (set it, or confluent_cloud.provider, in config.yaml or with SL_CLOUD_PROVIDER)",
			"confluent_cloud.cloud_region is not set (set it, or confluent_cloud.region, in config.yaml or with SL_CLOUD_REGION)",
		}},
		{name: "bad provider", extra: "  region: us-east-2\n  provider: ibm\n", wantRegion: "us-east-2", wantProvider: "ibm", wantProblems: []string{
			"confluent_cloud.cloud_provider: must be aws, gcp or azure (set it, or confluent_cloud.provider, in config.yaml or with SL_CLOUD_PROVIDER)",
		}},
		{name: "pool placeholder", extra: "  region: us-east-2\n  provider: aws\n", env: map[string]string{"SL_FLINK_COMPUTE_POOL_ID": "<TO_FILL>"}, wantRegion: "us-east-2", wantProvider: "aws", wantProblems: []string{
			"flink.compute_pool_id: still a placeholder (set it in config.yaml or with SL_FLINK_COMPUTE_POOL_ID)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y := strings.Replace(base, "  api_key: k\n", tt.extra+"  api_key: k\n", 1)
			cfg, err := Parse([]byte(y), "x.yaml", MapEnv(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range cfg.Validate(TargetConfluent) {
				got = append(got, p.String())
			}
			if !reflect.DeepEqual(got, tt.wantProblems) {
				t.Errorf("Validate(confluent):\n got %q\nwant %q", got, tt.wantProblems)
			}
			if cfg.ConfluentCloud.CloudRegion != tt.wantRegion || cfg.ConfluentCloud.CloudProvider != tt.wantProvider {
				t.Errorf("cloud_region, cloud_provider = %q, %q; want %q, %q", cfg.ConfluentCloud.CloudRegion, cfg.ConfluentCloud.CloudProvider, tt.wantRegion, tt.wantProvider)
			}
		})
	}
}
