package flinktest

import (
	"sort"
	"strconv"
	"strings"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// This file adds what unit tests of a table need, as the engine behaves:
//   - a job whose sources are all bounded ('scan.bounded.mode' in their
//     DDL) FINISHES by itself; INSERT INTO t SELECT c1, c2 … FROM s (a plain
//     projection of one table, or *) copies s's rows to t. Anything richer
//     (a WHERE, a join, an aggregate) finishes without writing: the
//     stand-in computes no SQL beyond that.
//   - a validation query SELECT CASE WHEN COUNT(*) = n THEN 'X' ELSE 'Y'
//     END … FROM t answers one row, X or Y after counting t's rows (a
//     retraction cancels the row it retracts).
//   - DROP TABLE empties the table's rows: the flink target deletes the
//     topic of a table it drops, and the stand-in has no Kafka.

// isBounded reports whether every table of reads is bounded in the
// session's catalog.
func isBounded(sess *session, reads []string) bool {
	if len(reads) == 0 {
		return false
	}
	for _, r := range reads {
		if !strings.Contains(strings.ToLower(sess.tables[r]), "scan.bounded.mode") {
			return false
		}
	}
	return true
}

// copySelect copies the rows of INSERT INTO table SELECT cols FROM src,
// projected by column name; it returns the rows written (0 when the
// SELECT is not a plain projection of one table).
func (s *Server) copySelect(sess *session, table, sql string) int {
	src := []byte(sql)
	toks, err := flinksql.Lex(src)
	if err != nil {
		return 0
	}
	sel, from := -1, -1
	for i, t := range toks {
		switch {
		case t.Kw == flinksql.KwSelect && sel < 0:
			sel = i
		case t.Kw == flinksql.KwFrom && from < 0:
			from = i
		case from >= 0 && i > from+1 && !(t.Kind == flinksql.TokOp && t.Ch == ';'):
			return 0 // WHERE, JOIN, GROUP BY…
		}
	}
	if sel < 0 || from < 0 || from+1 >= len(toks) {
		return 0
	}
	source := toks[from+1].IdentValue(src)
	srcCols := columnsOf(sess.tables[source])
	var pick []int
	for i := sel + 1; i < from; i++ {
		t := toks[i]
		switch {
		case t.Kind == flinksql.TokOp && t.Ch == ',':
		case t.Kind == flinksql.TokOp && t.Ch == '*':
			for k := range srcCols {
				pick = append(pick, k)
			}
		case t.Kind == flinksql.TokIdent || t.Kind == flinksql.TokQuotedIdent:
			k := indexOf(srcCols, t.IdentValue(src))
			if k < 0 {
				return 0
			}
			pick = append(pick, k)
		default:
			return 0
		}
	}
	key := keyColumns(sess.tables[table])
	n := 0
	for _, r := range s.data[source] {
		if r.kind == "UPDATE_BEFORE" || r.kind == "DELETE" {
			continue
		}
		row := make([]any, len(pick))
		for i, k := range pick {
			if k < len(r.fields) {
				row[i] = r.fields[k]
			}
		}
		s.upsert(table, key, row)
		n++
	}
	return n
}

// verdictRow answers SELECT CASE WHEN COUNT(*) = n THEN 'X' ELSE 'Y' END
// … FROM t; ok is false for any other query.
func (s *Server) verdictRow(sql string) (row []any, name string, ok bool) {
	src := []byte(sql)
	toks, err := flinksql.Lex(src)
	if err != nil {
		return nil, "", false
	}
	text := func(i int) string {
		if i < len(toks) {
			return strings.ToUpper(toks[i].Text(src))
		}
		return ""
	}
	// SELECT CASE WHEN COUNT ( * ) = n THEN 'X' ELSE 'Y' END [AS name] FROM t
	want := []string{"SELECT", "CASE", "WHEN", "COUNT", "(", "*", ")", "="}
	for i, w := range want {
		if text(i) != w {
			return nil, "", false
		}
	}
	if len(toks) < 16 || toks[8].Kind != flinksql.TokNumber || text(9) != "THEN" || toks[10].Kind != flinksql.TokString ||
		text(11) != "ELSE" || toks[12].Kind != flinksql.TokString || text(13) != "END" {
		return nil, "", false
	}
	i := 14
	name = "EXPR$0"
	if text(i) == "AS" {
		name, i = toks[i+1].IdentValue(src), i+2
	}
	if text(i) != "FROM" || i+1 >= len(toks) {
		return nil, "", false
	}
	table := toks[i+1].IdentValue(src)
	count := 0
	for _, r := range s.data[table] {
		switch r.kind {
		case "INSERT", "UPDATE_AFTER":
			count++
		default:
			count--
		}
	}
	verdict := toks[12].StringValue(src)
	if toks[8].Text(src) == strconv.Itoa(count) {
		verdict = toks[10].StringValue(src)
	}
	return []any{verdict}, name, true
}

// columnsOf are the column names of a DDL, in order.
func columnsOf(ddl string) []string {
	a, err := flinksql.Analyze([]byte(ddl))
	if err != nil || len(a.Tables) == 0 {
		return nil
	}
	var out []string
	for _, c := range a.Tables[0].Columns {
		out = append(out, c.Name)
	}
	return out
}

// keyColumns are the positions of a DDL's PRIMARY KEY columns.
func keyColumns(ddl string) []int {
	a, err := flinksql.Analyze([]byte(ddl))
	if err != nil || len(a.Tables) == 0 {
		return nil
	}
	var key []int
	for _, k := range a.Tables[0].PrimaryKey {
		for i, c := range a.Tables[0].Columns {
			if c.Name == k {
				key = append(key, i)
			}
		}
	}
	return key
}

func indexOf(names []string, name string) int {
	for i, n := range names {
		if strings.EqualFold(n, name) {
			return i
		}
	}
	return -1
}

// CatalogTables lists the tables of every session's catalog, sorted, for
// tests that check what a run left.
func (s *Server) CatalogTables() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, sess := range s.sessions {
		for name := range sess.tables {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
