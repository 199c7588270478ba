package confluent

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
)

const stmtPath = "/sql/v1/organizations/" + confluenttest.DefaultOrg + "/environments/" + confluenttest.DefaultEnv + "/statements"

func TestCreateStatementRequest(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, nil)
	ctx := context.Background()
	s, err := e.client.CreateStatement(ctx, CreateRequest{
		Name: "dev-usw2-dml-orders", SQL: "INSERT INTO a SELECT * FROM b;",
		Properties: map[string]string{PropCatalog: "c", PropDatabase: "d"}, ComputePool: confluenttest.DefaultPool,
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Status.Phase != "PENDING" || s.Metadata.ResourceVersion != "1" || s.Spec.Statement != "INSERT INTO a SELECT * FROM b;" {
		t.Errorf("created statement = %+v", s)
	}
	reqs := e.srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("requests = %d, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != stmtPath {
		t.Errorf("request = %s %s", r.Method, r.Path)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"name": "dev-usw2-dml-orders", "organization_id": confluenttest.DefaultOrg, "environment_id": confluenttest.DefaultEnv,
		"spec": map[string]any{
			"statement":       "INSERT INTO a SELECT * FROM b;",
			"properties":      map[string]any{"sql.current-catalog": "c", "sql.current-database": "d"},
			"compute_pool_id": confluenttest.DefaultPool, "stopped": false,
		},
	}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("body = %v\nwant %v", body, want)
	}
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(confluenttest.DefaultFlinkKey+":"+confluenttest.DefaultFlinkSecret))
	for h, v := range map[string]string{"Authorization": wantAuth, "User-Agent": "shiftleft/test", "Content-Type": "application/json", "Accept": "application/json"} {
		if got := r.Header.Get(h); got != v {
			t.Errorf("header %s = %q, want %q", h, got, v)
		}
	}
}

func TestCreateRejectsBadNameLocally(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, nil)
	for _, name := range []string{"dml_orders", "Upper", "-x", strings.Repeat("a", 101), ""} {
		_, err := e.client.CreateStatement(context.Background(), CreateRequest{Name: name, SQL: "SELECT 1;"})
		if err == nil || !strings.Contains(err.Error(), "statement name") {
			t.Errorf("name %q: err = %v", name, err)
		}
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("%d requests sent for invalid names", n)
	}
}

func TestCreateConflict(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, nil)
	ctx := context.Background()
	req := CreateRequest{Name: "ddl-orders", SQL: "CREATE TABLE orders (id INT);"}
	if _, err := e.client.CreateStatement(ctx, req); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.CreateStatement(ctx, req)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 409 || !errors.Is(err, ErrConflict) {
		t.Fatalf("err = %v, want 409 APIError", err)
	}
	for _, w := range []string{"create statement ddl-orders", "409", "resource_already_exists", "delete it", "[request id rq-"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q lacks %q", err, w)
		}
	}
}

func TestListPaging(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, nil)
	e.client.pageSize = 10
	for i := range 25 {
		e.srv.AddStatement(fmt.Sprintf("s-%02d", i), "SELECT 1;", "COMPLETED", time.Now())
	}
	list, err := e.client.ListStatements(context.Background(), ListOptions{ComputePool: confluenttest.DefaultPool})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 25 || list[0].Name != "s-00" || list[24].Name != "s-24" {
		t.Fatalf("listed %d statements", len(list))
	}
	reqs := e.srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("requests = %d, want 3 pages", len(reqs))
	}
	for i, r := range reqs {
		q, _ := url.ParseQuery(r.Query)
		if r.Method != "GET" || r.Path != stmtPath || q.Get("page_size") != "10" || q.Get("spec.compute_pool_id") != confluenttest.DefaultPool {
			t.Errorf("page %d: %s %s?%s", i, r.Method, r.Path, r.Query)
		}
		if (i == 0) != (q.Get("page_token") == "") {
			t.Errorf("page %d: page_token = %q", i, q.Get("page_token"))
		}
	}
}

func TestPageToken(t *testing.T) {
	tests := []struct{ next, want string }{
		{"", ""},
		{"https://flink.us-west1.aws.confluent.cloud/sql/v1/environments/env-abc123/statements?page_token=UvmDWOB1iwfAIBPj6EYb", "UvmDWOB1iwfAIBPj6EYb"},
		{"https://x/statements?page_size=10", ""},
	}
	for _, tt := range tests {
		if got, err := pageToken(tt.next); err != nil || got != tt.want {
			t.Errorf("pageToken(%q) = %q, %v", tt.next, got, err)
		}
	}
}

func TestRetries(t *testing.T) {
	const base = 100 * time.Millisecond
	tests := []struct {
		name       string
		faults     confluenttest.Faults
		wantDelays []time.Duration
		wantErr    string
	}{
		{"429 with Retry-After", confluenttest.Faults{RateLimitNext: 2, RetryAfter: "3"}, []time.Duration{3 * time.Second, 3 * time.Second}, ""},
		{"429 with X-RateLimit-Reset only", confluenttest.Faults{RateLimitNext: 1, RateLimitReset: "7"}, []time.Duration{7 * time.Second}, ""},
		{"429 without headers backs off", confluenttest.Faults{RateLimitNext: 3}, []time.Duration{75 * time.Millisecond, 150 * time.Millisecond, 300 * time.Millisecond}, ""},
		{"503 burst", confluenttest.Faults{ErrorNext: 2}, []time.Duration{75 * time.Millisecond, 150 * time.Millisecond}, ""},
		{"502 burst", confluenttest.Faults{ErrorNext: 1, ErrorStatus: 502}, []time.Duration{75 * time.Millisecond}, ""},
		{"connection reset", confluenttest.Faults{ResetNext: 2}, []time.Duration{75 * time.Millisecond, 150 * time.Millisecond}, ""},
		{"hanging response", confluenttest.Faults{HangNext: 1}, []time.Duration{75 * time.Millisecond}, ""},
		{"500 forever gives up", confluenttest.Faults{ErrorNext: 100, ErrorStatus: 500},
			[]time.Duration{75 * time.Millisecond, 150 * time.Millisecond, 300 * time.Millisecond}, "HTTP 500"},
		{"Retry-After beyond budget", confluenttest.Faults{RateLimitNext: 1, RetryAfter: "3600"}, nil, "HTTP 429"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, confluenttest.Options{}, func(o *Options) {
				o.BackoffBase = base
				o.MaxAttempts = 4
				o.MaxRetryTime = time.Minute
				o.RequestTimeout = 10 * time.Second
				if tt.faults.HangNext > 0 {
					o.RequestTimeout = 300 * time.Millisecond
				}
			})
			e.srv.SetFaults(tt.faults)
			_, err := e.client.ListStatements(context.Background(), ListOptions{})
			if tt.wantErr == "" && err != nil {
				t.Fatalf("err = %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if got := e.sleep.Delays(); !reflect.DeepEqual(got, tt.wantDelays) {
				t.Errorf("delays = %v, want %v", got, tt.wantDelays)
			}
			if got, want := e.client.Retries(), int64(len(tt.wantDelays)); got != want {
				t.Errorf("Retries = %d, want %d", got, want)
			}
			if got, want := len(e.srv.Requests()), len(tt.wantDelays)+1; got != want {
				t.Errorf("requests = %d, want %d", got, want)
			}
			if err != nil {
				e.assertNoSecrets(t, err.Error())
			}
		})
	}
}

func TestRetryBudgetError(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, func(o *Options) { o.MaxAttempts = 3; o.BackoffBase = time.Millisecond })
	e.srv.SetFaults(confluenttest.Faults{ErrorNext: 10})
	_, err := e.client.GetStatement(context.Background(), "dml-x")
	if !errors.Is(err, ErrRetryBudget) {
		t.Fatalf("err = %v, want ErrRetryBudget", err)
	}
	for _, w := range []string{"read statement dml-x", "HTTP 503", "after 3 attempts", "rerun later"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q lacks %q", err, w)
		}
	}
	e.srv.SetFaults(confluenttest.Faults{ResetNext: 10})
	_, err = e.client.GetStatement(context.Background(), "dml-x")
	if !errors.Is(err, ErrRetryBudget) || !strings.Contains(err.Error(), "check network access to http://127.0.0.1") {
		t.Fatalf("transport err = %v", err)
	}
	// A call without a statement name reads "list statements: …".
	e.srv.SetFaults(confluenttest.Faults{ResetNext: 10})
	_, err = e.client.ListStatements(context.Background(), ListOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), "list statements: retry budget exhausted") {
		t.Fatalf("listing err = %v", err)
	}
}

func TestRetryTimeBudget(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, func(o *Options) { o.MaxAttempts = 100; o.MaxRetryTime = 10 * time.Second })
	e.srv.SetFaults(confluenttest.Faults{RateLimitNext: 100, RetryAfter: "4"})
	_, err := e.client.GetStatement(context.Background(), "x")
	if err == nil {
		t.Fatal("want an error")
	}
	// 4 s + 4 s fit in 10 s, a third wait would not.
	if got := e.sleep.Delays(); len(got) != 2 {
		t.Errorf("delays = %v, want two of 4s", got)
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, func(o *Options) {
		o.Sleep = nil
		o.BackoffBase, o.BackoffMax, o.MaxRetryTime = time.Hour, time.Hour, 10*time.Hour
	})
	e.srv.SetFaults(confluenttest.Faults{ErrorNext: 10})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.client.GetStatement(ctx, "x")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("err = %v after %s", err, time.Since(start))
	}
}

func TestStopResumeStaleRetry(t *testing.T) {
	e := newEnv(t, confluenttest.Options{ExistingTables: []string{"standin_env.standin_cluster.src", "standin_env.standin_cluster.dst"}}, nil)
	ctx := context.Background()
	props := map[string]string{PropCatalog: confluenttest.DefaultCatalog, PropDatabase: confluenttest.DefaultDatabase}
	if _, err := e.client.CreateStatement(ctx, CreateRequest{Name: "dml-dst", SQL: "INSERT INTO dst SELECT * FROM src;", Properties: props}); err != nil {
		t.Fatal(err)
	}
	e.client.GetStatement(ctx, "dml-dst") // PENDING, then RUNNING
	e.srv.ResetLog()
	e.srv.SetFaults(confluenttest.Faults{StalePutNext: 1})
	if err := e.client.StopStatement(ctx, "dml-dst"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range e.srv.Requests() {
		got = append(got, r.Method)
		if r.Method == "PUT" {
			var body struct {
				Name     string
				Metadata struct {
					ResourceVersion string `json:"resource_version"`
				}
				Spec struct {
					Statement string
					Stopped   bool
				}
				Status any
			}
			json.Unmarshal([]byte(r.Body), &body)
			if body.Name != "dml-dst" || body.Metadata.ResourceVersion == "" || !body.Spec.Stopped ||
				body.Spec.Statement != "INSERT INTO dst SELECT * FROM src;" || body.Status != nil {
				t.Errorf("PUT body = %s", r.Body)
			}
		}
	}
	if want := []string{"GET", "PUT", "GET", "PUT"}; !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %v, want %v", got, want)
	}
	if ph, _ := e.srv.StatementPhase("dml-dst"); ph != "STOPPING" {
		t.Errorf("phase = %s, want STOPPING", ph)
	}
	// Stopping an already stopped statement sends no PUT.
	e.client.GetStatement(ctx, "dml-dst")
	e.srv.ResetLog()
	if err := e.client.StopStatement(ctx, "dml-dst"); err != nil {
		t.Fatal(err)
	}
	if n := len(e.srv.Requests()); n != 1 {
		t.Errorf("stop of stopped statement sent %d requests, want 1 GET", n)
	}
	if err := e.client.ResumeStatement(ctx, "dml-dst", "", ""); err != nil {
		t.Fatal(err)
	}
	e.client.GetStatement(ctx, "dml-dst")
	if s, _ := e.client.GetStatement(ctx, "dml-dst"); s.Status.Phase != "RUNNING" || s.Spec.Stopped {
		t.Errorf("after resume: %s stopped=%v", s.Status.Phase, s.Spec.Stopped)
	}
	e.srv.SetFaults(confluenttest.Faults{StalePutNext: 100})
	err := e.client.StopStatement(ctx, "dml-dst")
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "run the command again") {
		t.Errorf("persistent stale: err = %v", err)
	}
}

func TestDeleteUntil404(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, nil)
	ctx := context.Background()
	e.srv.AddStatement("ddl-a", "CREATE TABLE a (x INT);", "COMPLETED", time.Now())
	if err := e.client.DeleteStatement(ctx, "ddl-a"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range e.srv.Requests() {
		got = append(got, r.Method+" "+strings.TrimPrefix(r.Path, stmtPath))
	}
	if want := []string{"DELETE /ddl-a", "GET /ddl-a", "GET /ddl-a"}; !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %v, want %v", got, want)
	}
	if _, ok := e.srv.StatementPhase("ddl-a"); ok {
		t.Error("statement still exists")
	}
	if err := e.client.DeleteStatement(ctx, "ddl-a"); err != nil {
		t.Errorf("deleting a missing statement: %v", err)
	}
	if _, err := e.client.GetStatement(ctx, "ddl-a"); !errors.Is(err, deployers.ErrNotFound) ||
		!strings.Contains(err.Error(), "Statement resource=ddl-a does not exist") {
		t.Errorf("get deleted: %v", err)
	}
}

func TestDeleteTimeout(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, func(o *Options) {
		o.Sleep = nil
		o.PollInitial = time.Millisecond
		o.PollMax = 5 * time.Millisecond
		o.DeleteTimeout = 100 * time.Millisecond
	})
	e.srv.AddStatement("ddl-b", "CREATE TABLE b (x INT);", "COMPLETED", time.Now())
	e.srv.SetFaults(confluenttest.Faults{DeletingForever: "^ddl-b$"})
	start := time.Now()
	err := e.client.DeleteStatement(context.Background(), "ddl-b")
	if !errors.Is(err, deployers.ErrTimeout) || !strings.Contains(err.Error(), "delete statement ddl-b: still present after 100ms") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("delete wait took %s", d)
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	tests := []struct {
		name   string
		faults confluenttest.Faults
		mod    func(*config.Config)
		call   func(*Client) error
		want   string
	}{
		{"401 echoing auth", confluenttest.Faults{EchoAuth: true},
			func(c *config.Config) { c.Flink.APISecret = "wrong-CANARY-secret" },
			func(c *Client) error { _, err := c.GetStatement(context.Background(), "x"); return err },
			"check flink.api_key"},
		{"404 echoing auth", confluenttest.Faults{EchoAuth: true}, nil,
			func(c *Client) error { _, err := c.GetStatement(context.Background(), "missing"); return err },
			"statement missing does not exist"},
		{"409 echoing auth", confluenttest.Faults{EchoAuth: true}, nil,
			func(c *Client) error {
				c.CreateStatement(context.Background(), CreateRequest{Name: "a", SQL: "SELECT 1;"})
				_, err := c.CreateStatement(context.Background(), CreateRequest{Name: "a", SQL: "SELECT 1;"})
				return err
			}, "already exists"},
		{"503 echoing auth", confluenttest.Faults{EchoAuth: true, ErrorNext: 100}, nil,
			func(c *Client) error { _, err := c.ListStatements(context.Background(), ListOptions{}); return err },
			"server error"},
		{"pool 401 echoing auth", confluenttest.Faults{EchoAuth: true},
			func(c *config.Config) { c.ConfluentCloud.APISecret = "wrong-CANARY-cloud" },
			func(c *Client) error { _, err := c.ListComputePools(context.Background()); return err },
			"check confluent_cloud.api_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, confluenttest.Options{}, func(o *Options) { o.MaxAttempts = 2; o.BackoffBase = time.Millisecond })
			if tt.mod != nil {
				tt.mod(e.cfg)
				c, err := NewClient(e.cfg, e.client.opts)
				if err != nil {
					t.Fatal(err)
				}
				e.client = c
			}
			e.srv.SetFaults(tt.faults)
			err := tt.call(e.client)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), "Authorization: Basic ****") && tt.faults.EchoAuth {
				t.Errorf("expected the echoed header to be masked: %v", err)
			}
			e.assertNoSecrets(t, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", e.cfg))
		})
	}
}

func TestRedirectKeepsAuth(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, nil)
	target, _ := url.Parse(e.srv.URL())
	// Another host name for the same loopback server: net/http drops
	// Authorization on such a redirect unless we re-add it.
	other := "http://localhost:" + target.Port()
	hops := 0
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hops++
		if strings.HasSuffix(r.URL.Path, "/loop") {
			http.Redirect(w, r, r.URL.Path, http.StatusTemporaryRedirect)
			return
		}
		http.Redirect(w, r, other+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	defer redir.Close()
	cfg := e.srv.Config()
	cfg.Flink.SQLEndpoint = redir.URL
	c, err := NewClient(cfg, e.client.opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListStatements(context.Background(), ListOptions{}); err != nil {
		t.Fatalf("list through redirect: %v", err)
	}
	last := e.srv.Requests()[len(e.srv.Requests())-1]
	if last.Auth != confluenttest.DefaultFlinkKey {
		t.Errorf("auth after redirect = %q", last.Auth)
	}
	hops = 0
	_, err = c.do(context.Background(), call{method: "GET", url: redir.URL + "/loop", op: "loop"})
	if err == nil || !strings.Contains(err.Error(), "stopped after 5 redirects") {
		t.Errorf("redirect loop: %v", err)
	}
}

func TestExceptions(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, nil)
	ctx := context.Background()
	props := map[string]string{PropCatalog: "c", PropDatabase: "d"}
	if _, err := e.client.CreateStatement(ctx, CreateRequest{Name: "dml-x", SQL: "INSERT INTO x SELECT * FROM nowhere;", Properties: props}); err != nil {
		t.Fatal(err)
	}
	e.client.GetStatement(ctx, "dml-x")
	s, _ := e.client.GetStatement(ctx, "dml-x")
	if s.Status.Phase != "FAILED" || !strings.Contains(s.Status.Detail, "'nowhere' does not exist") {
		t.Fatalf("status = %+v", s.Status)
	}
	exs, err := e.client.Exceptions(ctx, "dml-x")
	if err != nil || len(exs) != 1 || !strings.Contains(exs[0].Message, "nowhere") {
		t.Fatalf("exceptions = %+v, %v", exs, err)
	}
}

func TestComputePools(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, nil)
	ctx := context.Background()
	pools, err := e.client.ListComputePools(ctx)
	if err != nil || len(pools) != 1 || pools[0].ID != confluenttest.DefaultPool || pools[0].Status.Phase != "PROVISIONED" {
		t.Fatalf("pools = %+v, %v", pools, err)
	}
	p, err := e.client.CreateComputePool(ctx, "dev-orders", 10)
	if err != nil || p.Status.Phase != "PROVISIONING" {
		t.Fatalf("create = %+v, %v", p, err)
	}
	p, err = e.client.WaitComputePool(ctx, p.ID)
	if err != nil || p.Status.Phase != "PROVISIONED" || p.Spec.MaxCFU != 10 {
		t.Fatalf("wait = %+v, %v", p, err)
	}
	if _, err := e.client.GetComputePool(ctx, "lfcp-nope"); !errors.Is(err, deployers.ErrNotFound) {
		t.Errorf("missing pool: %v", err)
	}
	if _, err := e.client.CreateComputePool(ctx, "x", 7); err == nil || !strings.Contains(err.Error(), "flink.max_cfu") {
		t.Errorf("bad max_cfu: %v", err)
	}
	for _, r := range e.srv.Requests() {
		q, _ := url.ParseQuery(r.Query)
		if !strings.HasPrefix(r.Path, "/fcpm/v2/compute-pools") || r.Auth != confluenttest.DefaultCloudKey {
			t.Errorf("%s %s auth %q", r.Method, r.Path, r.Auth)
		}
		if r.Method == "GET" && q.Get("environment") != confluenttest.DefaultEnv {
			t.Errorf("%s %s?%s lacks environment", r.Method, r.Path, r.Query)
		}
		if r.Method == "POST" {
			var body map[string]any
			json.Unmarshal([]byte(r.Body), &body)
			want := map[string]any{"spec": map[string]any{"display_name": "dev-orders", "cloud": "AWS", "region": "us-east-1",
				"max_cfu": float64(10), "environment": map[string]any{"id": confluenttest.DefaultEnv}}}
			if !reflect.DeepEqual(body, want) {
				t.Errorf("create body = %v", body)
			}
		}
	}
}

func TestNewClientChecksEndpoints(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*config.Config)
		want string
	}{
		{"http off loopback", func(c *config.Config) { c.Flink.SQLEndpoint = "http://flink.example.com" }, "loopback"},
		{"path in endpoint", func(c *config.Config) { c.Flink.SQLEndpoint = "https://h/sql/v1" }, "scheme and host only"},
		{"control plane http", func(c *config.Config) { c.ConfluentCloud.APIEndpoint = "http://api.example.com" }, "api_endpoint"},
		{"no env", func(c *config.Config) { c.ConfluentCloud.EnvironmentID = "" }, "environment_id"},
		{"no endpoint", func(c *config.Config) { c.Flink.SQLEndpoint = ""; c.ConfluentCloud.CloudRegion = "" }, "no Flink SQL endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := confluenttest.NewServer(confluenttest.Options{})
			defer srv.Close()
			cfg := srv.Config()
			tt.mod(cfg)
			_, err := NewClient(cfg, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	cfg := config.FromEnv(nil)
	cfg.ConfluentCloud.OrganizationID, cfg.ConfluentCloud.EnvironmentID = "o", "e"
	cfg.ConfluentCloud.CloudProvider, cfg.ConfluentCloud.CloudRegion = "aws", "us-east-1"
	c, err := NewClient(cfg, Options{})
	if err != nil || c.sqlBase != "https://flink.us-east-1.aws.confluent.cloud" || c.cloudBase != "https://api.confluent.cloud" {
		t.Errorf("default endpoints: %v %v", c, err)
	}
}

func TestTLSErrorsAreNotRetried(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ts.Close()
	srv := confluenttest.NewServer(confluenttest.Options{})
	defer srv.Close()
	cfg := srv.Config()
	cfg.Flink.SQLEndpoint = ts.URL // self-signed: verification must fail, never be skipped
	c, err := NewClient(cfg, Options{Sleep: (&sleeper{}).Sleep})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetStatement(context.Background(), "x")
	if err == nil || !strings.Contains(err.Error(), "certificate") || c.Retries() != 0 {
		t.Errorf("err = %v, retries = %d", err, c.Retries())
	}
}
