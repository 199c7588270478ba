package confluenttest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type client struct {
	t   *testing.T
	s   *Server
	key string
	sec string
}

func (c client) do(method, path, body string) (int, http.Header, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.s.URL()+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.SetBasicAuth(c.key, c.sec)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header, out
}

func phaseOf(m map[string]any) string {
	st, _ := m["status"].(map[string]any)
	p, _ := st["phase"].(string)
	return p
}

func errDetail(m map[string]any) string {
	errs, _ := m["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	e, _ := errs[0].(map[string]any)
	d, _ := e["detail"].(string)
	return d
}

const P = "/sql/v1/organizations/" + DefaultOrg + "/environments/" + DefaultEnv + "/statements"

func create(name, sql string) string {
	b, _ := json.Marshal(map[string]any{"name": name, "spec": map[string]any{"statement": sql,
		"properties": map[string]string{"sql.current-catalog": DefaultCatalog, "sql.current-database": DefaultDatabase}}})
	return string(b)
}

func TestStandInContract(t *testing.T) {
	s := NewServer(Options{ExistingTables: []string{DefaultCatalog + "." + DefaultDatabase + ".raw"}})
	defer s.Close()
	c := client{t, s, DefaultFlinkKey, DefaultFlinkSecret}

	// 1. Auth.
	bad := client{t, s, DefaultFlinkKey, "wrong"}
	code, h, body := bad.do("GET", P, "")
	if code != 401 || !strings.Contains(h.Get("WWW-Authenticate"), "invalid_key") || errDetail(body) == "" || h.Get("X-Request-Id") == "" {
		t.Errorf("401: %d %v %v", code, h, body)
	}
	cloud := client{t, s, DefaultCloudKey, DefaultCloudSecret}
	if code, _, _ := cloud.do("GET", P, ""); code != 401 {
		t.Errorf("cloud key on the SQL API: %d", code)
	}
	if code, _, _ := c.do("GET", strings.Replace(P, DefaultEnv, "env-other", 1), ""); code != 404 {
		t.Errorf("wrong env: %d", code)
	}
	// 2. Names.
	for _, n := range []string{"Bad_Name", strings.Repeat("a", 101), "-a"} {
		if code, _, _ := c.do("POST", P, create(n, "SELECT 1;")); code != 400 {
			t.Errorf("name %q: %d", n, code)
		}
	}
	// 4, 5. PENDING first, DDL COMPLETED after a read.
	code, h, body = c.do("POST", P, create("ddl-t", "CREATE TABLE t (id INT);"))
	if code != 201 || phaseOf(body) != "PENDING" || h.Get("Location") == "" {
		t.Fatalf("create: %d %v", code, body)
	}
	if _, _, body = c.do("GET", P+"/ddl-t", ""); phaseOf(body) != "PENDING" {
		t.Errorf("first read: %s", phaseOf(body))
	}
	if _, _, body = c.do("GET", P+"/ddl-t", ""); phaseOf(body) != "COMPLETED" {
		t.Errorf("second read: %s", phaseOf(body))
	}
	// 3. Duplicate name, including a finished statement.
	if code, h, _ := c.do("POST", P, create("ddl-t", "CREATE TABLE t (id INT);")); code != 409 || h.Get("Location") == "" {
		t.Errorf("duplicate: %d", code)
	}
	// 6. INSERT RUNNING; 7. missing table FAILED with an exception.
	c.do("POST", P, create("dml-t", "INSERT INTO t SELECT id FROM raw;"))
	c.do("GET", P+"/dml-t", "")
	if _, _, body = c.do("GET", P+"/dml-t", ""); phaseOf(body) != "RUNNING" {
		t.Errorf("insert: %s", phaseOf(body))
	}
	c.do("POST", P, create("dml-u", "INSERT INTO t SELECT id FROM missing_src;"))
	c.do("GET", P+"/dml-u", "")
	_, _, body = c.do("GET", P+"/dml-u", "")
	if detail := body["status"].(map[string]any)["detail"].(string); phaseOf(body) != "FAILED" || !strings.Contains(detail, "missing_src") {
		t.Errorf("missing table: %s %q", phaseOf(body), detail)
	}
	if _, _, body = c.do("GET", P+"/dml-u/exceptions", ""); len(body["data"].([]any)) != 1 {
		t.Errorf("exceptions: %v", body)
	}
	// 8. Missing catalog/database properties.
	c.do("POST", P, `{"name":"noprops","spec":{"statement":"INSERT INTO t SELECT id FROM raw;"}}`)
	c.do("GET", P+"/noprops", "")
	if _, _, body = c.do("GET", P+"/noprops", ""); phaseOf(body) != "FAILED" {
		t.Errorf("no properties: %s", phaseOf(body))
	}
	// 9. Stop with resource_version, stale 409, immutable statement.
	_, _, cur := c.do("GET", P+"/dml-t", "")
	rv := cur["metadata"].(map[string]any)["resource_version"].(string)
	put := func(rv string, stopped bool, sql string) int {
		b, _ := json.Marshal(map[string]any{"name": "dml-t", "metadata": map[string]any{"resource_version": rv},
			"spec": map[string]any{"stopped": stopped, "statement": sql}})
		code, _, _ := c.do("PUT", P+"/dml-t", string(b))
		return code
	}
	if code := put("0", true, "INSERT INTO t SELECT id FROM raw;"); code != 409 {
		t.Errorf("stale PUT: %d", code)
	}
	if code := put(rv, true, "INSERT INTO t SELECT 2;"); code != 400 {
		t.Errorf("PUT changing the SQL: %d", code)
	}
	if code := put(rv, true, "INSERT INTO t SELECT id FROM raw;"); code != 202 {
		t.Errorf("stop PUT: %d", code)
	}
	if _, _, body = c.do("GET", P+"/dml-t", ""); phaseOf(body) != "STOPPING" {
		t.Errorf("after stop: %s", phaseOf(body))
	}
	if _, _, body = c.do("GET", P+"/dml-t", ""); phaseOf(body) != "STOPPED" || body["status"].(map[string]any)["latest_offsets"] == nil {
		t.Errorf("stopped: %v", body["status"])
	}
	// 10. DELETE → DELETING for one read → 404 with the documented detail.
	if code, _, _ := c.do("DELETE", P+"/dml-t", ""); code != 202 {
		t.Errorf("delete: %d", code)
	}
	if _, _, body = c.do("GET", P+"/dml-t", ""); phaseOf(body) != "DELETING" {
		t.Errorf("deleting: %s", phaseOf(body))
	}
	if code, _, body := c.do("GET", P+"/dml-t", ""); code != 404 || errDetail(body) != "Statement resource=dml-t does not exist" {
		t.Errorf("deleted: %d %v", code, body)
	}
	// 11. Unknown pool.
	if code, _, _ := c.do("POST", P, `{"name":"p","spec":{"statement":"SELECT 1;","compute_pool_id":"lfcp-nope"}}`); code != 400 {
		t.Errorf("unknown pool: %d", code)
	}
}

func TestStandInPaging(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	for i := 0; i < 23; i++ {
		s.AddStatement("s-"+string(rune('a'+i)), "SELECT 1;", "COMPLETED", time.Now())
	}
	c := client{t, s, DefaultFlinkKey, DefaultFlinkSecret}
	next, seen, pages := P, 0, 0
	for next != "" {
		u, _ := url.Parse(next)
		_, _, body := c.do("GET", u.RequestURI(), "")
		seen += len(body["data"].([]any))
		pages++
		next, _ = body["metadata"].(map[string]any)["next"].(string)
		if next != "" && !strings.HasPrefix(next, s.URL()) {
			t.Errorf("next is not a full URL: %s", next)
		}
	}
	if seen != 23 || pages != 3 {
		t.Errorf("default page size: %d statements in %d pages", seen, pages)
	}
	if code, _, _ := c.do("GET", P+"?page_size=101", ""); code != 400 {
		t.Errorf("page_size 101: %d", code)
	}
}

func TestStandInPools(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	c := client{t, s, DefaultCloudKey, DefaultCloudSecret}
	if code, _, _ := c.do("GET", "/fcpm/v2/compute-pools", ""); code != 400 {
		t.Errorf("no environment: %d", code)
	}
	code, _, body := c.do("POST", "/fcpm/v2/compute-pools", `{"spec":{"display_name":"dev-x","cloud":"AWS","region":"us-east-1","max_cfu":10,"environment":{"id":"`+DefaultEnv+`"}}}`)
	if code != 202 || phaseOf(body) != "PROVISIONING" {
		t.Fatalf("create pool: %d %v", code, body)
	}
	id := body["id"].(string)
	c.do("GET", "/fcpm/v2/compute-pools/"+id+"?environment="+DefaultEnv, "")
	if _, _, body = c.do("GET", "/fcpm/v2/compute-pools/"+id+"?environment="+DefaultEnv, ""); phaseOf(body) != "PROVISIONED" {
		t.Errorf("pool phase: %v", body)
	}
	if code, _, _ := c.do("POST", "/fcpm/v2/compute-pools", `{"spec":{"display_name":"x","cloud":"AWS","region":"us-east-1","max_cfu":7,"environment":{"id":"`+DefaultEnv+`"}}}`); code != 422 {
		t.Errorf("max_cfu 7: %d", code)
	}
	_, _, body = c.do("GET", "/fcpm/v2/regions?cloud=AWS&region_name=us-east-1", "")
	if ep := body["data"].([]any)[0].(map[string]any)["http_endpoint"]; ep != s.URL() {
		t.Errorf("region endpoint = %v", ep)
	}
}

func TestStandInRejectsNonLoopback(t *testing.T) {
	if _, err := Start(Options{Addr: "0.0.0.0:0"}); err == nil {
		t.Error("non-loopback address accepted")
	}
	if _, err := Start(Options{ExistingTables: []string{"just_a_table"}}); err == nil {
		t.Error("unqualified existing table accepted")
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		sql    string
		kind   sqlKind
		target string
		ifx    bool
	}{
		{"CREATE TABLE IF NOT EXISTS `c`.`d`.`t` (id INT);", sqlCreate, "c.d.t", true},
		{"create table t2 as select * from t1;", sqlCreateAs, "t2", false},
		{"CREATE VIEW v AS SELECT * FROM t;", sqlView, "v", false},
		{"-- comment\nDROP TABLE IF EXISTS `a`;", sqlDrop, "a", true},
		{"DROP TABLE db.a;", sqlDrop, "db.a", false},
		{"ALTER TABLE t SET ('a'='b');", sqlAlter, "t", false},
		{"INSERT INTO x SELECT * FROM y;", sqlInsert, "", false},
		{"EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT * FROM b; END;", sqlInsert, "", false},
		{"SELECT * FROM t;", sqlQuery, "", false},
		{"SET 'x' = 'y';", sqlOther, "", false},
	}
	for _, tt := range tests {
		p, err := parse(tt.sql)
		if err != nil {
			t.Errorf("%q: %v", tt.sql, err)
			continue
		}
		if p.kind != tt.kind || strings.Join(p.target, ".") != tt.target || (p.ifExists || p.ifNotExists) != tt.ifx {
			t.Errorf("%q: kind %d target %v if %v/%v", tt.sql, p.kind, p.target, p.ifExists, p.ifNotExists)
		}
	}
}
