package flink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// This file holds the SQL Gateway calls of compile, run and read that need
// more than execute gives: the full server-side trace of a failure (Flink
// puts the error position in an inner "Caused by:", not the root cause),
// and result pages with column types and row kinds. The REST API is Apache
// Flink's "SQL Gateway REST Endpoint" (v2): POST …/statements, GET
// …/operations/{op}/status, GET …/operations/{op}/result/{token}?rowFormat=JSON
// following nextResultUri until resultType EOS, DELETE …/close.

// EngineError is a statement the engine refused: Message is the most
// specific cause, Line and Col the position the engine gave in the
// submitted SQL (0 when none).
type EngineError struct {
	Message   string
	Line, Col int
}

func (e *EngineError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Message)
	}
	return e.Message
}

// positionRE finds Calcite's positions: "at line 1, column 34" (parser)
// and "From line 2, column 8 to line 2, column 12" (validator).
var positionRE = regexp.MustCompile(`(?:[Aa]t|From) line (\d+), column (\d+)`)

// fromLineRE is the validator's position prefix, removed from messages
// because the position is reported separately.
var fromLineRE = regexp.MustCompile(`^From line \d+, column \d+ to line \d+, column \d+: `)

// engineError builds an EngineError from a failed fetch's {"errors":[…]}:
// the message is the root cause (rootCause), the position the first one
// any cause of the trace names.
func engineError(body []byte) *EngineError {
	var errs struct {
		Errors []string `json:"errors"`
	}
	trace := string(body)
	if json.Unmarshal(body, &errs) == nil && len(errs.Errors) > 0 {
		trace = strings.Join(errs.Errors, "\n")
	}
	e := &EngineError{Message: errorMessage(body)}
	if m := positionRE.FindStringSubmatch(trace); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Col, _ = strconv.Atoi(m[2])
	}
	// A validator message without its position is the generic one; say
	// the positioned cause instead, which names what is wrong.
	for _, line := range strings.Split(trace, "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "Caused by: "))
		if i := strings.Index(line, "From line "); i >= 0 {
			e.Message = strings.TrimSpace(fromLineRE.ReplaceAllString(line[i:], ""))
			break
		}
	}
	// The position is reported separately, mapped to the file.
	e.Message = strings.TrimSpace(strings.ReplaceAll(atLineRE.ReplaceAllString(e.Message, ""), " .", "."))
	if i := strings.Index(e.Message, "Was expecting one of:"); i >= 0 && len(e.Message) > i+120 {
		e.Message = e.Message[:i+120] + " …"
	}
	return e
}

// atLineRE is the parser's position inside its message.
var atLineRE = regexp.MustCompile(` at line \d+, column \d+`)

// column is one column of a result page, with its logical type.
type column struct {
	Name        string `json:"name"`
	LogicalType struct {
		Type      string `json:"type"`
		Length    int    `json:"length"`
		Precision *int   `json:"precision"`
		Scale     *int   `json:"scale"`
	} `json:"logicalType"`
}

// typeName names a logical type as SQL does: VARCHAR of maximal length is
// STRING, DECIMAL and TIMESTAMP types keep their precision and scale.
func (c column) typeName() string {
	lt := c.LogicalType
	switch {
	case lt.Type == "VARCHAR" && lt.Length == 2147483647:
		return "STRING"
	case lt.Type == "DECIMAL" && lt.Precision != nil && lt.Scale != nil:
		return fmt.Sprintf("DECIMAL(%d, %d)", *lt.Precision, *lt.Scale)
	case lt.Precision != nil && strings.HasPrefix(lt.Type, "TIMESTAMP"):
		return fmt.Sprintf("%s(%d)", lt.Type, *lt.Precision)
	}
	return lt.Type
}

// page is one result page with what compile, run and read use.
type page struct {
	ResultType    string `json:"resultType"`
	JobID         string `json:"jobID"`
	NextResultURI string `json:"nextResultUri"`
	Results       struct {
		Columns []column `json:"columns"`
		Data    []struct {
			Kind   string            `json:"kind"`
			Fields []json.RawMessage `json:"fields"`
		} `json:"data"`
	} `json:"results"`
}

// opRows is the outcome of one operation: its columns, its rows (kind and
// fields) and the job id of an INSERT or query.
type opRows struct {
	JobID   string
	Columns []column
	Kinds   []string
	Rows    [][]json.RawMessage
	// EOS says the result ended; false when stopped by the limit or ctx.
	EOS bool
}

// rawGet is a GET that returns the body whatever the status.
func (g gateway) rawGet(ctx context.Context, path string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := g.hc.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("GET %s: %w", g.base+path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	return resp.StatusCode, body, err
}

// runOp submits stmt in session s, waits for the operation and reads its
// result pages until EOS or until limit rows were read (limit ≤ 0: all).
// A failure of the statement is an *EngineError. The operation stays open:
// the caller closes it (closing a query's operation cancels its job).
func (g gateway) runOp(ctx context.Context, s, stmt string, cfg map[string]string, poll time.Duration, limit int) (string, opRows, error) {
	o, err := g.submit(ctx, s, stmt, cfg)
	if err != nil {
		return "", opRows{}, err
	}
	var st string
	for wait := poll; ; wait = min(2*wait, time.Second) {
		if st, err = g.status(ctx, s, o); err != nil {
			return o, opRows{}, err
		}
		if st != opInitialized && st != opPending && st != opRunning {
			break
		}
		if err := sleep(ctx, wait); err != nil {
			return o, opRows{}, fmt.Errorf("statement still %s: %w", st, err)
		}
	}
	if st != opFinished && st != opError {
		return o, opRows{}, fmt.Errorf("operation ended %s", st)
	}
	var out opRows
	next := g.opPath(s, o) + "/result/0?rowFormat=JSON"
	for wait := poll; next != ""; {
		code, body, err := g.rawGet(ctx, next)
		if err != nil {
			return o, out, err
		}
		if code/100 != 2 {
			if code == http.StatusInternalServerError {
				return o, out, engineError(body)
			}
			return o, out, &APIError{Method: http.MethodGet, URL: g.base + next, Status: code, Message: errorMessage(body)}
		}
		if st == opError {
			return o, out, errors.New("operation failed and the gateway gave no reason")
		}
		var p page
		if err := json.Unmarshal(bytes.TrimSpace(body), &p); err != nil {
			return o, out, fmt.Errorf("GET %s: decode answer: %w", g.base+next, err)
		}
		if p.JobID != "" {
			out.JobID = p.JobID
		}
		if len(p.Results.Columns) > 0 {
			out.Columns = p.Results.Columns
		}
		for _, row := range p.Results.Data {
			out.Kinds = append(out.Kinds, row.Kind)
			out.Rows = append(out.Rows, row.Fields)
		}
		if limit > 0 && len(out.Rows) >= limit {
			return o, out, nil
		}
		switch p.ResultType {
		case "EOS":
			out.EOS = true
			return o, out, nil
		case "NOT_READY":
			if err := sleep(ctx, wait); err != nil {
				return o, out, err
			}
			wait = min(2*wait, 500*time.Millisecond)
		default:
			wait = poll
		}
		next = p.NextResultURI
	}
	out.EOS = true
	return o, out, nil
}

// closeOp closes an operation, best effort: a closed session closes its
// operations anyway.
func (g gateway) closeOp(ctx context.Context, s, o string) {
	if o == "" {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = g.closeOperation(cctx, s, o)
}

// jobDetail is what /jobs/{id} says of a job's vertices.
type jobDetail struct {
	State    string `json:"state"`
	Vertices []struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Metrics struct {
			ReadRecords  int64 `json:"read-records"`
			WriteRecords int64 `json:"write-records"`
		} `json:"metrics"`
	} `json:"vertices"`
	Plan struct {
		Nodes []struct {
			ID     string `json:"id"`
			Inputs []struct {
				ID string `json:"id"`
			} `json:"inputs"`
		} `json:"nodes"`
	} `json:"plan"`
}

// rowsWritten is the number of records the job's sink vertices (those no
// other vertex reads) received: their read-records. -1 when a sink vertex
// has no input edge (source and sink chained into one vertex), where the
// JobManager does not count what the sink got.
func (d jobDetail) rowsWritten() int64 {
	feeds := map[string]bool{}
	hasInput := map[string]bool{}
	for _, n := range d.Plan.Nodes {
		for _, in := range n.Inputs {
			feeds[in.ID] = true
			hasInput[n.ID] = true
		}
	}
	var n int64
	sinks := 0
	for _, v := range d.Vertices {
		if feeds[v.ID] {
			continue
		}
		if !hasInput[v.ID] {
			return -1
		}
		sinks++
		n += v.Metrics.ReadRecords
	}
	if sinks == 0 {
		return -1
	}
	return n
}
