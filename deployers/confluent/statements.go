package confluent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

// Statement is the sql/v1 Statement object (the fields we use).
type Statement struct {
	APIVersion     string            `json:"api_version,omitempty"`
	Kind           string            `json:"kind,omitempty"`
	Name           string            `json:"name"`
	OrganizationID string            `json:"organization_id,omitempty"`
	EnvironmentID  string            `json:"environment_id,omitempty"`
	Metadata       StatementMetadata `json:"metadata"`
	Spec           StatementSpec     `json:"spec"`
	Status         StatementStatus   `json:"status"`
}

// StatementMetadata is Statement.metadata.
type StatementMetadata struct {
	Self            string            `json:"self,omitempty"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
	UID             string            `json:"uid,omitempty"`
	ResourceVersion string            `json:"resource_version,omitempty"`
	Labels          map[string]string `json:"labels,omitempty"`
}

// StatementSpec is Statement.spec.
type StatementSpec struct {
	Statement     string            `json:"statement"`
	Properties    map[string]string `json:"properties,omitempty"`
	ComputePoolID string            `json:"compute_pool_id,omitempty"`
	Principal     string            `json:"principal,omitempty"`
	Stopped       bool              `json:"stopped"`
	ExecutionMode string            `json:"execution_mode,omitempty"`
}

// StatementStatus is Statement.status. Phase is an open set.
type StatementStatus struct {
	Phase         string            `json:"phase"`
	Detail        string            `json:"detail"`
	LatestOffsets map[string]string `json:"latest_offsets,omitempty"`
}

// StatementException is one entry of /exceptions.
type StatementException struct {
	Name      string    `json:"name"`
	Message   string    `json:"message"`
	Timestamp time.Time `json:"timestamp"`
}

// namePattern is the statement name rule of the Statements (sqlv1) API
// reference: https://docs.confluent.io/cloud/current/api.html#tag/Statements-(sqlv1)
var namePattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// CheckStatementName rejects names the service would refuse, before any
// call, with a message that says how to fix it.
func CheckStatementName(name string) error {
	if len(name) == 0 || len(name) > 100 {
		return fmt.Errorf("statement name %q must have 1 to 100 characters", name)
	}
	if !namePattern.MatchString(name) {
		return fmt.Errorf("statement name %q is invalid: use lower-case letters, digits, '-' and '.' (not first or last); replace '_' by '-'", name)
	}
	return nil
}

func (c *Client) statementsURL() string {
	return c.sqlBase + "/sql/v1/organizations/" + url.PathEscape(c.org) + "/environments/" + url.PathEscape(c.env) + "/statements"
}

func (c *Client) statementURL(name string) string {
	return c.statementsURL() + "/" + url.PathEscape(name)
}

// CreateRequest is the body of a statement creation.
type CreateRequest struct {
	Name        string
	SQL         string
	Properties  map[string]string
	ComputePool string
	Principal   string
}

type createBody struct {
	Name           string     `json:"name"`
	OrganizationID string     `json:"organization_id"`
	EnvironmentID  string     `json:"environment_id"`
	Spec           createSpec `json:"spec"`
}

type createSpec struct {
	Statement     string            `json:"statement"`
	Properties    map[string]string `json:"properties,omitempty"`
	ComputePoolID string            `json:"compute_pool_id,omitempty"`
	Principal     string            `json:"principal,omitempty"`
	Stopped       bool              `json:"stopped"`
}

// CreateStatement submits a statement (POST, 201, phase PENDING). A 409
// answer is an *APIError matching ErrConflict.
func (c *Client) CreateStatement(ctx context.Context, r CreateRequest) (*Statement, error) {
	if err := CheckStatementName(r.Name); err != nil {
		return nil, err
	}
	ans, err := c.do(ctx, call{method: "POST", url: c.statementsURL(), op: "create statement", name: r.Name,
		body: createBody{Name: r.Name, OrganizationID: c.org, EnvironmentID: c.env,
			Spec: createSpec{Statement: r.SQL, Properties: r.Properties, ComputePoolID: r.ComputePool, Principal: r.Principal}}})
	if err != nil {
		return nil, err
	}
	var s Statement
	return &s, decode(ans, &s, "create statement", r.Name)
}

// GetStatement reads one statement; a missing one is an *APIError matching
// deployers.ErrNotFound.
func (c *Client) GetStatement(ctx context.Context, name string) (*Statement, error) {
	s, _, err := c.getStatementRaw(ctx, name)
	return s, err
}

func (c *Client) getStatementRaw(ctx context.Context, name string) (*Statement, []byte, error) {
	ans, err := c.do(ctx, call{method: "GET", url: c.statementURL(name), op: "read statement", name: name})
	if err != nil {
		return nil, nil, err
	}
	var s Statement
	return &s, ans.body, decode(ans, &s, "read statement", name)
}

// ListOptions filter a listing (server-side filters of the API).
type ListOptions struct {
	ComputePool   string
	LabelSelector string
}

type statementList struct {
	Metadata struct {
		Next string `json:"next"`
	} `json:"metadata"`
	Data []Statement `json:"data"`
}

// maxPages bounds a listing against a server that never ends it.
const maxPages = 10000

// ListStatements lists every statement of the environment, following
// metadata.next (page_size from confluent_cloud.page_size, at most 100).
// Cost: one request per page. Only the page_token of next is used, so a
// next URL on another host is never contacted.
func (c *Client) ListStatements(ctx context.Context, o ListOptions) ([]Statement, error) {
	var all []Statement
	token := ""
	seen := map[string]bool{}
	for page := 0; page < maxPages; page++ {
		q := url.Values{}
		q.Set("page_size", fmt.Sprint(c.pageSize))
		if token != "" {
			q.Set("page_token", token)
		}
		if o.ComputePool != "" {
			q.Set("spec.compute_pool_id", o.ComputePool)
		}
		if o.LabelSelector != "" {
			q.Set("label_selector", o.LabelSelector)
		}
		ans, err := c.do(ctx, call{method: "GET", url: c.statementsURL() + "?" + q.Encode(), op: "list statements"})
		if err != nil {
			return nil, err
		}
		var l statementList
		if err := decode(ans, &l, "list statements", ""); err != nil {
			return nil, err
		}
		all = append(all, l.Data...)
		next, err := pageToken(l.Metadata.Next)
		if err != nil {
			return nil, fmt.Errorf("list statements: %w", err)
		}
		if next == "" {
			return all, nil
		}
		if seen[next] {
			return nil, fmt.Errorf("list statements: the server returned page token %q twice; giving up to avoid a loop", next)
		}
		seen[next] = true
		token = next
	}
	return nil, fmt.Errorf("list statements: more than %d pages; giving up", maxPages)
}

// pageToken extracts page_token from a metadata.next URL ("" = last page).
func pageToken(next string) (string, error) {
	if next == "" {
		return "", nil
	}
	u, err := url.Parse(next)
	if err != nil {
		return "", fmt.Errorf("bad metadata.next %q: %w", next, err)
	}
	return u.Query().Get("page_token"), nil
}

// maxConflictRetries bounds the GET-modify-PUT loop on stale versions.
const maxConflictRetries = 5

// StopStatement sets spec.stopped=true (GET, flip, PUT with the read
// resource_version; on 409 stale it reads again and retries). Already
// stopped statements are left alone.
func (c *Client) StopStatement(ctx context.Context, name string) error {
	return c.setStopped(ctx, name, true, "", "")
}

// ResumeStatement sets spec.stopped=false, optionally moving the statement
// to another compute pool or principal (allowed only on resume).
func (c *Client) ResumeStatement(ctx context.Context, name, pool, principal string) error {
	return c.setStopped(ctx, name, false, pool, principal)
}

func (c *Client) setStopped(ctx context.Context, name string, stopped bool, pool, principal string) error {
	op := "stop statement"
	if !stopped {
		op = "resume statement"
	}
	var lastErr error
	for i := 0; i < maxConflictRetries; i++ {
		s, raw, err := c.getStatementRaw(ctx, name)
		if err != nil {
			return err
		}
		if s.Spec.Stopped == stopped && pool == "" && principal == "" {
			return nil
		}
		// PUT wants the whole object back: edit the raw JSON so fields this
		// client does not know survive.
		var obj map[string]any
		if err := json.Unmarshal(raw, &obj); err != nil {
			return fmt.Errorf("%s %s: decode: %w", op, name, err)
		}
		spec, _ := obj["spec"].(map[string]any)
		if spec == nil {
			spec = map[string]any{}
			obj["spec"] = spec
		}
		spec["stopped"] = stopped
		if pool != "" {
			spec["compute_pool_id"] = pool
		}
		if principal != "" {
			spec["principal"] = principal
		}
		delete(obj, "status")
		_, err = c.do(ctx, call{method: "PUT", url: c.statementURL(name), body: obj, op: op, name: name})
		if err == nil {
			return nil
		}
		if !errors.Is(err, ErrConflict) {
			return err
		}
		lastErr = err
		c.opts.Logger.Debug("stale resource_version, reading again", "statement", name)
	}
	return lastErr
}

// DeleteStatement deletes a statement and polls until it reads 404, within
// Options.DeleteTimeout. A statement that does not exist is not an error.
func (c *Client) DeleteStatement(ctx context.Context, name string) error {
	_, err := c.do(ctx, call{method: "DELETE", url: c.statementURL(name), op: "delete statement", name: name})
	if errors.Is(err, deployers.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.opts.DeleteTimeout)
	defer cancel()
	timedOut := func(err error) error {
		if parent.Err() != nil {
			return fmt.Errorf("delete statement %s: %w", name, parent.Err())
		}
		return fmt.Errorf("delete statement %s: still present after %s (last error: %v): %w", name, c.opts.DeleteTimeout, err, deployers.ErrTimeout)
	}
	interval := c.opts.PollInitial
	for {
		_, err := c.GetStatement(ctx, name)
		if errors.Is(err, deployers.ErrNotFound) {
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return timedOut(err)
			}
			return err
		}
		if err := c.opts.Sleep(ctx, interval); err != nil {
			return timedOut(err)
		}
		interval = min(interval*2, c.opts.PollMax)
	}
}

// Exceptions returns the most recent exceptions of a failed statement.
func (c *Client) Exceptions(ctx context.Context, name string) ([]StatementException, error) {
	ans, err := c.do(ctx, call{method: "GET", url: c.statementURL(name) + "/exceptions", op: "read exceptions of", name: name})
	if err != nil {
		return nil, err
	}
	var l struct {
		Data []StatementException `json:"data"`
	}
	if err := decode(ans, &l, "read exceptions of", name); err != nil {
		return nil, err
	}
	for i := range l.Data {
		l.Data[i].Message = c.redact.Redact(l.Data[i].Message)
	}
	return l.Data, nil
}
