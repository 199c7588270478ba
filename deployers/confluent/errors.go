package confluent

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

// ErrConflict is matched (errors.Is) by a 409 answer: a duplicate statement
// name on create, or a stale resource_version on update.
var ErrConflict = errors.New("conflict")

// ErrRetryBudget is wrapped when retries stopped because the attempt or
// time budget ran out.
var ErrRetryBudget = errors.New("retry budget exhausted")

// APIError is a non-2xx answer of the Flink SQL API or the control plane,
// decoded from its {"errors":[…]} body. Texts are already redacted.
type APIError struct {
	Status    int
	Code      string // errors[0].code, e.g. resource_already_exists
	Title     string
	Detail    string
	Op        string // what we tried, e.g. "create statement"
	Statement string // statement name or compute pool id, when known
	RequestID string
	Attempts  int
	hint      string
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Statement != "" {
		b.WriteString(" " + e.Statement)
	}
	fmt.Fprintf(&b, ": HTTP %d", e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	switch {
	case e.Detail != "":
		b.WriteString(": " + e.Detail)
	case e.Title != "":
		b.WriteString(": " + e.Title)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	if e.RequestID != "" {
		b.WriteString(" [request id " + e.RequestID + "]")
	}
	if e.hint != "" {
		b.WriteString("; " + e.hint)
	}
	return b.String()
}

// Is lets callers branch with errors.Is(err, deployers.ErrNotFound) and
// errors.Is(err, ErrConflict).
func (e *APIError) Is(target error) bool {
	switch target {
	case deployers.ErrNotFound:
		return e.Status == 404
	case ErrConflict:
		return e.Status == 409
	case ErrRetryBudget:
		return e.Attempts > 1 && (e.Status == 429 || e.Status >= 500)
	}
	return false
}

// hintFor says what the user can do about an answer. cloud is true for
// control-plane calls, which use the Cloud API key.
func hintFor(status int, op, name, env string, cloud bool) string {
	keys := "flink.api_key/flink.api_secret (SL_FLINK_API_KEY/SL_FLINK_API_SECRET); a Flink API key is scoped to one environment and region"
	if cloud {
		keys = "confluent_cloud.api_key/confluent_cloud.api_secret (SL_CONFLUENT_CLOUD_API_KEY/SL_CONFLUENT_CLOUD_API_SECRET)"
	}
	switch {
	case status == 401:
		return "the API key was rejected: check " + keys
	case status == 403:
		return "the API key's principal may not do this in environment " + env + ": grant it the FlinkDeveloper role or use another key (" + keys + ")"
	case status == 404 && name != "" && !cloud:
		return "statement " + name + " does not exist in environment " + env + "; if every call says so, check confluent_cloud.organization_id and confluent_cloud.environment_id"
	case status == 404:
		return "check confluent_cloud.organization_id, confluent_cloud.environment_id and the endpoint URLs"
	case status == 409 && strings.HasPrefix(op, "create"):
		return "a statement named " + name + " already exists (finished statements are kept 30 days): delete it (shiftleft project housekeep-statements, or confluent flink statement delete " + name + ") or change the name"
	case status == 409:
		return name + " changed while we updated it; run the command again"
	case status == 400 || status == 422:
		return "the service rejected the request: fix the statement text, its name (lower-case letters, digits, '-' and '.', at most 100 characters) or its properties"
	case status == 429:
		return "rate limited by Confluent Cloud even after retries; wait a minute and rerun, or lower the deploy parallelism"
	case status >= 500:
		return "Confluent Cloud answered with a server error even after retries; rerun later (completed steps are not redone)"
	}
	return ""
}
