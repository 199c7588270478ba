// Package confluent is the Confluent Cloud for Apache Flink target: a REST
// client of the Flink SQL statements API (sql/v1) and of the compute pools
// API (fcpm/v2), and the deployers.Target built on it.
//
// The client uses net/http only. Every request is retried on 429, 5xx and
// connection errors with exponential backoff and jitter, honouring
// Retry-After and X-RateLimit-Reset, within an attempt and a time budget;
// every attempt has its own timeout; every wait takes a context. Secrets
// never appear in errors or logs: server texts pass through a Redactor.
package confluent

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/shiftleft-dev/shiftleft/config"
)

// Options tune the client and the target. Zero values take the defaults in
// brackets; tests inject Sleep and small durations to run fast.
type Options struct {
	// HTTPClient is used for transport; its CheckRedirect is replaced by
	// ours (Authorization re-added, at most 5 redirects). [new client]
	HTTPClient *http.Client
	// Version goes into the User-Agent "shiftleft/<version>". [dev]
	Version string
	// MaxAttempts bounds the attempts of one request. [6]
	MaxAttempts int
	// MaxRetryTime bounds the time one request may spend retrying. [2m]
	MaxRetryTime time.Duration
	// BackoffBase is the first retry delay, doubled each retry. [500ms]
	BackoffBase time.Duration
	// BackoffMax caps one computed retry delay. [30s]
	BackoffMax time.Duration
	// RequestTimeout bounds one attempt, body included. [30s]
	RequestTimeout time.Duration
	// PollInitial and PollMax bound the interval of status polls. [1s, 10s]
	PollInitial time.Duration
	PollMax     time.Duration
	// DeleteTimeout bounds the wait for a deleted statement to vanish. [5m]
	DeleteTimeout time.Duration
	// StopTimeout bounds the wait for a stopped statement to be STOPPED. [5m]
	StopTimeout time.Duration
	// PoolTimeout bounds the wait for a new compute pool. [30m]
	PoolTimeout time.Duration
	// ComputePool is the --compute-pool-id override: used for tables whose
	// running statement has no usable pool, before flink.compute_pool_id.
	ComputePool string
	// AllowPoolCreation (--pool-creation) lets statement submission create
	// a pool named by convention when no pool is usable. Plans never do.
	AllowPoolCreation bool
	// CarryOffsets (--carry-offsets): restarts of stateless DMLs planned
	// through plan.CarryOffsets start from the offsets of the statement
	// they replace (sql.tables.initial-offset-from).
	CarryOffsets bool
	// Sleep waits d or until ctx is done. [timer]
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a number in [0,1). [math/rand/v2]
	Jitter func() float64
	// Logger receives retry and wait logs at debug/info level. [discard]
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 6
	}
	def(&o.MaxRetryTime, 2*time.Minute)
	def(&o.BackoffBase, 500*time.Millisecond)
	def(&o.BackoffMax, 30*time.Second)
	def(&o.RequestTimeout, 30*time.Second)
	def(&o.PollInitial, time.Second)
	def(&o.PollMax, 10*time.Second)
	def(&o.DeleteTimeout, 5*time.Minute)
	def(&o.StopTimeout, 5*time.Minute)
	def(&o.PoolTimeout, 30*time.Minute)
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.Jitter == nil {
		o.Jitter = rand.Float64
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// maxBody bounds what we read of one answer; statements are ≤128 KB.
const maxBody = 16 << 20

// maxRedirects is the CLI's limit.
const maxRedirects = 5

// Client talks to one organization/environment of Confluent Cloud. It is
// safe for concurrent use.
type Client struct {
	sqlBase   string // https://flink.<region>.<cloud>.confluent.cloud
	cloudBase string // https://api.confluent.cloud
	org, env  string
	region    string
	cloud     string
	pageSize  int

	flinkKey, flinkSecret config.Secret
	cloudKey, cloudSecret config.Secret

	hc     *http.Client
	opts   Options
	redact *config.Redactor

	retries  atomic.Int64
	requests atomic.Int64
}

// NewClient builds a client from the configuration. It checks the endpoint
// URLs (scheme and host only, http only for loopback) but not the keys: run
// cfg.Validate(config.TargetConfluent) first for a full report.
func NewClient(cfg *config.Config, opts Options) (*Client, error) {
	opts = opts.withDefaults()
	sqlBase := cfg.SQLEndpoint()
	if sqlBase == "" {
		return nil, errors.New("confluent: no Flink SQL endpoint: set flink.sql_endpoint, or confluent_cloud.cloud_provider and cloud_region")
	}
	if err := config.CheckBaseURL(sqlBase); err != nil {
		return nil, fmt.Errorf("confluent: flink.sql_endpoint %s: %w", sqlBase, err)
	}
	cloudBase := cfg.ControlPlaneEndpoint()
	if err := config.CheckBaseURL(cloudBase); err != nil {
		return nil, fmt.Errorf("confluent: confluent_cloud.api_endpoint %s: %w", cloudBase, err)
	}
	if cfg.ConfluentCloud.OrganizationID == "" || cfg.ConfluentCloud.EnvironmentID == "" {
		return nil, errors.New("confluent: confluent_cloud.organization_id and confluent_cloud.environment_id are required (run shiftleft project validate-config --target confluent)")
	}
	hc := &http.Client{}
	if opts.HTTPClient != nil {
		c := *opts.HTTPClient
		hc = &c
	}
	hc.CheckRedirect = checkRedirect
	return &Client{
		sqlBase:     strings.TrimRight(sqlBase, "/"),
		cloudBase:   strings.TrimRight(cloudBase, "/"),
		org:         cfg.ConfluentCloud.OrganizationID,
		env:         cfg.ConfluentCloud.EnvironmentID,
		region:      cfg.ConfluentCloud.CloudRegion,
		cloud:       cfg.ConfluentCloud.CloudProvider,
		pageSize:    min(max(cfg.ConfluentCloud.PageSize, 1), 100),
		flinkKey:    cfg.Flink.APIKey,
		flinkSecret: cfg.Flink.APISecret,
		cloudKey:    cfg.ConfluentCloud.APIKey,
		cloudSecret: cfg.ConfluentCloud.APISecret,
		hc:          hc,
		opts:        opts,
		redact:      cfg.Redactor(),
	}, nil
}

// checkRedirect follows at most 5 redirects and re-adds Authorization,
// which net/http drops on a cross-host redirect: the Flink gateway may
// redirect to a host outside the original domain. It is never re-added on a
// redirect to plain http off loopback.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	auth := via[0].Header.Get("Authorization")
	if auth != "" && (req.URL.Scheme == "https" || config.IsLoopback(req.URL.Hostname())) {
		req.Header.Set("Authorization", auth)
	}
	return nil
}

// Retries is the number of retried requests since the client was made.
func (c *Client) Retries() int64 { return c.retries.Load() }

// Requests is the number of HTTP attempts since the client was made.
func (c *Client) Requests() int64 { return c.requests.Load() }

// Environment is the environment id the client works in.
func (c *Client) Environment() string { return c.env }

// Redact masks the client's secrets in s.
func (c *Client) Redact(s string) string { return c.redact.Redact(s) }

// call is one logical request; do may send it several times.
type call struct {
	method string
	url    string
	body   any  // marshalled to JSON when non-nil
	cloud  bool // control plane: Cloud API key instead of the Flink key
	op     string
	name   string // statement name or pool id, for messages
}

// what names the call in messages: "delete statement x", "list statements".
func (cl call) what() string {
	if cl.name == "" {
		return cl.op
	}
	return cl.op + " " + cl.name
}

// answer is a 2xx response.
type answer struct {
	status   int
	header   http.Header
	body     []byte
	attempts int
}

// do sends the call, retrying 429, 5xx and transport errors within the
// budget, and returns the 2xx answer or an error: *APIError for an HTTP
// error answer, a wrapped transport error otherwise.
func (c *Client) do(ctx context.Context, cl call) (*answer, error) {
	var payload []byte
	if cl.body != nil {
		var err error
		if payload, err = json.Marshal(cl.body); err != nil {
			return nil, fmt.Errorf("%s: encode request: %w", cl.what(), err)
		}
	}
	start := time.Now()
	var slept time.Duration
	for attempt := 1; ; attempt++ {
		ans, err := c.once(ctx, cl, payload)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("%s: %w", cl.what(), ctxErr)
		}
		var delay time.Duration
		switch {
		case err != nil && permanent(err):
			return nil, fmt.Errorf("%s: %s: %w", cl.what(), hostOf(cl.url), err)
		case err != nil:
			delay = c.backoff(attempt)
		case ans.status >= 200 && ans.status < 300:
			ans.attempts = attempt
			return ans, nil
		case ans.status == 429 || ans.status >= 500:
			delay = c.serverDelay(ans.header, attempt)
		default:
			return nil, c.apiError(cl, ans, attempt)
		}
		spent := max(time.Since(start), slept)
		if attempt >= c.opts.MaxAttempts || spent+delay > c.opts.MaxRetryTime {
			if err != nil {
				return nil, fmt.Errorf("%s: %w after %d attempts: %v; check network access to %s",
					cl.what(), ErrRetryBudget, attempt, c.redact.Redact(err.Error()), hostOf(cl.url))
			}
			return nil, c.apiError(cl, ans, attempt)
		}
		c.retries.Add(1)
		reason := "transport error"
		if err == nil {
			reason = "HTTP " + strconv.Itoa(ans.status)
		}
		c.opts.Logger.Debug("retrying request", "op", cl.op, "name", cl.name, "reason", reason,
			"attempt", attempt, "delay", delay)
		if err := c.opts.Sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("%s: %w", cl.what(), err)
		}
		slept += delay
	}
}

// once sends one attempt under its own timeout and reads the whole body.
func (c *Client) once(ctx context.Context, cl call, payload []byte) (*answer, error) {
	actx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
	defer cancel()
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(actx, cl.method, cl.url, body)
	if err != nil {
		return nil, err
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "shiftleft/"+c.opts.Version)
	if cl.cloud {
		req.SetBasicAuth(c.cloudKey.Reveal(), c.cloudSecret.Reveal())
	} else {
		req.SetBasicAuth(c.flinkKey.Reveal(), c.flinkSecret.Reveal())
	}
	c.requests.Add(1)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, err
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// backoff is the exponential delay of a retry with "equal jitter": half
// fixed, half random, so concurrent clients spread out but never retry at 0.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.opts.BackoffBase << min(attempt-1, 20)
	if d <= 0 || d > c.opts.BackoffMax {
		d = c.opts.BackoffMax
	}
	return d/2 + time.Duration(c.opts.Jitter()*float64(d/2))
}

// serverDelay honours Retry-After (seconds or HTTP date), then
// X-RateLimit-Reset (seconds relative to now), else backs off.
func (c *Client) serverDelay(h http.Header, attempt int) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
			return time.Duration(n * float64(time.Second))
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(time.Until(t), 0)
		}
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 && n < 24*3600 {
			return time.Duration(n * float64(time.Second))
		}
	}
	return c.backoff(attempt)
}

// failureBody is the documented error body.
type failureBody struct {
	Errors []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Code   string `json:"code"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
	} `json:"errors"`
}

func (c *Client) apiError(cl call, ans *answer, attempts int) *APIError {
	e := &APIError{Status: ans.status, Op: cl.op, Statement: cl.name, Attempts: attempts,
		RequestID: ans.header.Get("X-Request-Id")}
	var fb failureBody
	if json.Unmarshal(ans.body, &fb) == nil && len(fb.Errors) > 0 {
		first := fb.Errors[0]
		e.Code, e.Title, e.Detail = first.Code, first.Title, first.Detail
		for _, more := range fb.Errors[1:] {
			if more.Detail != "" {
				e.Detail += "; " + more.Detail
			}
		}
	} else if text := strings.TrimSpace(string(ans.body)); text != "" {
		if len(text) > 300 {
			text = text[:300] + "…"
		}
		e.Detail = text
	}
	if e.Detail == "" && e.Title == "" {
		e.Title = http.StatusText(ans.status)
	}
	e.Code = c.redact.Redact(e.Code)
	e.Title = c.redact.Redact(e.Title)
	e.Detail = c.redact.Redact(e.Detail)
	e.RequestID = c.redact.Redact(e.RequestID)
	e.hint = hintFor(ans.status, cl.op, cl.name, c.env, cl.cloud)
	return e
}

// permanent reports transport errors a retry cannot fix: TLS certificate
// problems (never bypassed) and malformed requests.
func permanent(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	return errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr)
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the endpoint"
	}
	return u.Scheme + "://" + u.Host
}

// decode unmarshals a 2xx body, naming the operation on failure.
func decode(ans *answer, v any, op, name string) error {
	if err := json.Unmarshal(ans.body, v); err != nil {
		return fmt.Errorf("%s %s: decode answer (HTTP %d): %w", op, name, ans.status, err)
	}
	return nil
}
