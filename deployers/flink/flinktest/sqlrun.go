package flinktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/shiftleft-dev/shiftleft/internal/sqltest"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// This file adds what `pipeline validate`, `pipeline prepare` and `table
// peek` use, as the SQL Gateway documents it: EXPLAIN answers one row with
// the plan text; a SELECT's result pages carry typed columns and rows with
// their RowKind (INSERT, UPDATE_BEFORE, UPDATE_AFTER, DELETE) until EOS;
// INSERT … VALUES stores its rows in the table's "topic" (kept per server,
// as Kafka outlives sessions) and its job's vertices count them as the
// JobManager's /jobs/{id} does (read-records of the sink vertex). Two
// mistakes get the engine's positioned errors: ",," or SELCT is a parse
// error "Encountered … at line L, column C", and `expr + 'text'` is the
// validator's "From line L, column C to line L, column C2: Cannot apply
// '+' …". Positions count in the submitted statement, as the engine's do.

// storedRow is a row of a table's topic.
type storedRow struct {
	kind   string
	fields []any
}

// mistake returns the engine's message for the two mistakes the stand-in
// recognises ("" when none).
func mistake(sql string) string {
	src := []byte(sql)
	toks, err := flinksql.Lex(src)
	if err != nil {
		return ""
	}
	for i, t := range toks {
		if t.Kind == flinksql.TokOp && t.Ch == ',' && i+1 < len(toks) && toks[i+1].Kind == flinksql.TokOp && toks[i+1].Ch == ',' {
			p := toks[i+1].Pos
			return fmt.Sprintf("SQL parse failed. Encountered \",\" at line %d, column %d.\nWas expecting one of:\n    \"ABS\" ...", p.Line, p.Col)
		}
		if t.Kind == flinksql.TokIdent && strings.EqualFold(t.Text(src), "SELCT") {
			return "SQL parse failed. Non-query expression encountered in illegal context"
		}
		if t.Kind == flinksql.TokOp && t.Ch == '+' && i > 0 && i+1 < len(toks) && toks[i+1].Kind == flinksql.TokString {
			a, b := toks[i-1].Pos, toks[i+1]
			end := flinksql.PosAt(src, b.End-1)
			return fmt.Sprintf("SQL validation failed. From line %d, column %d to line %d, column %d: Cannot apply '+' to arguments of type '<INTEGER> + <CHAR(%d)>'. Supported form(s): '<NUMERIC> + <NUMERIC>'",
				a.Line, a.Col, end.Line, end.Col, len(b.StringValue(src)))
		}
	}
	return ""
}

// explainOp answers EXPLAIN stmt: the inner statement's mistakes and
// unknown tables are errors; otherwise one row holding a plan.
func (s *Server) explainOp(sess *session, sql string, op *operation) {
	inner := strings.TrimSpace(sql)
	inner = strings.TrimSpace(inner[len("EXPLAIN"):])
	op.finalize = func() (string, string) {
		if m := mistake(sql); m != "" {
			return "", m
		}
		info, err := parse(inner)
		if err != nil {
			return "", "SQL parse failed. " + err.Error()
		}
		for _, r := range append(append([]string(nil), info.reads...), info.table) {
			if r == "" {
				continue
			}
			if _, ok := sess.tables[r]; !ok {
				return "", "SQL validation failed. From line 1, column 1 to line 1, column 10: Object '" + r + "' not found"
			}
		}
		op.rows = []storedRow{{kind: "INSERT", fields: []any{"== Abstract Syntax Tree ==\nLogicalSink(table=[default_catalog.default_database." + info.table + "])\n"}}}
		op.columns = []any{column("result", "VARCHAR", 2147483647)}
		op.query = true
		return "", ""
	}
}

// selectOp answers SELECT * FROM t … [LIMIT n]: the rows of t's topic.
func (s *Server) selectOp(sess *session, sql string, op *operation) {
	op.finalize = func() (string, string) {
		src := []byte(sql)
		toks, err := flinksql.Lex(src)
		if err != nil {
			return "", "SQL parse failed. " + err.Error()
		}
		table, limit := "", -1
		for i, t := range toks {
			if t.Kw == flinksql.KwFrom && i+1 < len(toks) && table == "" {
				table = toks[i+1].IdentValue(src)
			}
			if t.Kw == flinksql.KwLimit && i+1 < len(toks) {
				limit, _ = strconv.Atoi(toks[i+1].Text(src))
			}
		}
		if m := mistake(sql); m != "" {
			return "", m
		}
		ddl, ok := sess.tables[table]
		if !ok {
			return "", "SQL validation failed. From line 1, column 15 to line 1, column 20: Object '" + table + "' not found"
		}
		if row, name, ok := s.verdictRow(sql); ok {
			op.columns = []any{column(name, "VARCHAR", 4)}
			op.rows = []storedRow{{kind: "INSERT", fields: row}}
			return s.collectJob(sql, op), ""
		}
		op.columns = nil
		if a, err := flinksql.Analyze([]byte(ddl)); err == nil && len(a.Tables) > 0 {
			for _, c := range a.Tables[0].Columns {
				typ := c.Type
				length := 0
				if typ == "STRING" {
					typ, length = "VARCHAR", 2147483647
				}
				if typ == "INT" {
					typ = "INTEGER"
				}
				op.columns = append(op.columns, column(c.Name, typ, length))
			}
		}
		rows := s.data[table]
		if limit >= 0 && len(rows) > limit {
			rows = rows[:limit]
		}
		// Columns the INSERT did not give (metadata, computed) read null.
		op.rows = make([]storedRow, len(rows))
		for i, r := range rows {
			fields := append([]any(nil), r.fields...)
			for len(fields) < len(op.columns) {
				fields = append(fields, nil)
			}
			op.rows[i] = storedRow{kind: r.kind, fields: fields}
		}
		return s.collectJob(sql, op), ""
	}
}

// collectJob records the finished job of a query and returns its id.
func (s *Server) collectJob(sql string, op *operation) string {
	op.query = true
	s.seq++
	j := &Job{ID: newID(16), Name: "collect", State: "FINISHED", SQL: sql, Seq: s.seq}
	s.jobs[j.ID] = j
	return j.ID
}

func column(name, typ string, length int) map[string]any {
	lt := map[string]any{"type": typ, "nullable": true}
	if length > 0 {
		lt["length"] = length
	}
	return map[string]any{"name": name, "logicalType": lt, "comment": nil}
}

// storeValues appends the rows of INSERT INTO t VALUES (…), (…) to t's
// topic: a key seen before (PRIMARY KEY of the DDL) gives UPDATE_BEFORE of
// the old row and UPDATE_AFTER of the new one. It returns the rows
// written.
func (s *Server) storeValues(sess *session, table, sql string) int {
	src := []byte(sql)
	toks, err := flinksql.Lex(src)
	if err != nil {
		return 0
	}
	var key []int
	if a, err := flinksql.Analyze([]byte(sess.tables[table])); err == nil && len(a.Tables) > 0 {
		for _, k := range a.Tables[0].PrimaryKey {
			for i, c := range a.Tables[0].Columns {
				if c.Name == k {
					key = append(key, i)
				}
			}
		}
	}
	rows := sqltest.ValueRows(toks, src, func(text string, negative bool) any {
		if negative {
			text = "-" + text
		}
		return json.Number(text)
	})
	for _, row := range rows {
		s.upsert(table, key, row)
	}
	return len(rows)
}

func (s *Server) upsert(table string, key []int, row []any) {
	if len(key) > 0 {
		k := keyOf(key, row)
		for i := len(s.data[table]) - 1; i >= 0; i-- {
			old := s.data[table][i]
			if old.kind != "UPDATE_BEFORE" && old.kind != "DELETE" && keyOf(key, old.fields) == k {
				s.data[table] = append(s.data[table], storedRow{"UPDATE_BEFORE", old.fields}, storedRow{"UPDATE_AFTER", row})
				return
			}
		}
	}
	s.data[table] = append(s.data[table], storedRow{"INSERT", row})
}

func keyOf(key []int, row []any) string {
	parts := make([]string, len(key))
	for i, k := range key {
		if k < len(row) {
			parts[i] = fmt.Sprint(row[k])
		}
	}
	return strings.Join(parts, "\x00")
}

// serveRows serves the result pages of a query or EXPLAIN: token 0 the
// rows, then EOS.
func serveRows(w http.ResponseWriter, base, token string, op *operation) {
	if token != "0" {
		writeJSON(w, 200, map[string]any{"resultType": "EOS", "isQueryResult": true, "resultKind": "SUCCESS_WITH_CONTENT",
			"results": map[string]any{"columns": op.columns, "rowFormat": "JSON", "data": []any{}}})
		return
	}
	data := make([]any, len(op.rows))
	for i, r := range op.rows {
		data[i] = map[string]any{"kind": r.kind, "fields": r.fields}
	}
	page := map[string]any{"resultType": "PAYLOAD", "isQueryResult": true, "resultKind": "SUCCESS_WITH_CONTENT",
		"results": map[string]any{"columns": op.columns, "rowFormat": "JSON", "data": data}, "nextResultUri": base + "1?rowFormat=JSON"}
	if op.jobID != "" {
		page["jobID"] = op.jobID
	}
	writeJSON(w, 200, page)
}

// Rows returns the rows of a table's topic as "KIND v1 v2 …", for tests.
func (s *Server) Rows(table string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.data[table] {
		out = append(out, strings.TrimSpace(r.kind+" "+strings.Trim(fmt.Sprint(r.fields), "[]")))
	}
	return out
}

// vertices is the /jobs/{id} detail of a job: a source vertex feeding a
// sink vertex that read the job's rows.
func vertices(j *Job) (any, any) {
	src, sink := j.ID[:8]+"-src", j.ID[:8]+"-sink"
	v := []any{
		map[string]any{"id": src, "name": "Source: Values", "metrics": map[string]any{"read-records": 0, "write-records": j.Rows}},
		map[string]any{"id": sink, "name": "Writer", "metrics": map[string]any{"read-records": j.Rows, "write-records": 0}},
	}
	plan := map[string]any{"nodes": []any{
		map[string]any{"id": src},
		map[string]any{"id": sink, "inputs": []any{map[string]any{"id": src}}},
	}}
	return v, plan
}
