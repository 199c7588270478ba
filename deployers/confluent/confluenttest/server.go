// Package confluenttest is a stand-in of the Confluent Cloud for Apache
// Flink statements API (sql/v1) and compute pools API (fcpm/v2), written from
// the documented contract ("Flink SQL REST API for Confluent Cloud for
// Apache Flink" and the API reference it links to:
// https://docs.confluent.io/cloud/current/flink/operate-and-deploy/flink-rest-api.html),
// for tests of this and other
// packages and for CLI testscripts (see cmd/standin). It runs on a loopback
// port, keeps a catalog per sql.current-catalog/sql.current-database so
// statements see the tables earlier statements created, logs every request,
// and injects faults switchable per test with SetFaults.
package confluenttest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shiftleft-dev/shiftleft/config"
)

// Credentials and identifiers the stand-in accepts by default. The secrets
// are canaries: tests assert they never appear in output.
const (
	DefaultOrg         = "7c60d51f-b44e-4682-87d6-449835ea4de6"
	DefaultEnv         = "env-standin"
	DefaultFlinkKey    = "FLINKKEY0CANARY"
	DefaultFlinkSecret = "flink-secret-CANARY-4f1d2c"
	DefaultCloudKey    = "CLOUDKEY0CANARY"
	DefaultCloudSecret = "cloud-secret-CANARY-9a8b7c"
	DefaultPool        = "lfcp-standin"
	DefaultCatalog     = "standin_env"
	DefaultDatabase    = "standin_cluster"
)

// Options configure a stand-in. Zero values take the defaults above.
type Options struct {
	// Addr to listen on; must be a loopback address. ["127.0.0.1:0"]
	Addr                  string
	Org, Env              string
	FlinkKey, FlinkSecret string
	CloudKey, CloudSecret string
	// Pools present at start. [one PROVISIONED pool DefaultPool, 50 CFU]
	Pools []Pool
	// ExistingTables are tables that exist before any statement, as
	// "catalog.database.table" (raw topics, external tables).
	ExistingTables []string
	// PendingReads is how many reads a new statement answers PENDING. [1]
	PendingReads int
	// Now stamps created_at/updated_at. [time.Now]
	Now func() time.Time
}

// Pool is a compute pool of the stand-in.
type Pool struct {
	ID, Name    string
	Cloud       string // AWS
	Region      string // us-east-1
	MaxCFU      int
	Phase       string // PROVISIONED
	CurrentCFU  int    // fixed; -1 = one CFU per RUNNING statement
	reads       int
	provisioned bool
}

// Faults are switched per test with SetFaults. Counters ("Next") count
// down as requests consume them.
type Faults struct {
	// RateLimitEvery answers 429 to every Nth mutating call (POST, PUT,
	// DELETE, PATCH); 0 disables. A retry of a call that was just limited
	// passes, so parallel clients retrying in lockstep cannot be starved.
	RateLimitEvery int
	// RateLimitNext answers 429 to the next N requests of any method.
	RateLimitNext int
	// RetryAfter is the Retry-After value of 429 answers ("" = no header);
	// RateLimitReset the X-RateLimit-Reset value ("" = no header).
	RetryAfter     string
	RateLimitReset string
	// ErrorNext answers ErrorStatus (default 503) to the next N requests.
	ErrorNext   int
	ErrorStatus int
	// ResetNext resets the connection of the next N requests.
	ResetNext int
	// HangNext leaves the next N requests unanswered until the client
	// gives up or the server closes.
	HangNext int
	// StalePutNext answers 409 to the next N PUTs as if stale.
	StalePutNext int
	// Statement name patterns (regular expressions, "" = none):
	FailMatching    string // FAILED with a detail, after PENDING
	FailNoDetail    string // FAILED with an empty detail (reason only on /exceptions)
	PendingForever  string // stays PENDING
	DegradeMatching string // RUNNING, then DEGRADED
	FailingMatching string // RUNNING, then FAILING, then FAILED
	UnknownPhase    string // reports the phase "RECONCILING" once before going on
	DeletingForever string // once deleted, stays DELETING
	// EchoAuth makes error bodies echo the request's Authorization header,
	// as some proxies do.
	EchoAuth bool
	// ErrorMatching answers ErrorStatus (default 503; 429 with the rate
	// limit headers) to every request whose path or body matches this
	// regular expression, for as long as the fault is set: an outage that
	// outlasts the client's retries for one statement only.
	ErrorMatching string
	// Latency delays every answer, as a distant service does, so a CLI
	// deploy lasts long enough to be interrupted in tests. 0 = none.
	Latency time.Duration
}

// Request is one logged request.
type Request struct {
	Method string
	Path   string
	Query  string
	Body   string
	Auth   string // decoded Basic user ("" when absent or not Basic)
	Header http.Header
}

// Server is a running stand-in.
type Server struct {
	opts Options
	srv  *http.Server
	ln   net.Listener
	url  string
	stop chan struct{}

	mu         sync.Mutex
	faults     Faults
	mutating   int
	limited    map[string]bool // method+path of calls RateLimitEvery just limited
	statements map[string]*statement
	catalog    map[string]map[string]bool // "cat.db" → table set
	// topics and schemas hold what INSERT … VALUES wrote and each table's
	// columns, by "cat.db.table" (results.go).
	topics  map[string][]resultRow
	schemas map[string][]any
	pkeys   map[string][]int
	// bounded are the tables created with scan.bounded.mode (unittest.go).
	bounded map[string]bool
	pools   map[string]*Pool
	// metrics are what the Metrics API reports per statement (metrics.go).
	metrics  map[string]StatementMetrics
	requests []Request
	seq      int
}

type statement struct {
	Name        string
	SQL         string
	Properties  map[string]string
	Pool        string
	Principal   string
	Stopped     bool
	Phase       string
	Detail      string
	Version     int
	Created     time.Time
	Updated     time.Time
	reads       int
	parsed      *parsed
	parseErr    error
	exceptions  []map[string]string
	unknownDone bool
	// results are a query's or EXPLAIN's rows and columns (results.go).
	results    []resultRow
	resultCols []any
}

// NewServer starts a stand-in. It panics only on a non-loopback Addr or
// a port that cannot be opened, as httptest.NewServer does; use Start to get
// an error instead.
func NewServer(opts Options) *Server {
	s, err := Start(opts)
	if err != nil {
		panic(err)
	}
	return s
}

// Start starts a stand-in and returns an error when it cannot listen.
func Start(opts Options) (*Server, error) {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&opts.Addr, "127.0.0.1:0")
	def(&opts.Org, DefaultOrg)
	def(&opts.Env, DefaultEnv)
	def(&opts.FlinkKey, DefaultFlinkKey)
	def(&opts.FlinkSecret, DefaultFlinkSecret)
	def(&opts.CloudKey, DefaultCloudKey)
	def(&opts.CloudSecret, DefaultCloudSecret)
	if opts.PendingReads <= 0 {
		opts.PendingReads = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Pools == nil {
		opts.Pools = []Pool{{ID: DefaultPool, Name: "dev-default", MaxCFU: 50, Phase: "PROVISIONED"}}
	}
	host, _, err := net.SplitHostPort(opts.Addr)
	if err != nil || !config.IsLoopback(host) {
		return nil, fmt.Errorf("stand-in address %q must be a loopback host:port", opts.Addr)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("stand-in: listen %s: %w", opts.Addr, err)
	}
	s := &Server{
		opts: opts, ln: ln, url: "http://" + ln.Addr().String(), stop: make(chan struct{}),
		limited: map[string]bool{}, statements: map[string]*statement{}, catalog: map[string]map[string]bool{}, pools: map[string]*Pool{},
		topics: map[string][]resultRow{}, schemas: map[string][]any{}, pkeys: map[string][]int{},
	}
	for _, t := range opts.ExistingTables {
		parts := strings.Split(t, ".")
		if len(parts) != 3 {
			ln.Close()
			return nil, fmt.Errorf("stand-in: existing table %q must be catalog.database.table", t)
		}
		s.addTable(parts[0]+"."+parts[1], parts[2])
	}
	for _, p := range opts.Pools {
		p := p
		if p.Cloud == "" {
			p.Cloud = "AWS"
		}
		if p.Region == "" {
			p.Region = "us-east-1"
		}
		if p.Phase == "" {
			p.Phase = "PROVISIONED"
		}
		s.pools[p.ID] = &p
	}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// URL is the base URL, e.g. http://127.0.0.1:41234, for both APIs.
func (s *Server) URL() string { return s.url }

// Close stops the server and releases hanging requests.
func (s *Server) Close() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
	s.srv.Close()
}

// SetFaults replaces the fault switches.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.mutating = 0
}

// Requests returns a copy of the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ResetLog clears the request log.
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Config is a configuration that points the client at this stand-in.
func (s *Server) Config() *config.Config {
	c := config.FromEnv(nil)
	c.ConfluentCloud.OrganizationID = s.opts.Org
	c.ConfluentCloud.EnvironmentID = s.opts.Env
	c.ConfluentCloud.CloudProvider = "aws"
	c.ConfluentCloud.CloudRegion = "us-east-1"
	c.ConfluentCloud.APIKey = config.Secret(s.opts.CloudKey)
	c.ConfluentCloud.APISecret = config.Secret(s.opts.CloudSecret)
	c.ConfluentCloud.APIEndpoint = s.url
	c.Flink.SQLEndpoint = s.url
	c.Flink.APIKey = config.Secret(s.opts.FlinkKey)
	c.Flink.APISecret = config.Secret(s.opts.FlinkSecret)
	c.Flink.ComputePoolID = DefaultPool
	c.Flink.CatalogName = DefaultCatalog
	c.Flink.DatabaseName = DefaultDatabase
	return c
}

// ConfigYAML is Config as a config.yaml text, for CLI testscripts.
func (s *Server) ConfigYAML() string {
	return fmt.Sprintf(`confluent_cloud:
  organization_id: %s
  environment_id: %s
  cloud_provider: aws
  cloud_region: us-east-1
  api_key: %s
  api_secret: %s
  api_endpoint: %s
flink:
  compute_pool_id: %s
  catalog_name: %s
  database_name: %s
  api_key: %s
  api_secret: %s
  sql_endpoint: %s
targets:
  confluent:
    # The stand-in answers at once: poll fast so scripts run quickly.
    poll_initial: 5ms
    poll_max: 50ms
`, s.opts.Org, s.opts.Env, s.opts.CloudKey, s.opts.CloudSecret, s.url, DefaultPool, DefaultCatalog, DefaultDatabase,
		s.opts.FlinkKey, s.opts.FlinkSecret, s.url)
}

// StatementPhase returns a statement's phase without counting as a read.
func (s *Server) StatementPhase(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.statements[name]
	if !ok {
		return "", false
	}
	return st.Phase, true
}

// StatementNames lists the statements, sorted.
func (s *Server) StatementNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for n := range s.statements {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Tables lists the tables of catalog.database, sorted.
func (s *Server) Tables(catalog, database string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for t := range s.catalog[catalog+"."+database] {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// AddStatement inserts a statement directly (e.g. an old FAILED one for
// housekeeping tests), created at the given time.
func (s *Server) AddStatement(name, sql, phase string, created time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &statement{Name: name, SQL: sql, Phase: phase, Pool: DefaultPool, Version: 1, Created: created, Updated: created,
		Properties: map[string]string{"sql.current-catalog": DefaultCatalog, "sql.current-database": DefaultDatabase},
		reads:      s.opts.PendingReads}
	st.parsed, st.parseErr = parse(sql)
	s.statements[name] = st
}

func (s *Server) addTable(db, t string) {
	if s.catalog[db] == nil {
		s.catalog[db] = map[string]bool{}
	}
	s.catalog[db][t] = true
}

var namePattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

func matches(pattern, name string) bool {
	if pattern == "" {
		return false
	}
	ok, err := regexp.MatchString(pattern, name)
	return err == nil && ok
}

// serve logs the request, applies faults, checks auth and routes.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	user := ""
	if u, _, ok := r.BasicAuth(); ok {
		user = u
	}
	s.mu.Lock()
	s.seq++
	reqID := fmt.Sprintf("rq-%06d", s.seq)
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body),
		Auth: user, Header: r.Header.Clone()})
	w.Header().Set("X-Request-Id", reqID)
	f := &s.faults
	mutating := r.Method != http.MethodGet && r.Method != http.MethodHead
	if mutating {
		s.mutating++
	}
	var fault string
	switch {
	case f.HangNext > 0:
		f.HangNext--
		fault = "hang"
	case f.ResetNext > 0:
		f.ResetNext--
		fault = "reset"
	case f.ErrorNext > 0:
		f.ErrorNext--
		fault = "error"
	case f.RateLimitNext > 0:
		f.RateLimitNext--
		fault = "429"
	case f.ErrorMatching != "" && (matches(f.ErrorMatching, r.URL.Path) || matches(f.ErrorMatching, string(body))):
		fault = "error"
		if f.ErrorStatus == http.StatusTooManyRequests {
			fault = "429"
		}
	case mutating && f.RateLimitEvery > 0 && s.mutating%f.RateLimitEvery == 0:
		key := r.Method + " " + r.URL.Path
		if s.limited[key] {
			delete(s.limited, key)
		} else {
			s.limited[key] = true
			fault = "429"
		}
	}
	faults := *f
	s.mu.Unlock()

	if faults.Latency > 0 {
		select {
		case <-time.After(faults.Latency):
		case <-r.Context().Done():
			return
		case <-s.stop:
			return
		}
	}
	switch fault {
	case "hang":
		select {
		case <-r.Context().Done():
		case <-s.stop:
		}
		return
	case "reset":
		if hj, ok := w.(http.Hijacker); ok {
			conn, _, err := hj.Hijack()
			if err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					tc.SetLinger(0)
				}
				conn.Close()
				return
			}
		}
		w.WriteHeader(http.StatusBadGateway)
		return
	case "error":
		st := faults.ErrorStatus
		if st == 0 {
			st = http.StatusServiceUnavailable
		}
		s.fail(w, r, st, "", http.StatusText(st), "injected server error")
		return
	case "429":
		w.Header().Set("X-RateLimit-Limit", "10")
		w.Header().Set("X-RateLimit-Remaining", "0")
		if faults.RateLimitReset != "" {
			w.Header().Set("X-RateLimit-Reset", faults.RateLimitReset)
		}
		if faults.RetryAfter != "" {
			w.Header().Set("Retry-After", faults.RetryAfter)
		}
		s.fail(w, r, http.StatusTooManyRequests, "too_many_requests", "Too Many Requests", "rate limit exceeded")
		return
	}

	switch {
	case strings.HasPrefix(r.URL.Path, "/sql/v1/"):
		if !s.authorized(r, s.opts.FlinkKey, s.opts.FlinkSecret) {
			s.unauthorized(w, r)
			return
		}
		s.sqlAPI(w, r, body)
	case strings.HasPrefix(r.URL.Path, "/fcpm/v2/"):
		if !s.authorized(r, s.opts.CloudKey, s.opts.CloudSecret) {
			s.unauthorized(w, r)
			return
		}
		s.poolsAPI(w, r, body)
	case strings.HasPrefix(r.URL.Path, "/v2/metrics/"):
		if !s.authorized(r, s.opts.CloudKey, s.opts.CloudSecret) {
			s.unauthorized(w, r)
			return
		}
		s.metricsAPI(w, r, body)
	default:
		s.fail(w, r, http.StatusNotFound, "", "Not Found", "no such API path "+r.URL.Path)
	}
}

func (s *Server) authorized(r *http.Request, key, secret string) bool {
	u, p, ok := r.BasicAuth()
	return ok && u == key && p == secret
}

func (s *Server) unauthorized(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", `Basic error="invalid_key", error_description="The API Key is invalid"`)
	s.fail(w, r, http.StatusUnauthorized, "user_unauthenticated", "Unauthorized", "The API Key is invalid")
}

// fail writes the documented Failure body. With Faults.EchoAuth the detail
// repeats the Authorization header.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, code, title, detail string) {
	s.mu.Lock()
	echo := s.faults.EchoAuth
	s.mu.Unlock()
	if echo {
		detail += " (request had Authorization: " + r.Header.Get("Authorization") + ")"
	}
	e := map[string]any{"status": strconv.Itoa(status), "title": title, "detail": detail, "source": map[string]any{}}
	if code != "" {
		e["code"] = code
	}
	writeJSON(w, status, map[string]any{"errors": []any{e}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
