// Package flinktest is an in-process stand-in for the Flink SQL Gateway
// REST API (v2) and the JobManager REST API, following the documented
// behaviour the flink target relies on (Apache Flink's "REST Endpoint" page of
// the SQL Gateway, https://nightlies.apache.org/flink/flink-docs-master/docs/dev/table/sql-gateway/rest/,
// and its "REST API" page of the JobManager):
// per-session in-memory catalogs, asynchronous operations that are RUNNING
// for one status read, results that are NOT_READY once, failures reported
// through the operation and a fetch answering HTTP 500 with a server-side
// stack trace, INSERTs that submit a job named after pipeline.name, cancel
// and stop-with-savepoint. It understands just enough SQL to know which
// tables a statement creates, drops, reads and writes.
package flinktest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// Job is a job as the stand-in's JobManager knows it.
type Job struct {
	ID    string
	Name  string
	State string
	SQL   string
	// Config is the executionConfig the job was submitted with.
	Config map[string]string
	// Seq orders jobs by submission (the stand-in's start-time).
	Seq int
	// RootException is served by /jobs/{id}/exceptions.
	RootException string
	// Rows is what an INSERT … VALUES wrote (its sink vertex's read-records).
	Rows int
}

type operation struct {
	status  string // INITIALIZED, RUNNING, FINISHED, ERROR, CLOSED
	reads   int    // status reads so far
	fetches int
	err     string // root cause, for ERROR
	jobID   string
	// query ops (SELECT, EXPLAIN) serve rows and columns (sqlrun.go).
	query    bool
	rows     []storedRow
	columns  []any
	isDDL    bool
	syncJob  bool // table.dml-sync: stays RUNNING
	finalize func() (jobID string, err string)
}

type session struct {
	tables map[string]string // name → DDL
	ops    map[string]*operation
}

// Server is the stand-in. Its Gateway and JobManager are separate
// httptest servers, as the real endpoints are separate ports.
type Server struct {
	Gateway    *httptest.Server
	JobManager *httptest.Server

	mu         sync.Mutex
	sessions   map[string]*session
	jobs       map[string]*Job
	savepoints map[string]string // trigger id → location ("" while in progress)
	// data is each table's topic: the rows INSERT … VALUES wrote.
	data     map[string][]storedRow
	seq      int
	requests []string
}

// New starts both servers; Close stops them.
func New() *Server {
	s := &Server{sessions: map[string]*session{}, jobs: map[string]*Job{}, savepoints: map[string]string{}, data: map[string][]storedRow{}}
	s.Gateway = httptest.NewServer(http.HandlerFunc(s.serveGateway))
	s.JobManager = httptest.NewServer(http.HandlerFunc(s.serveJobManager))
	return s
}

// NewTLS starts both servers over TLS (httptest's certificate: trust
// Gateway.Certificate()), each request going through wrap first, e.g. a
// proxy that requires a header.
func NewTLS(wrap func(http.Handler) http.Handler) *Server {
	s := &Server{sessions: map[string]*session{}, jobs: map[string]*Job{}, savepoints: map[string]string{}, data: map[string][]storedRow{}}
	s.Gateway = httptest.NewTLSServer(wrap(http.HandlerFunc(s.serveGateway)))
	s.JobManager = httptest.NewTLSServer(wrap(http.HandlerFunc(s.serveJobManager)))
	return s
}

// Close stops both servers.
func (s *Server) Close() {
	s.Gateway.Close()
	s.JobManager.Close()
}

// ExpireSessions forgets every session, as an idle timeout or a gateway
// restart does. Jobs keep running.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions = map[string]*session{}
}

// Jobs returns the jobs sorted by submission.
func (s *Server) Jobs() []Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Job, 0, len(s.jobs))
	for _, j := range s.jobs {
		c := *j
		out = append(out, c)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Seq < out[k].Seq })
	return out
}

// FailJob makes a job FAILED with a root exception.
func (s *Server) FailJob(id, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j := s.jobs[id]; j != nil {
		j.State = "FAILED"
		j.RootException = "org.apache.flink.runtime.JobException: Recovery is suppressed\n\tat x.y(Z.java:1)\nCaused by: java.lang.RuntimeException: " + msg + "\n\tat a.b(C.java:2)"
	}
}

// Requests returns "METHOD path" of every request so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func newID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	h := newID(16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErrors(w http.ResponseWriter, code int, msgs ...string) {
	writeJSON(w, code, map[string]any{"errors": msgs})
}

// serverTrace wraps a root cause the way the gateway's REST handler
// reports an operation failure.
func serverTrace(cause string) []string {
	return []string{"Internal server error.", "<Exception on server side:\n" +
		"org.apache.flink.table.gateway.api.utils.SqlGatewayException: org.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to fetchResults.\n" +
		"\tat org.apache.flink.table.gateway.rest.handler.statement.FetchResultsHandler.handleRequest(FetchResultsHandler.java:91)\n" +
		"Caused by: org.apache.flink.table.gateway.service.utils.SqlExecutionException: Failed to execute the operation 1.\n" +
		"\tat org.apache.flink.table.gateway.service.operation.OperationManager$Operation.processThrowable(OperationManager.java:415)\n" +
		"Caused by: org.apache.flink.table.api.ValidationException: " + cause + "\n" +
		"\tat org.apache.flink.table.planner.calcite.FlinkPlannerImpl.validate(FlinkPlannerImpl.scala:200)\n" +
		"\t... 12 more\n\nEnd of exception on server side>"}
}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
	p := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/api_versions":
		writeJSON(w, 200, map[string]any{"versions": []string{"V1", "V2", "V3", "V4"}})
		return
	case r.URL.Path == "/v2/info":
		writeJSON(w, 200, map[string]string{"productName": "Apache Flink", "version": "2.2.0"})
		return
	case len(p) < 2 || p[0] != "v2" || p[1] != "sessions":
		writeErrors(w, 404, "Not found: "+r.URL.Path)
		return
	}
	if len(p) == 2 && r.Method == http.MethodPost {
		id := newUUID()
		s.sessions[id] = &session{tables: map[string]string{}, ops: map[string]*operation{}}
		writeJSON(w, 200, map[string]string{"sessionHandle": id})
		return
	}
	if len(p) < 3 {
		writeErrors(w, 405, "method not allowed")
		return
	}
	sess := s.sessions[p[2]]
	if sess == nil {
		writeErrors(w, 500, serverTrace("Session '"+p[2]+"' does not exist.")...)
		return
	}
	switch {
	case len(p) == 3 && r.Method == http.MethodDelete:
		delete(s.sessions, p[2])
		writeJSON(w, 200, map[string]string{"status": "CLOSED"})
	case len(p) == 4 && p[3] == "heartbeat" && r.Method == http.MethodPost:
		writeJSON(w, 200, map[string]any{})
	case len(p) == 4 && p[3] == "configure-session" && r.Method == http.MethodPost:
		var in struct {
			Statement string `json:"statement"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeErrors(w, 400, "bad request: "+err.Error())
			return
		}
		if msg := s.applyDDL(sess, in.Statement); msg != "" {
			writeErrors(w, 500, serverTrace(msg)...)
			return
		}
		w.WriteHeader(200)
	case len(p) == 4 && p[3] == "statements" && r.Method == http.MethodPost:
		var in struct {
			Statement       string            `json:"statement"`
			ExecutionConfig map[string]string `json:"executionConfig"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeErrors(w, 400, "bad request: "+err.Error())
			return
		}
		id := newUUID()
		sess.ops[id] = s.newOperation(sess, in.Statement, in.ExecutionConfig)
		writeJSON(w, 200, map[string]string{"operationHandle": id})
	case len(p) >= 6 && p[3] == "operations":
		op := sess.ops[p[4]]
		if op == nil {
			writeErrors(w, 500, serverTrace("Can not find the submitted operation in the OperationManager with the "+p[4]+".")...)
			return
		}
		s.serveOperation(w, r, p, op, sess)
	default:
		writeErrors(w, 404, "Not found: "+r.URL.Path)
	}
}

func (s *Server) serveOperation(w http.ResponseWriter, r *http.Request, p []string, op *operation, sess *session) {
	switch {
	case p[5] == "status" && r.Method == http.MethodGet:
		op.reads++
		if op.status == "INITIALIZED" {
			op.status = "RUNNING"
		} else if op.status == "RUNNING" && !op.syncJob {
			op.jobID, op.err = op.finalize()
			op.status = "FINISHED"
			if op.err != "" {
				op.status = "ERROR"
			}
		}
		writeJSON(w, 200, map[string]string{"status": op.status})
	case p[5] == "close" && r.Method == http.MethodDelete:
		delete(sess.ops, p[4])
		writeJSON(w, 200, map[string]string{"status": "CLOSED"})
	case p[5] == "result" && len(p) == 7 && r.Method == http.MethodGet:
		if r.URL.Query().Get("rowFormat") == "" {
			writeErrors(w, 400, "Bad request received. Missing rowFormat.")
			return
		}
		if op.status == "ERROR" {
			writeErrors(w, 500, serverTrace(op.err)...)
			return
		}
		base := "/v2/sessions/" + p[2] + "/operations/" + p[4] + "/result/"
		op.fetches++
		if op.status != "FINISHED" || op.fetches == 1 {
			writeJSON(w, 200, map[string]any{"resultType": "NOT_READY", "nextResultUri": base + p[6] + "?rowFormat=JSON"})
			return
		}
		if op.query {
			serveRows(w, base, p[6], op)
			return
		}
		if p[6] != "0" {
			writeJSON(w, 200, map[string]any{"resultType": "EOS", "isQueryResult": false, "resultKind": "SUCCESS",
				"results": map[string]any{"columns": []any{}, "rowFormat": "JSON", "data": []any{}}})
			return
		}
		page := map[string]any{"resultType": "PAYLOAD", "isQueryResult": false, "nextResultUri": base + "1?rowFormat=JSON"}
		col := func(name string) []any {
			return []any{map[string]any{"name": name, "logicalType": map[string]any{"type": "VARCHAR", "nullable": true, "length": 2147483647}, "comment": nil}}
		}
		if op.jobID != "" {
			page["jobID"] = op.jobID
			page["resultKind"] = "SUCCESS_WITH_CONTENT"
			page["results"] = map[string]any{"columns": col("job id"), "rowFormat": "JSON",
				"data": []any{map[string]any{"kind": "INSERT", "fields": []string{op.jobID}}}}
		} else {
			page["resultKind"] = "SUCCESS"
			page["results"] = map[string]any{"columns": col("result"), "rowFormat": "JSON",
				"data": []any{map[string]any{"kind": "INSERT", "fields": []string{"OK"}}}}
		}
		writeJSON(w, 200, page)
	default:
		writeErrors(w, 404, "Not found: "+r.URL.Path)
	}
}

// stmtInfo is what the stand-in understands of a statement.
type stmtInfo struct {
	kind        string // create, drop, insert, set, use, other
	table       string // created, dropped or written table
	ifNotExists bool
	reads       []string
	bounded     bool // INSERT ... VALUES
	multiple    bool // more than one statement
}

func parse(sql string) (stmtInfo, error) {
	src := []byte(sql)
	toks, err := flinksql.Lex(src)
	if err != nil {
		return stmtInfo{}, err
	}
	for len(toks) > 0 && toks[len(toks)-1].Kind == flinksql.TokOp && toks[len(toks)-1].Ch == ';' {
		toks = toks[:len(toks)-1]
	}
	var info stmtInfo
	for _, t := range toks {
		if t.Kind == flinksql.TokOp && t.Ch == ';' {
			info.multiple = true
		}
	}
	name := func(i int) (string, int) {
		// a dotted name: keep its last part, as the target's names match on it
		n := ""
		for i < len(toks) {
			if toks[i].Kind == flinksql.TokIdent || toks[i].Kind == flinksql.TokQuotedIdent {
				n = toks[i].IdentValue(src)
				if i+1 < len(toks) && toks[i+1].Text(src) == "." {
					i += 2
					continue
				}
			}
			return n, i
		}
		return n, i
	}
	if len(toks) == 0 {
		return info, fmt.Errorf("empty statement")
	}
	switch toks[0].Kw {
	case flinksql.KwCreate:
		i := 1
		for i < len(toks) && toks[i].Kw != flinksql.KwTable {
			if toks[i].Kw == flinksql.KwCatalog || toks[i].Kw == flinksql.KwDatabase {
				info.kind = "other"
				return info, nil
			}
			i++
		}
		i++
		if i+2 < len(toks) && toks[i].Kw == flinksql.KwIf {
			info.ifNotExists = true
			i += 3
		}
		info.kind = "create"
		info.table, _ = name(i)
	case flinksql.KwDrop:
		info.kind = "drop"
		i := 2
		if i+1 < len(toks) && toks[i].Kw == flinksql.KwIf {
			i += 2
		}
		info.table, _ = name(i)
	case flinksql.KwInsert:
		info.kind = "insert"
		info.table, _ = name(2)
		for i, t := range toks {
			switch t.Kw {
			case flinksql.KwFrom, flinksql.KwJoin:
				if n, _ := name(i + 1); n != "" && (i+1 < len(toks) && toks[i+1].Kind != flinksql.TokOp) {
					info.reads = append(info.reads, n)
				}
			case flinksql.KwValues:
				info.bounded = true
			}
		}
	case flinksql.KwSet, flinksql.KwReset:
		info.kind = "set"
	case flinksql.KwUse:
		info.kind = "use"
	default:
		info.kind = "other"
	}
	return info, nil
}

// applyDDL runs a catalog statement in the session; it returns the root
// cause of a failure ("" on success).
func (s *Server) applyDDL(sess *session, sql string) string {
	info, err := parse(sql)
	if err != nil {
		return "SQL parse failed. " + err.Error()
	}
	if info.multiple {
		return "Unsupported SQL statement! Execute statement only accepts a single SQL statement or multiple 'INSERT INTO' statements wrapped in a 'STATEMENT SET' block."
	}
	switch info.kind {
	case "create":
		if _, ok := sess.tables[info.table]; ok {
			if info.ifNotExists {
				return ""
			}
			return "Could not execute CreateTable in path `default_catalog`.`default_database`.`" + info.table + "`: Table (or view) default_database." + info.table + " already exists in Catalog default_catalog."
		}
		sess.tables[info.table] = sql
	case "drop":
		delete(sess.tables, info.table)
		// The flink target deletes the topic of a table it drops; the
		// stand-in has no Kafka, so the drop empties it (unittest.go).
		delete(s.data, info.table)
	case "insert":
		return "Unsupported SQL statement! The SQL statement is not supported by configure-session."
	}
	return ""
}

func (s *Server) newOperation(sess *session, sql string, cfg map[string]string) *operation {
	op := &operation{status: "INITIALIZED"}
	switch first := strings.ToUpper(strings.Fields(strings.TrimSpace(sql) + " x")[0]); first {
	case "EXPLAIN":
		s.explainOp(sess, sql, op)
		return op
	case "SELECT":
		s.selectOp(sess, sql, op)
		return op
	}
	info, err := parse(sql)
	switch {
	case err != nil:
		op.finalize = func() (string, string) { return "", "SQL parse failed. " + err.Error() }
	case info.multiple:
		op.finalize = func() (string, string) {
			return "", "Unsupported SQL statement! Execute statement only accepts a single SQL statement or multiple 'INSERT INTO' statements wrapped in a 'STATEMENT SET' block."
		}
	case info.kind != "insert":
		op.isDDL = true
		op.finalize = func() (string, string) { return "", s.applyDDL(sess, sql) }
	default:
		op.syncJob = cfg["table.dml-sync"] == "true"
		op.finalize = func() (string, string) {
			if m := mistake(sql); m != "" {
				return "", m
			}
			for _, r := range info.reads {
				if _, ok := sess.tables[r]; !ok {
					return "", "SQL validation failed. From line 1, column 1 to line 1, column 10: Object '" + r + "' not found"
				}
			}
			if _, ok := sess.tables[info.table]; !ok {
				return "", "Cannot find table '`default_catalog`.`default_database`.`" + info.table + "`' in any of the catalogs [default_catalog], nor as a temporary table."
			}
			name := cfg["pipeline.name"]
			if name == "" {
				name = "insert-into_default_catalog.default_database." + info.table
			}
			s.seq++
			state := "RUNNING"
			// VALUES, or bounded sources (unittest.go): the job ends.
			fromBounded := !info.bounded && isBounded(sess, info.reads)
			if info.bounded || fromBounded {
				state = "FINISHED"
			}
			conf := map[string]string{}
			for k, v := range cfg {
				conf[k] = v
			}
			j := &Job{ID: newID(16), Name: name, State: state, SQL: sql, Config: conf, Seq: s.seq}
			if info.bounded {
				j.Rows = s.storeValues(sess, info.table, sql)
			}
			if fromBounded {
				j.Rows = s.copySelect(sess, info.table, sql)
			}
			s.jobs[j.ID] = j
			return j.ID, ""
		}
	}
	return op
}

func (s *Server) serveJobManager(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
	p := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(p) == 0 || p[0] != "jobs" {
		writeErrors(w, 404, "Not found: "+r.URL.Path)
		return
	}
	view := func(j *Job) map[string]any {
		end := int64(-1)
		if j.State == "FINISHED" || j.State == "CANCELED" || j.State == "FAILED" {
			end = 1_700_000_000_000 + int64(j.Seq)*1000 + 500
		}
		return map[string]any{"jid": j.ID, "name": j.Name, "state": j.State,
			"start-time": 1_700_000_000_000 + int64(j.Seq)*1000, "end-time": end, "duration": 1, "last-modification": 1}
	}
	if len(p) == 2 && p[1] == "overview" && r.Method == http.MethodGet {
		list := make([]map[string]any, 0, len(s.jobs))
		for _, j := range s.jobs {
			// A cancel completes on the next read, as the real one takes a moment.
			list = append(list, view(j))
			if j.State == "CANCELLING" {
				j.State = "CANCELED"
			}
		}
		writeJSON(w, 200, map[string]any{"jobs": list})
		return
	}
	if len(p) < 2 {
		writeErrors(w, 404, "Not found: "+r.URL.Path)
		return
	}
	j := s.jobs[p[1]]
	if j == nil {
		writeErrors(w, 404, "Job "+p[1]+" not found")
		return
	}
	switch {
	case len(p) == 2 && r.Method == http.MethodGet:
		detail := view(j)
		detail["vertices"], detail["plan"] = vertices(j)
		writeJSON(w, 200, detail)
		if j.State == "CANCELLING" {
			j.State = "CANCELED"
		}
	case len(p) == 2 && r.Method == http.MethodPatch:
		if r.URL.Query().Get("mode") != "cancel" {
			writeErrors(w, 400, "Bad request: mode must be cancel")
			return
		}
		if j.State == "RUNNING" || j.State == "CREATED" || j.State == "INITIALIZING" || j.State == "RESTARTING" {
			j.State = "CANCELLING"
		}
		w.WriteHeader(202)
	case len(p) == 3 && p[2] == "exceptions" && r.Method == http.MethodGet:
		writeJSON(w, 200, map[string]any{"root-exception": j.RootException, "timestamp": 1, "all-exceptions": []any{}, "truncated": false})
	case len(p) == 3 && p[2] == "stop" && r.Method == http.MethodPost:
		var in struct {
			TargetDirectory string `json:"targetDirectory"`
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		if j.State != "RUNNING" {
			writeErrors(w, 409, "Job "+j.ID+" is not running")
			return
		}
		dir := in.TargetDirectory
		if dir == "" {
			dir = "file:/tmp/flink-savepoints"
		}
		trig := newID(16)
		s.savepoints[trig] = dir + "/savepoint-" + j.ID[:6] + "-" + newID(6)
		j.State = "FINISHED"
		writeJSON(w, 202, map[string]string{"request-id": trig})
	case len(p) == 4 && p[2] == "savepoints" && r.Method == http.MethodGet:
		loc, ok := s.savepoints[p[3]]
		if !ok {
			writeErrors(w, 404, "savepoint trigger "+p[3]+" not found")
			return
		}
		if !strings.HasPrefix(loc, "done:") {
			// IN_PROGRESS for the first read.
			s.savepoints[p[3]] = "done:" + loc
			writeJSON(w, 200, map[string]any{"status": map[string]string{"id": "IN_PROGRESS"}})
			return
		}
		writeJSON(w, 200, map[string]any{"status": map[string]string{"id": "COMPLETED"},
			"operation": map[string]string{"location": strings.TrimPrefix(loc, "done:")}})
	default:
		writeErrors(w, 404, "Not found: "+r.URL.Path)
	}
}
