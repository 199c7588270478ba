package flink_test

import (
	"context"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/flink"
	"github.com/shiftleft-dev/shiftleft/deployers/flink/flinktest"
)

const (
	proxyKey   = "proxy-canary-3e1f"
	proxyToken = "token-canary-9a7c"
)

// authProxy stands for an authenticating proxy in front of the gateway:
// it answers 401 unless the request carries the header and the token.
func authProxy(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Proxy-Key") != proxyKey || r.Header.Get("Authorization") != "Bearer "+proxyToken {
			http.Error(w, `{"errors":["proxy: authentication required"]}`, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// TestGatewayOverTLSBehindProxy runs a table's DDL and DML through the
// stand-in served over TLS behind a proxy that requires a header and a
// bearer token: it works with the CA file, the header and the token, and
// fails clearly without each.
func TestGatewayOverTLSBehindProxy(t *testing.T) {
	srv := flinktest.NewTLS(authProxy)
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Gateway.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	good := func(o *flink.Options) {
		o.CAFile = ca
		o.Headers = map[string]config.Secret{"X-Proxy-Key": proxyKey}
		o.Token = proxyToken
	}
	tests := []struct {
		name string
		mod  func(*flink.Options)
		want string // "" for success
	}{
		{"ca, header and token", good, ""},
		{"no ca file", func(o *flink.Options) { good(o); o.CAFile = "" }, "certificate"},
		{"no token", func(o *flink.Options) { good(o); o.Token = "" }, "proxy: authentication required"},
		{"no header", func(o *flink.Options) { good(o); o.Headers = nil }, "proxy: authentication required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := flink.Options{
				GatewayURL: srv.Gateway.URL, JobManagerURL: srv.JobManager.URL, Environment: "dev",
				StateFile: filepath.Join(t.TempDir(), "flink-dev.json"), PollInterval: time.Millisecond,
				TableOptions: map[string]string{"connector": "datagen"}, KeepTopics: true,
			}
			tc.mod(&opts)
			tg, err := flink.New(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close(context.Background())
			ctx := context.Background()
			_, err = tg.CreateTable(ctx, deployers.StatementRequest{Name: "dev-orders", Table: "orders", Kind: deployers.KindDDL, SQL: "CREATE TABLE orders (id INT)"})
			if err == nil {
				_, err = tg.State(ctx, []deployers.TableRef{{Table: "orders"}})
			}
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("deploy over TLS behind the proxy: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err = %v, want one with %q", err, tc.want)
			}
			if err != nil && (strings.Contains(err.Error(), proxyKey) || strings.Contains(err.Error(), proxyToken)) {
				t.Errorf("error shows a secret: %v", err)
			}
		})
	}
}

func TestInsecureHTTPNeedsOptIn(t *testing.T) {
	opts := flink.Options{GatewayURL: "http://sql-gateway.flink.svc:8083", JobManagerURL: "http://jobmanager.flink.svc:8081"}
	if _, err := flink.New(opts); !errors.Is(err, flink.ErrConfig) || !strings.Contains(err.Error(), "allow_insecure_http") {
		t.Fatalf("New = %v, want ErrConfig naming flink_gateway.allow_insecure_http", err)
	}
	opts.AllowInsecureHTTP = true
	if _, err := flink.New(opts); err != nil {
		t.Fatalf("New with AllowInsecureHTTP: %v", err)
	}
	opts.CAFile = filepath.Join(t.TempDir(), "missing.pem")
	if _, err := flink.New(opts); !errors.Is(err, flink.ErrConfig) || !strings.Contains(err.Error(), "ca_file") {
		t.Fatalf("New with a missing CA file = %v, want ErrConfig naming ca_file", err)
	}
}
