package confluenttest

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/shiftleft-dev/shiftleft/internal/sqltest"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// This file adds what unit tests of a table need, as Confluent Cloud
// behaves:
//   - SHOW TABLES COMPLETES with one row per table of the current database
//     (column table_name);
//   - a statement whose sources are all bounded ('scan.bounded.mode' in
//     their CREATE TABLE) COMPLETES (only for test tables, named …_ut or
//     …_ut_<run id>: the samples' deploy tests expect their DMLs RUNNING): INSERT INTO t SELECT c1, c2 … FROM s
//     (a plain projection of one table, or *) copies s's rows to t;
//     anything richer completes without writing (the stand-in computes no
//     SQL beyond that);
//   - a validation query SELECT CASE WHEN COUNT(*) = n THEN 'X' ELSE 'Y'
//     END … FROM t COMPLETES with one row, X or Y after counting t's rows
//     (a retraction cancels the row it retracts).

// testTableRE matches the names of unit tests' tables.
var testTableRE = regexp.MustCompile(`_ut(_[a-z0-9]+)?$`)

// unitTestSQL runs the statements above; false when st is none of them
// (or, for a CREATE TABLE, after noting whether it is bounded). Callers
// hold s.mu.
func (s *Server) unitTestSQL(st *statement, db string) bool {
	src := []byte(st.SQL)
	toks, err := flinksql.Lex(src)
	if err != nil || len(toks) == 0 {
		return false
	}
	word := func(i int) string {
		if i < len(toks) {
			return strings.ToUpper(toks[i].Text(src))
		}
		return ""
	}
	qualify := func(name string) string { return db + "." + name }
	switch {
	case word(0) == "SHOW" && word(1) == "TABLES":
		var names []string
		for t := range s.catalog[db] {
			names = append(names, t)
		}
		sort.Strings(names)
		st.results = nil
		for _, n := range names {
			st.results = append(st.results, resultRow{0, []any{n}})
		}
		st.resultCols = []any{map[string]any{"name": "table_name", "type": map[string]any{"type": "VARCHAR", "nullable": false}}}
		s.setPhase(st, "COMPLETED", "Command completed successfully.")
		return true
	case st.parsed != nil && st.parsed.kind == sqlCreate && len(st.parsed.target) == 1:
		if strings.Contains(strings.ToLower(st.SQL), "scan.bounded.mode") && testTableRE.MatchString(st.parsed.target[0]) {
			if s.bounded == nil {
				s.bounded = map[string]bool{}
			}
			s.bounded[qualify(st.parsed.target[0])] = true
		}
		return false
	case st.parsed != nil && st.parsed.kind == sqlInsert && len(st.parsed.reads) == 0 && len(st.parsed.writes) == 1 &&
		len(st.parsed.writes[0]) == 1 && testTableRE.MatchString(st.parsed.writes[0][0]) && s.catalog[db][st.parsed.writes[0][0]]:
		// INSERT … VALUES into a test table, CSV inputs' CASTs included.
		table := qualify(st.parsed.writes[0][0])
		for _, row := range valueRows(toks, src) {
			s.upsertRow(table, s.pkeys[table], row)
		}
		s.setPhase(st, "COMPLETED", "Command completed successfully.")
		return true
	case st.parsed != nil && st.parsed.kind == sqlInsert && len(st.parsed.reads) > 0 && len(st.parsed.writes) == 1:
		for _, r := range st.parsed.reads {
			if len(r) != 1 || !s.bounded[qualify(r[0])] || !s.catalog[db][r[0]] {
				return false // the usual checks and an unbounded job
			}
		}
		w := st.parsed.writes[0]
		if len(w) != 1 || !s.catalog[db][w[0]] {
			return false
		}
		s.copySelect(toks, src, qualify(st.parsed.reads[0][0]), qualify(w[0]))
		s.setPhase(st, "COMPLETED", "Command completed successfully.")
		return true
	case word(0) == "SELECT" && word(1) == "CASE":
		return s.verdict(st, toks, src, db)
	}
	return false
}

// copySelect copies from's rows to to when the SELECT is a projection of
// columns by name (or *).
func (s *Server) copySelect(toks []flinksql.Token, src []byte, from, to string) {
	sel, fr := -1, -1
	for i, t := range toks {
		if t.Kw == flinksql.KwSelect && sel < 0 {
			sel = i
		}
		if t.Kw == flinksql.KwFrom && fr < 0 {
			fr = i
		}
	}
	if sel < 0 || fr < 0 || fr+2 < len(toks) && !(toks[fr+2].Kind == flinksql.TokOp && toks[fr+2].Ch == ';') {
		return
	}
	var names []string
	for _, c := range s.schemas[from] {
		names = append(names, fmt.Sprint(c.(map[string]any)["name"]))
	}
	var pick []int
	for i := sel + 1; i < fr; i++ {
		t := toks[i]
		switch {
		case t.Kind == flinksql.TokOp && t.Ch == ',':
		case t.Kind == flinksql.TokOp && t.Ch == '*':
			for k := range names {
				pick = append(pick, k)
			}
		case t.Kind == flinksql.TokIdent || t.Kind == flinksql.TokQuotedIdent:
			k := -1
			for j, n := range names {
				if strings.EqualFold(n, t.IdentValue(src)) {
					k = j
				}
			}
			if k < 0 {
				return
			}
			pick = append(pick, k)
		default:
			return
		}
	}
	for _, r := range s.topics[from] {
		if r.Op == 1 || r.Op == 3 {
			continue
		}
		row := make([]any, len(pick))
		for i, k := range pick {
			if k < len(r.Row) {
				row[i] = r.Row[k]
			}
		}
		s.upsertRow(to, s.pkeys[to], row)
	}
}

// verdict answers SELECT CASE WHEN COUNT(*) = n THEN 'X' ELSE 'Y' END [AS
// name] FROM t; false for any other SELECT CASE.
func (s *Server) verdict(st *statement, toks []flinksql.Token, src []byte, db string) bool {
	text := func(i int) string {
		if i < len(toks) {
			return strings.ToUpper(toks[i].Text(src))
		}
		return ""
	}
	for i, w := range []string{"SELECT", "CASE", "WHEN", "COUNT", "(", "*", ")", "="} {
		if text(i) != w {
			return false
		}
	}
	if len(toks) < 16 || toks[8].Kind != flinksql.TokNumber || text(9) != "THEN" || toks[10].Kind != flinksql.TokString ||
		text(11) != "ELSE" || toks[12].Kind != flinksql.TokString || text(13) != "END" {
		return false
	}
	i, name := 14, "EXPR$0"
	if text(i) == "AS" {
		name, i = toks[i+1].IdentValue(src), i+2
	}
	if text(i) != "FROM" || i+1 >= len(toks) {
		return false
	}
	table := toks[i+1].IdentValue(src)
	if !s.catalog[db][table] {
		s.failStatement(st, fmt.Sprintf("Table (or view) '%s' does not exist, may be on a different cluster, or you might not have the required permissions.", table))
		return true
	}
	count := 0
	for _, r := range s.topics[db+"."+table] {
		if r.Op == 0 || r.Op == 2 {
			count++
		} else {
			count--
		}
	}
	v := toks[12].StringValue(src)
	if toks[8].Text(src) == strconv.Itoa(count) {
		v = toks[10].StringValue(src)
	}
	st.results = []resultRow{{0, []any{v}}}
	st.resultCols = []any{map[string]any{"name": name, "type": map[string]any{"type": "VARCHAR", "nullable": false}}}
	s.setPhase(st, "COMPLETED", "Command completed successfully.")
	return true
}

// valueRows are the rows of INSERT … VALUES (…), (…); values are
// strings, as the service formats them.
func valueRows(toks []flinksql.Token, src []byte) [][]any {
	return sqltest.ValueRows(toks, src, func(text string, negative bool) any {
		if negative {
			return "-" + text
		}
		return text
	})
}
