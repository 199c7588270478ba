package confluenttest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// sqlAPI routes /sql/v1/organizations/{org}/environments/{env}/statements[/{name}[/exceptions]].
func (s *Server) sqlAPI(w http.ResponseWriter, r *http.Request, body []byte) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	// sql v1 organizations ORG environments ENV statements [NAME [exceptions]]
	if len(parts) < 7 || parts[2] != "organizations" || parts[4] != "environments" || parts[6] != "statements" {
		s.fail(w, r, http.StatusNotFound, "", "Not Found", "no such API path "+r.URL.Path)
		return
	}
	if parts[3] != s.opts.Org || parts[5] != s.opts.Env {
		s.fail(w, r, http.StatusNotFound, "", "Not Found", fmt.Sprintf("organization %s / environment %s not found", parts[3], parts[5]))
		return
	}
	name := ""
	if len(parts) > 7 {
		name, _ = url.PathUnescape(parts[7])
	}
	switch {
	case len(parts) == 7 && r.Method == http.MethodPost:
		s.create(w, r, body)
	case len(parts) == 7 && r.Method == http.MethodGet:
		s.list(w, r)
	case len(parts) == 8 && r.Method == http.MethodGet:
		s.get(w, r, name)
	case len(parts) == 8 && r.Method == http.MethodPut:
		s.put(w, r, name, body)
	case len(parts) == 8 && r.Method == http.MethodDelete:
		s.delete(w, r, name)
	case len(parts) == 9 && parts[8] == "exceptions" && r.Method == http.MethodGet:
		s.exceptions(w, r, name)
	case len(parts) == 9 && parts[8] == "results" && r.Method == http.MethodGet:
		s.results(w, r, name)
	default:
		s.fail(w, r, http.StatusMethodNotAllowed, "", "Method Not Allowed", r.Method+" "+r.URL.Path)
	}
}

func (s *Server) statementsPath() string {
	return "/sql/v1/organizations/" + s.opts.Org + "/environments/" + s.opts.Env + "/statements"
}

type createReq struct {
	Name string `json:"name"`
	Spec struct {
		Statement     string            `json:"statement"`
		Properties    map[string]string `json:"properties"`
		ComputePoolID string            `json:"compute_pool_id"`
		Principal     string            `json:"principal"`
		Stopped       bool              `json:"stopped"`
	} `json:"spec"`
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, body []byte) {
	var req createReq
	if err := json.Unmarshal(body, &req); err != nil {
		s.fail(w, r, http.StatusBadRequest, "invalid_body", "Bad Request", "request body is not valid JSON: "+err.Error())
		return
	}
	if len(req.Name) > 100 || !namePattern.MatchString(req.Name) {
		s.fail(w, r, http.StatusBadRequest, "invalid_name", "Bad Request",
			"name must be at most 100 characters and match [a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
		return
	}
	if strings.TrimSpace(req.Spec.Statement) == "" {
		s.fail(w, r, http.StatusBadRequest, "invalid_statement", "Bad Request", "spec.statement is required")
		return
	}
	s.mu.Lock()
	if _, dup := s.statements[req.Name]; dup {
		s.mu.Unlock()
		w.Header().Set("Location", s.url+s.statementsPath()+"/"+req.Name)
		s.fail(w, r, http.StatusConflict, "resource_already_exists", "Resource Already exists",
			"Statement resource="+req.Name+" already exists")
		return
	}
	pool := req.Spec.ComputePoolID
	if pool == "" {
		pool = DefaultPool
	}
	if _, ok := s.pools[pool]; !ok {
		s.mu.Unlock()
		s.fail(w, r, http.StatusBadRequest, "invalid_compute_pool", "Bad Request", "compute pool "+pool+" does not exist in environment "+s.opts.Env)
		return
	}
	if from, ok := req.Spec.Properties[propInitialOffsetFrom]; ok {
		if detail := s.checkOffsetSource(from); detail != "" {
			s.mu.Unlock()
			s.fail(w, r, http.StatusUnprocessableEntity, "invalid_configuration", "Unprocessable Entity", detail)
			return
		}
	}
	now := s.opts.Now().UTC()
	st := &statement{Name: req.Name, SQL: req.Spec.Statement, Properties: req.Spec.Properties, Pool: pool,
		Principal: req.Spec.Principal, Stopped: req.Spec.Stopped, Phase: "PENDING", Version: 1, Created: now, Updated: now}
	st.parsed, st.parseErr = parse(st.SQL)
	s.statements[req.Name] = st
	out := s.render(st)
	s.mu.Unlock()
	w.Header().Set("Location", s.url+s.statementsPath()+"/"+req.Name)
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) get(w http.ResponseWriter, r *http.Request, name string) {
	s.mu.Lock()
	st, ok := s.statements[name]
	if !ok {
		s.mu.Unlock()
		s.fail(w, r, http.StatusNotFound, "", "Not Found", "Statement resource="+name+" does not exist")
		return
	}
	out := s.render(st)
	s.advance(st)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	size := 10
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			s.fail(w, r, http.StatusBadRequest, "invalid_page_size", "Bad Request", "page_size must be between 1 and 100")
			return
		}
		size = n
	}
	start := 0
	if tok := q.Get("page_token"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "after:"))
		if err != nil || err2 != nil || n < 0 {
			s.fail(w, r, http.StatusBadRequest, "invalid_page_token", "Bad Request", "invalid page_token")
			return
		}
		start = n
	}
	pool := q.Get("spec.compute_pool_id")
	s.mu.Lock()
	names := make([]string, 0, len(s.statements))
	for n, st := range s.statements {
		if pool == "" || st.Pool == pool {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	data := []any{}
	end := min(start+size, len(names))
	for _, n := range names[min(start, len(names)):end] {
		st := s.statements[n]
		data = append(data, s.render(st))
		s.advance(st)
	}
	s.mu.Unlock()
	meta := map[string]any{"self": s.url + r.URL.RequestURI()}
	if end < len(names) {
		nq := url.Values{}
		nq.Set("page_size", strconv.Itoa(size))
		nq.Set("page_token", base64.RawURLEncoding.EncodeToString([]byte("after:"+strconv.Itoa(end))))
		if pool != "" {
			nq.Set("spec.compute_pool_id", pool)
		}
		meta["next"] = s.url + s.statementsPath() + "?" + nq.Encode()
	}
	writeJSON(w, http.StatusOK, map[string]any{"api_version": "sql/v1", "kind": "StatementList", "metadata": meta, "data": data})
}

func (s *Server) put(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	var req struct {
		Name     string `json:"name"`
		Metadata struct {
			ResourceVersion string `json:"resource_version"`
		} `json:"metadata"`
		Spec struct {
			Statement     *string `json:"statement"`
			Stopped       *bool   `json:"stopped"`
			ComputePoolID string  `json:"compute_pool_id"`
			Principal     string  `json:"principal"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		s.fail(w, r, http.StatusBadRequest, "invalid_body", "Bad Request", "request body is not valid JSON")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.statements[name]
	if !ok {
		s.failLocked(w, r, http.StatusNotFound, "", "Not Found", "Statement resource="+name+" does not exist")
		return
	}
	if s.faults.StalePutNext > 0 {
		s.faults.StalePutNext--
		s.failLocked(w, r, http.StatusConflict, "conflict", "Conflict", "the statement was modified; read it again")
		return
	}
	switch {
	case req.Name != "" && req.Name != name:
		s.failLocked(w, r, http.StatusBadRequest, "invalid_name", "Bad Request", "name is immutable")
	case req.Metadata.ResourceVersion == "" || req.Spec.Stopped == nil:
		s.failLocked(w, r, http.StatusBadRequest, "invalid_body", "Bad Request", "metadata.resource_version and spec.stopped are required")
	case req.Metadata.ResourceVersion != strconv.Itoa(st.Version):
		s.failLocked(w, r, http.StatusConflict, "conflict", "Conflict",
			fmt.Sprintf("resource_version %s is stale (current %d)", req.Metadata.ResourceVersion, st.Version))
	case req.Spec.Statement != nil && *req.Spec.Statement != st.SQL:
		s.failLocked(w, r, http.StatusBadRequest, "immutable_field", "Bad Request", "spec.statement is immutable")
	case req.Spec.ComputePoolID != "" && req.Spec.ComputePoolID != st.Pool && !(st.Stopped && !*req.Spec.Stopped):
		s.failLocked(w, r, http.StatusBadRequest, "invalid_update", "Bad Request", "compute_pool_id may change only when resuming")
	default:
		if req.Spec.ComputePoolID != "" {
			if _, ok := s.pools[req.Spec.ComputePoolID]; !ok {
				s.failLocked(w, r, http.StatusBadRequest, "invalid_compute_pool", "Bad Request", "unknown compute pool")
				return
			}
			st.Pool = req.Spec.ComputePoolID
		}
		if *req.Spec.Stopped && !st.Stopped {
			st.Stopped = true
			if st.Phase == "RUNNING" || st.Phase == "DEGRADED" || st.Phase == "PENDING" {
				s.setPhase(st, "STOPPING", "")
			}
		} else if !*req.Spec.Stopped && st.Stopped {
			st.Stopped = false
			if st.Phase == "STOPPED" || st.Phase == "STOPPING" {
				st.reads = 0
				s.setPhase(st, "PENDING", "")
			}
		}
		st.Version++
		writeJSON(w, http.StatusAccepted, s.render(st))
	}
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request, name string) {
	s.mu.Lock()
	st, ok := s.statements[name]
	if !ok {
		s.mu.Unlock()
		s.fail(w, r, http.StatusNotFound, "", "Not Found", "Statement resource="+name+" does not exist")
		return
	}
	s.setPhase(st, "DELETING", "")
	st.reads = 0
	s.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) exceptions(w http.ResponseWriter, r *http.Request, name string) {
	s.mu.Lock()
	st, ok := s.statements[name]
	if !ok {
		s.mu.Unlock()
		s.fail(w, r, http.StatusNotFound, "", "Not Found", "Statement resource="+name+" does not exist")
		return
	}
	data := []any{}
	for _, e := range st.exceptions {
		data = append(data, map[string]any{"kind": "StatementException", "name": e["name"], "message": e["message"], "timestamp": e["timestamp"]})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"api_version": "sql/v1", "kind": "StatementExceptionList",
		"metadata": map[string]any{"self": s.url + r.URL.Path}, "data": data})
}

// failLocked is fail for callers holding s.mu.
func (s *Server) failLocked(w http.ResponseWriter, r *http.Request, status int, code, title, detail string) {
	if s.faults.EchoAuth {
		detail += " (request had Authorization: " + r.Header.Get("Authorization") + ")"
	}
	e := map[string]any{"status": strconv.Itoa(status), "title": title, "detail": detail, "source": map[string]any{}}
	if code != "" {
		e["code"] = code
	}
	writeJSON(w, status, map[string]any{"errors": []any{e}})
}

func (s *Server) setPhase(st *statement, phase, detail string) {
	st.Phase, st.Detail = phase, detail
	st.Version++
	st.Updated = s.opts.Now().UTC()
}

// render is the JSON of a statement as the API shows it. Callers hold s.mu.
func (s *Server) render(st *statement) map[string]any {
	status := map[string]any{"phase": st.Phase, "detail": st.Detail, "network_kind": "PUBLIC"}
	if st.Phase == "STOPPED" {
		status["latest_offsets"] = map[string]string{"topic": "partition:0,offset:100"}
		status["latest_offsets_timestamp"] = st.Updated.Format("2006-01-02T15:04:05Z")
	}
	if st.resultCols != nil {
		status["traits"] = map[string]any{"sql_kind": "SELECT", "is_bounded": true, "is_append_only": true,
			"schema": map[string]any{"columns": st.resultCols}}
	}
	props := st.Properties
	if props == nil {
		props = map[string]string{}
	}
	return map[string]any{
		"api_version": "sql/v1", "kind": "Statement", "name": st.Name,
		"organization_id": s.opts.Org, "environment_id": s.opts.Env,
		"metadata": map[string]any{
			"self":             s.url + s.statementsPath() + "/" + st.Name,
			"created_at":       st.Created.Format("2006-01-02T15:04:05.000Z"),
			"updated_at":       st.Updated.Format("2006-01-02T15:04:05.000Z"),
			"uid":              fmt.Sprintf("uid-%s", st.Name),
			"resource_version": strconv.Itoa(st.Version),
			"labels":           map[string]string{},
		},
		"spec": map[string]any{
			"statement": st.SQL, "properties": props, "compute_pool_id": st.Pool,
			"principal": st.Principal, "stopped": st.Stopped, "execution_mode": "streaming",
		},
		"status": status,
	}
}

// advance moves a statement one step after a read, so every phase is seen
// at least once. Callers hold s.mu.
func (s *Server) advance(st *statement) {
	st.reads++
	f := s.faults
	switch st.Phase {
	case "PENDING":
		if st.reads < s.opts.PendingReads || matches(f.PendingForever, st.Name) {
			return
		}
		if matches(f.UnknownPhase, st.Name) && !st.unknownDone {
			st.unknownDone = true
			s.setPhase(st, "RECONCILING", "")
			return
		}
		s.execute(st)
	case "RECONCILING":
		s.execute(st)
	case "RUNNING":
		switch {
		case matches(f.FailingMatching, st.Name):
			s.setPhase(st, "FAILING", "Job failed: task manager lost")
			s.addException(st, "org.apache.flink.runtime.JobException", "Recovery is suppressed by NoRestartBackoffTimeStrategy")
		case matches(f.DegradeMatching, st.Name):
			s.setPhase(st, "DEGRADED", "Statement is running with reduced throughput")
		}
	case "FAILING":
		s.setPhase(st, "FAILED", st.Detail)
	case "STOPPING":
		s.setPhase(st, "STOPPED", "")
	case "DELETING":
		if !matches(f.DeletingForever, st.Name) {
			delete(s.statements, st.Name)
		}
	}
}

func (s *Server) addException(st *statement, name, msg string) {
	st.exceptions = append([]map[string]string{{"name": name, "message": msg,
		"timestamp": s.opts.Now().UTC().Format("2006-01-02T15:04:05Z")}}, st.exceptions...)
	if len(st.exceptions) > 10 {
		st.exceptions = st.exceptions[:10]
	}
}

// failStatement moves a statement to FAILED with a detail and one
// exception. Callers hold s.mu.
func (s *Server) failStatement(st *statement, detail string) {
	if matches(s.faults.FailNoDetail, st.Name) {
		s.setPhase(st, "FAILED", "")
	} else {
		s.setPhase(st, "FAILED", detail)
	}
	s.addException(st, "org.apache.flink.table.api.ValidationException", detail)
}

// execute runs a PENDING statement against the catalog. Callers hold s.mu.
func (s *Server) execute(st *statement) {
	if matches(s.faults.FailMatching, st.Name) || matches(s.faults.FailNoDetail, st.Name) {
		s.failStatement(st, "injected failure of statement "+st.Name)
		return
	}
	if st.parseErr != nil {
		s.failStatement(st, "SQL parse error: "+st.parseErr.Error())
		return
	}
	p := st.parsed
	cat, db := st.Properties["sql.current-catalog"], st.Properties["sql.current-database"]
	if s.explain(st, cat+"."+db) || s.unitTestSQL(st, cat+"."+db) || s.snapshotQuery(st, cat+"."+db) {
		return
	}
	resolve := func(parts []string) (string, string, error) {
		switch len(parts) {
		case 3:
			return parts[0] + "." + parts[1], parts[2], nil
		case 2:
			if cat == "" {
				return "", "", fmt.Errorf("cannot resolve %s: sql.current-catalog is not set", strings.Join(parts, "."))
			}
			return cat + "." + parts[0], parts[1], nil
		case 1:
			if cat == "" || db == "" {
				return "", "", fmt.Errorf("cannot resolve %s: sql.current-catalog and sql.current-database are not set", parts[0])
			}
			return cat + "." + db, parts[0], nil
		}
		return "", "", fmt.Errorf("cannot resolve an empty table name")
	}
	exists := func(parts []string) (bool, string, string, error) {
		d, t, err := resolve(parts)
		if err != nil {
			return false, "", "", err
		}
		return s.catalog[d][t], d, t, nil
	}
	if p.kind != sqlDrop && p.kind != sqlAlter {
		for _, rd := range p.reads {
			ok, d, t, err := exists(rd)
			if err != nil {
				s.failStatement(st, err.Error())
				return
			}
			if !ok {
				s.failStatement(st, fmt.Sprintf("Table (or view) '%s' does not exist, may be on a different cluster, or you might not have the required permissions (%s.%s)", strings.Join(rd, "."), d, t))
				return
			}
		}
	}
	switch p.kind {
	case sqlCreate, sqlCreateAs, sqlView:
		ok, d, t, err := exists(p.target)
		if err != nil {
			s.failStatement(st, err.Error())
			return
		}
		if ok && !p.ifNotExists {
			s.failStatement(st, fmt.Sprintf("Table (or view) %s already exists in Catalog %s.", t, d))
			return
		}
		s.addTable(d, t)
		s.recordSchema(d+"."+t, st.SQL)
		if p.kind == sqlCreateAs {
			s.setPhase(st, "RUNNING", "")
		} else {
			s.setPhase(st, "COMPLETED", "Command completed successfully.")
		}
	case sqlDrop, sqlAlter:
		ok, d, t, err := exists(p.target)
		if err != nil {
			s.failStatement(st, err.Error())
			return
		}
		if !ok && !p.ifExists {
			s.failStatement(st, fmt.Sprintf("Table (or view) '%s' does not exist", strings.Join(p.target, ".")))
			return
		}
		if p.kind == sqlDrop {
			delete(s.catalog[d], t)
		}
		s.setPhase(st, "COMPLETED", "Command completed successfully.")
	case sqlInsert:
		for _, wr := range p.writes {
			ok, _, _, err := exists(wr)
			if err != nil {
				s.failStatement(st, err.Error())
				return
			}
			if !ok {
				s.failStatement(st, fmt.Sprintf("Table (or view) '%s' does not exist, may be on a different cluster, or you might not have the required permissions", strings.Join(wr, ".")))
				return
			}
		}
		if st.Stopped {
			s.setPhase(st, "STOPPED", "")
			return
		}
		if d, t, err := resolve(p.writes[0]); err == nil && s.insertValues(d+"."+t, st.SQL) {
			s.setPhase(st, "COMPLETED", "Command completed successfully.") // bounded
			return
		}
		s.setPhase(st, "RUNNING", "")
	case sqlQuery:
		if len(p.reads) > 0 {
			if d, t, err := resolve(p.reads[0]); err == nil {
				s.query(st, d+"."+t)
			}
		}
		s.setPhase(st, "COMPLETED", "Command completed successfully.")
	default:
		s.setPhase(st, "COMPLETED", "Command completed successfully.")
	}
}
