package confluenttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// This file is the stand-in's part of Confluent Cloud's "Read Statement
// Result" (GET …/statements/{name}/results, sql/v1) and of what produces
// results:
//   - INSERT … VALUES is bounded: it COMPLETES and its rows go to the
//     table's topic (an upsert on a PRIMARY KEY seen before gives op 1 and
//     2, UPDATE_BEFORE and UPDATE_AFTER);
//   - SELECT … FROM t [LIMIT n] COMPLETES with t's rows as results and its
//     columns in status.traits.schema (a snapshot query is evaluated:
//     snapshot.go);
//   - EXPLAIN stmt COMPLETES with one row holding a plan, or FAILS with the
//     engine's positioned detail for the mistakes it knows (",," or SELCT
//     is a parse error at a line and column, `expr + 'text'` a type error)
//     and for tables that do not exist.
//
// Results come two rows a page, page_token being the offset, so clients
// must follow metadata.next. Failure modes as documented for the call: an
// unknown statement is 404; a page_token that is not one the stand-in
// gave is 400; a statement still PENDING has no results yet (200, no data,
// metadata.next to ask again).

// resultRow is one row: its op (0 +I, 1 -U, 2 +U, 3 -D) and values.
type resultRow struct {
	Op  int   `json:"op"`
	Row []any `json:"row"`
}

// resultsPageSize is small so paging is exercised.
const resultsPageSize = 2

// recordSchema keeps the columns of a created table. Callers hold s.mu.
func (s *Server) recordSchema(table, ddl string) {
	a, err := flinksql.Analyze([]byte(ddl))
	if err != nil || len(a.Tables) == 0 {
		return
	}
	cols := []any{}
	for _, c := range a.Tables[0].Columns {
		typ := strings.ToUpper(c.Type)
		switch typ {
		case "STRING":
			typ = "VARCHAR"
		case "INT":
			typ = "INTEGER"
		}
		cols = append(cols, map[string]any{"name": c.Name, "type": map[string]any{"type": typ, "nullable": !c.NotNull}})
	}
	s.schemas[table] = cols
	var key []int
	for _, k := range a.Tables[0].PrimaryKey {
		for i, c := range a.Tables[0].Columns {
			if c.Name == k {
				key = append(key, i)
			}
		}
	}
	s.pkeys[table] = key
}

// insertValues stores the rows of INSERT INTO t VALUES (…), …; false when
// the statement has no VALUES (a streaming INSERT). Callers hold s.mu.
func (s *Server) insertValues(table, sql string) bool {
	src := []byte(sql)
	toks, err := flinksql.Lex(src)
	if err != nil {
		return false
	}
	values := false
	for _, t := range toks {
		values = values || t.Kw == flinksql.KwValues
	}
	if !values {
		return false
	}
	key := s.pkeys[table]
	var row []any
	in, minus := false, ""
	for _, t := range toks {
		switch {
		case t.Kind == flinksql.TokOp && t.Ch == '(':
			in, row = true, nil
		case t.Kind == flinksql.TokOp && t.Ch == ')' && in:
			in = false
			s.upsertRow(table, key, row)
		case in && t.Kind == flinksql.TokOp && t.Ch == '-':
			minus = "-"
			continue
		case in && t.Kind == flinksql.TokString:
			row = append(row, t.StringValue(src))
		case in && t.Kind == flinksql.TokNumber:
			// The service formats every value as a string.
			row = append(row, minus+t.Text(src))
		case in && t.Kw == flinksql.KwNull:
			row = append(row, nil)
		}
		minus = ""
	}
	return true
}

func (s *Server) upsertRow(table string, key []int, row []any) {
	same := func(a, b []any) bool {
		for _, k := range key {
			if k >= len(a) || k >= len(b) || fmt.Sprint(a[k]) != fmt.Sprint(b[k]) {
				return false
			}
		}
		return true
	}
	if len(key) > 0 {
		rows := s.topics[table]
		for i := len(rows) - 1; i >= 0; i-- {
			if (rows[i].Op == 0 || rows[i].Op == 2) && same(rows[i].Row, row) {
				s.topics[table] = append(rows, resultRow{1, rows[i].Row}, resultRow{2, row})
				return
			}
		}
	}
	s.topics[table] = append(s.topics[table], resultRow{0, row})
}

// query makes a SELECT's results: the table's rows up to its LIMIT.
// Callers hold s.mu.
func (s *Server) query(st *statement, table string) {
	src := []byte(st.SQL)
	toks, _ := flinksql.Lex(src)
	limit := -1
	for i, t := range toks {
		if t.Kw == flinksql.KwLimit && i+1 < len(toks) {
			limit, _ = strconv.Atoi(toks[i+1].Text(src))
		}
	}
	rows := s.topics[table]
	if limit >= 0 && len(rows) > limit {
		rows = rows[:limit]
	}
	st.results = append([]resultRow{}, rows...)
	st.resultCols = s.schemas[table]
	if st.resultCols == nil {
		st.resultCols = []any{}
	}
}

// explain fails a statement with a mistake the stand-in knows and runs
// EXPLAIN statements; false when it did neither. Callers hold s.mu.
func (s *Server) explain(st *statement, db string) bool {
	if msg := mistake(st.SQL); msg != "" {
		s.failStatement(st, msg)
		return true
	}
	text := strings.TrimSpace(st.SQL)
	if len(text) < 8 || !strings.EqualFold(text[:8], "EXPLAIN ") {
		return false
	}
	a, err := flinksql.Analyze([]byte(text[8:]))
	if err != nil {
		s.failStatement(st, "SQL parse failed. "+err.Error())
		return true
	}
	for _, n := range append(append([]flinksql.Name(nil), a.Reads...), a.Writes...) {
		if !s.catalog[db][n.Table()] {
			s.failStatement(st, fmt.Sprintf("Table (or view) '%s' does not exist, may be on a different cluster, or you might not have the required permissions.", n.Table()))
			return true
		}
	}
	st.results = []resultRow{{0, []any{"== Physical Plan ==\nStreamSink [1]\n"}}}
	st.resultCols = []any{map[string]any{"name": "plan", "type": map[string]any{"type": "VARCHAR", "nullable": false}}}
	s.setPhase(st, "COMPLETED", "Command completed successfully.")
	return true
}

// mistake is the engine's detail for the mistakes the stand-in knows.
func mistake(sql string) string {
	src := []byte(sql)
	toks, err := flinksql.Lex(src)
	if err != nil {
		return ""
	}
	for i, t := range toks {
		switch {
		case t.Kind == flinksql.TokOp && t.Ch == ',' && i+1 < len(toks) && toks[i+1].Kind == flinksql.TokOp && toks[i+1].Ch == ',':
			p := toks[i+1].Pos
			return fmt.Sprintf("SQL parse failed. Encountered \",\" at line %d, column %d.", p.Line, p.Col)
		case t.Kind == flinksql.TokIdent && strings.EqualFold(t.Text(src), "SELCT"):
			return fmt.Sprintf("SQL parse failed. Encountered \"SELCT\" at line %d, column %d.", t.Pos.Line, t.Pos.Col)
		case t.Kind == flinksql.TokOp && t.Ch == '+' && i > 0 && i+1 < len(toks) && toks[i+1].Kind == flinksql.TokString:
			a := toks[i-1].Pos
			return fmt.Sprintf("From line %d, column %d to line %d, column %d: Cannot apply '+' to arguments of type '<INTEGER> + <CHAR(%d)>'.",
				a.Line, a.Col, toks[i+1].Pos.Line, toks[i+1].Pos.Col, len(toks[i+1].StringValue(src)))
		}
	}
	return ""
}

// results serves GET …/statements/{name}/results.
func (s *Server) results(w http.ResponseWriter, r *http.Request, name string) {
	s.mu.Lock()
	st := s.statements[name]
	if st == nil {
		s.failLocked(w, r, http.StatusNotFound, "", "Not Found", "statement "+name+" not found")
		s.mu.Unlock()
		return
	}
	offset := 0
	if tok := r.URL.Query().Get("page_token"); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || n > len(st.results) {
			s.failLocked(w, r, http.StatusBadRequest, "", "Bad Request", "invalid page_token "+strconv.Quote(tok))
			s.mu.Unlock()
			return
		}
		offset = n
	}
	self := s.url + s.statementsPath() + "/" + name + "/results"
	data := []resultRow{}
	next := ""
	switch st.Phase {
	case "PENDING", "RECONCILING":
		next = self + "?page_token=" + strconv.Itoa(offset)
	default:
		end := min(offset+resultsPageSize, len(st.results))
		data = append(data, st.results[offset:end]...)
		if end < len(st.results) {
			next = self + "?page_token=" + strconv.Itoa(end)
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"api_version": "sql/v1", "kind": "StatementResult",
		"metadata": map[string]any{"self": self, "next": next},
		"results":  map[string]any{"data": data},
	})
}
