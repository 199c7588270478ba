package flink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// APIError is a non-2xx answer of the SQL Gateway or the JobManager. Both
// answer {"errors":[...]}; the gateway puts the server-side stack trace in
// the last entry, so Message keeps only its root cause.
type APIError struct {
	Method string
	URL    string
	Status int
	// Message is the most specific line of the server's errors: the last
	// "Caused by:" of a stack trace, or the plain message.
	Message string
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.URL, e.Status, msg)
}

// restClient is the JSON-over-HTTP plumbing shared by the gateway and
// JobManager clients.
type restClient struct {
	base string
	hc   *http.Client
}

// maxBody bounds what is read of an answer: result pages and job lists are
// small; a runaway answer must not eat the test machine's memory.
const maxBody = 32 << 20

func (c restClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	u := c.base + path
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, u, err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, u, err)
	}
	if resp.StatusCode/100 != 2 {
		return &APIError{Method: method, URL: u, Status: resp.StatusCode, Message: errorMessage(data)}
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, u, err)
	}
	return nil
}

// errorMessage extracts the root cause from {"errors":[...]}.
func errorMessage(data []byte) string {
	var body struct {
		Errors []string `json:"errors"`
	}
	if json.Unmarshal(data, &body) != nil || len(body.Errors) == 0 {
		return strings.TrimSpace(string(data))
	}
	last := body.Errors[len(body.Errors)-1]
	if cause := rootCause(last); cause != "" {
		return cause
	}
	return strings.Join(body.Errors, "; ")
}

// rootCause returns the message of the last "Caused by:" of a Java stack
// trace (with its continuation lines, up to a few, as Flink's validation
// messages span lines), without the exception class name; or the first
// line when the text has no cause chain.
func rootCause(trace string) string {
	lines := strings.Split(trace, "\n")
	last := -1
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "Caused by: ") {
			last = i
		}
	}
	var cause string
	if last < 0 {
		cause = strings.TrimPrefix(strings.TrimSpace(lines[0]), "<Exception on server side:")
	} else {
		parts := []string{strings.TrimPrefix(strings.TrimSpace(lines[last]), "Caused by: ")}
		for _, line := range lines[last+1:] {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "at ") || strings.HasPrefix(line, "...") || line == "Supported options:" || len(parts) >= 6 {
				break
			}
			if line != "" {
				parts = append(parts, line)
			}
		}
		cause = strings.Join(parts, " ")
	}
	// "org.apache.flink.table.api.ValidationException: msg" → "msg"
	if cls, msg, ok := strings.Cut(cause, ": "); ok && !strings.ContainsAny(cls, " \t") && strings.Contains(cls, ".") {
		cause = msg
	}
	return strings.TrimSpace(cause)
}

// gateway is a client of the SQL Gateway REST API, version 2 (served by
// Flink 1.17 and newer).
type gateway struct{ restClient }

// operationStatus values of the gateway (OperationStatus).
const (
	opInitialized = "INITIALIZED"
	opPending     = "PENDING"
	opRunning     = "RUNNING"
	opFinished    = "FINISHED"
	opError       = "ERROR"
)

func (g gateway) openSession(ctx context.Context, name string, props map[string]string) (string, error) {
	var out struct {
		SessionHandle string `json:"sessionHandle"`
	}
	in := map[string]any{"sessionName": name, "properties": props}
	if err := g.do(ctx, http.MethodPost, "/v2/sessions", in, &out); err != nil {
		return "", fmt.Errorf("open SQL Gateway session: %w", err)
	}
	if out.SessionHandle == "" {
		return "", fmt.Errorf("open SQL Gateway session at %s: answer has no sessionHandle", g.base)
	}
	return out.SessionHandle, nil
}

func (g gateway) closeSession(ctx context.Context, s string) error {
	return g.do(ctx, http.MethodDelete, "/v2/sessions/"+url.PathEscape(s), nil, nil)
}

// configure runs one SET/USE/CREATE statement synchronously in the session.
func (g gateway) configure(ctx context.Context, s, stmt string) error {
	in := map[string]any{"statement": stmt}
	return g.do(ctx, http.MethodPost, "/v2/sessions/"+url.PathEscape(s)+"/configure-session", in, nil)
}

func (g gateway) submit(ctx context.Context, s, stmt string, cfg map[string]string) (string, error) {
	var out struct {
		OperationHandle string `json:"operationHandle"`
	}
	in := map[string]any{"statement": stmt}
	if len(cfg) > 0 {
		in["executionConfig"] = cfg
	}
	if err := g.do(ctx, http.MethodPost, "/v2/sessions/"+url.PathEscape(s)+"/statements", in, &out); err != nil {
		return "", err
	}
	if out.OperationHandle == "" {
		return "", fmt.Errorf("execute statement at %s: answer has no operationHandle", g.base)
	}
	return out.OperationHandle, nil
}

func (g gateway) opPath(s, o string) string {
	return "/v2/sessions/" + url.PathEscape(s) + "/operations/" + url.PathEscape(o)
}

func (g gateway) status(ctx context.Context, s, o string) (string, error) {
	var out struct {
		Status string `json:"status"`
	}
	if err := g.do(ctx, http.MethodGet, g.opPath(s, o)+"/status", nil, &out); err != nil {
		return "", err
	}
	return out.Status, nil
}

func (g gateway) closeOperation(ctx context.Context, s, o string) error {
	return g.do(ctx, http.MethodDelete, g.opPath(s, o)+"/close", nil, nil)
}

// resultPage is one page of /result/{token} (only what the deployer reads).
type resultPage struct {
	ResultType    string `json:"resultType"`
	JobID         string `json:"jobID"`
	ResultKind    string `json:"resultKind"`
	NextResultURI string `json:"nextResultUri"`
	Results       struct {
		Columns []struct {
			Name string `json:"name"`
		} `json:"columns"`
		Data []struct {
			Kind   string            `json:"kind"`
			Fields []json.RawMessage `json:"fields"`
		} `json:"data"`
	} `json:"results"`
}

// result is the outcome of one statement.
type result struct {
	JobID string
	// Rows are the JSON fields of the rows read (bounded statements only).
	Rows [][]json.RawMessage
}

// execute runs one statement and waits for its operation to finish, then
// reads its result: the job id of an INSERT, the rows of a bounded query.
// The operation is closed on return. With table.dml-sync off an INSERT
// finishes as soon as its job is submitted, so this never waits for a
// streaming job; ctx bounds the rest.
func (g gateway) execute(ctx context.Context, s, stmt string, cfg map[string]string, poll time.Duration) (result, error) {
	o, err := g.submit(ctx, s, stmt, cfg)
	if err != nil {
		return result{}, err
	}
	defer func() {
		// Best effort: a closed session closes its operations anyway.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = g.closeOperation(cctx, s, o)
	}()
	var st string
	for wait := poll; ; wait = min(2*wait, time.Second) {
		st, err = g.status(ctx, s, o)
		if err != nil {
			return result{}, err
		}
		if st != opInitialized && st != opPending && st != opRunning {
			break
		}
		if err := sleep(ctx, wait); err != nil {
			return result{}, fmt.Errorf("statement still %s: %w", st, err)
		}
	}
	switch st {
	case opFinished:
		return g.fetchAll(ctx, s, o, poll)
	case opError:
		// The error text is only served by the fetch call (HTTP 500).
		if _, err := g.fetchAll(ctx, s, o, poll); err != nil {
			return result{}, err
		}
		return result{}, errors.New("operation failed and the gateway gave no reason")
	default:
		return result{}, fmt.Errorf("operation ended %s", st)
	}
}

// fetchAll follows nextResultUri from token 0 to EOS. NOT_READY pages are
// re-polled after a pause; an INSERT's single page carries the job id.
func (g gateway) fetchAll(ctx context.Context, s, o string, poll time.Duration) (result, error) {
	var res result
	next := g.opPath(s, o) + "/result/0?rowFormat=JSON"
	for next != "" {
		var page resultPage
		if err := g.do(ctx, http.MethodGet, next, nil, &page); err != nil {
			return res, err
		}
		switch page.ResultType {
		case "NOT_READY":
			if err := sleep(ctx, poll); err != nil {
				return res, fmt.Errorf("result not ready: %w", err)
			}
		case "EOS":
			return res, nil
		}
		if page.JobID != "" {
			res.JobID = page.JobID
		}
		for _, row := range page.Results.Data {
			res.Rows = append(res.Rows, row.Fields)
		}
		next = page.NextResultURI
	}
	return res, nil
}

// jobManager is a client of the JobManager REST API (/v1, unprefixed).
type jobManager struct{ restClient }

// jobInfo is one entry of /jobs/overview or the answer of /jobs/{id}.
type jobInfo struct {
	ID        string `json:"jid"`
	Name      string `json:"name"`
	State     string `json:"state"`
	StartTime int64  `json:"start-time"`
	EndTime   int64  `json:"end-time"`
}

func (j jobManager) overview(ctx context.Context) ([]jobInfo, error) {
	var out struct {
		Jobs []jobInfo `json:"jobs"`
	}
	if err := j.do(ctx, http.MethodGet, "/jobs/overview", nil, &out); err != nil {
		return nil, fmt.Errorf("list Flink jobs: %w", err)
	}
	return out.Jobs, nil
}

func (j jobManager) job(ctx context.Context, id string) (jobInfo, error) {
	var out jobInfo
	err := j.do(ctx, http.MethodGet, "/jobs/"+url.PathEscape(id), nil, &out)
	return out, err
}

// rootException returns the job's latest root exception, first line only.
func (j jobManager) rootException(ctx context.Context, id string) string {
	var out struct {
		RootException string `json:"root-exception"`
	}
	if j.do(ctx, http.MethodGet, "/jobs/"+url.PathEscape(id)+"/exceptions", nil, &out) != nil {
		return ""
	}
	return rootCause(out.RootException)
}

func (j jobManager) cancel(ctx context.Context, id string) error {
	return j.do(ctx, http.MethodPatch, "/jobs/"+url.PathEscape(id)+"?mode=cancel", nil, nil)
}

// stopWithSavepoint stops the job with a savepoint into dir ("" = the
// cluster's state.savepoints.dir) and returns the savepoint's location once
// the savepoint completed.
func (j jobManager) stopWithSavepoint(ctx context.Context, id, dir string, poll time.Duration) (string, error) {
	in := map[string]any{"drain": false}
	if dir != "" {
		in["targetDirectory"] = dir
	}
	var trig struct {
		RequestID string `json:"request-id"`
	}
	if err := j.do(ctx, http.MethodPost, "/jobs/"+url.PathEscape(id)+"/stop", in, &trig); err != nil {
		return "", err
	}
	for wait := poll; ; wait = min(2*wait, time.Second) {
		var st struct {
			Status struct {
				ID string `json:"id"`
			} `json:"status"`
			Operation struct {
				Location     string `json:"location"`
				FailureCause struct {
					Class string `json:"class"`
					Trace string `json:"stack-trace"`
				} `json:"failure-cause"`
			} `json:"operation"`
		}
		if err := j.do(ctx, http.MethodGet, "/jobs/"+url.PathEscape(id)+"/savepoints/"+url.PathEscape(trig.RequestID), nil, &st); err != nil {
			return "", err
		}
		if st.Status.ID == "COMPLETED" {
			if st.Operation.Location == "" {
				msg := rootCause(st.Operation.FailureCause.Trace)
				if msg == "" {
					msg = st.Operation.FailureCause.Class
				}
				return "", fmt.Errorf("savepoint of job %s failed: %s", id, msg)
			}
			return st.Operation.Location, nil
		}
		if err := sleep(ctx, wait); err != nil {
			return "", fmt.Errorf("savepoint of job %s still %s: %w", id, st.Status.ID, err)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
