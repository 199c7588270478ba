package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestFlinkGatewayKeys(t *testing.T) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, []byte("pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		yaml     string
		env      map[string]string
		problems []string // substrings, in order
		insecure []string
		token    string
	}{
		{name: "http to a cluster host refused",
			yaml:     "flink_gateway:\n  url: http://gw.flink.svc:8083\n  jobmanager_url: https://jm:8081\n",
			problems: []string{"flink_gateway.url: plain http:// is allowed only for loopback"},
			insecure: []string{"http://gw.flink.svc:8083"}},
		{name: "http allowed with allow_insecure_http",
			yaml:     "flink_gateway:\n  url: http://gw.flink.svc:8083\n  jobmanager_url: http://jm.flink.svc:8081\n  allow_insecure_http: true\n",
			insecure: []string{"http://gw.flink.svc:8083", "http://jm.flink.svc:8081"}},
		{name: "ca file relative to the config, headers, default token variable",
			yaml:  "flink_gateway:\n  url: https://gw:8443\n  jobmanager_url: https://jm:8443\n  ca_file: ca.pem\n  headers:\n    X-Proxy-Key: abc\n",
			env:   map[string]string{"SL_FLINK_GATEWAY_TOKEN": "tok-1234"},
			token: "tok-1234"},
		{name: "missing ca file, bad header name, token from a named variable",
			yaml:     "flink_gateway:\n  url: https://gw:8443\n  jobmanager_url: https://jm:8443\n  ca_file: nope.pem\n  token_env: MY_TOKEN\n  headers:\n    \"Bad Header\": x\n",
			env:      map[string]string{"MY_TOKEN": "tok-5678", "SL_FLINK_GATEWAY_TOKEN": "other"},
			problems: []string{"flink_gateway.ca_file: cannot read", `flink_gateway.headers: "Bad Header" is not a valid HTTP header name`},
			token:    "tok-5678"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "config.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(path, MapEnv(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			ps := cfg.Validate(TargetFlink)
			if len(ps) != len(tc.problems) {
				t.Fatalf("problems = %v, want %d", ps, len(tc.problems))
			}
			for i, p := range ps {
				if !strings.Contains(p.String(), tc.problems[i]) {
					t.Errorf("problem %d = %q, want %q", i, p.String(), tc.problems[i])
				}
			}
			if got := cfg.InsecureFlinkURLs(); !reflect.DeepEqual(got, tc.insecure) {
				t.Errorf("InsecureFlinkURLs = %q, want %q", got, tc.insecure)
			}
			if got := cfg.FlinkGateway.Token.Reveal(); got != tc.token {
				t.Errorf("token = %q, want %q", got, tc.token)
			}
			if cfg.FlinkGateway.CAFile == "ca.pem" && cfg.FlinkCAFile() != ca {
				t.Errorf("FlinkCAFile = %q, want %q", cfg.FlinkCAFile(), ca)
			}
		})
	}
}

func TestRedactorMasksGatewaySecrets(t *testing.T) {
	cfg, err := Parse([]byte("flink_gateway:\n  headers:\n    X-Proxy-Key: header-secret-99\n"), "c.yaml", MapEnv(map[string]string{"SL_FLINK_GATEWAY_TOKEN": "token-secret-77"}))
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.Redactor().Redact("sent header-secret-99 and token-secret-77")
	if strings.Contains(got, "secret-99") || strings.Contains(got, "secret-77") {
		t.Errorf("Redact = %q", got)
	}
}
