package confluenttest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// This file is the stand-in's part of Confluent Cloud's snapshot queries
// (Confluent Cloud for Apache Flink, "Snapshot Queries"): a SELECT whose
// statement has the property sql.snapshot.mode = 'now' reads its tables as
// they are when it starts, runs as a batch query, COMPLETES and leaves its
// rows as results (a global aggregate over no rows gives one row, as in
// batch). Any other value of the property FAILS the statement.
//
// The stand-in evaluates the queries of data-quality rules, over the rows
// INSERT … VALUES left in each table (the changelog folded: a retraction
// removes the row it retracts):
//
//	SELECT items | * FROM table | (query) [WHERE cond]
//	  [GROUP BY col, …] [HAVING cond] [LIMIT n]
//
// where an item is a column, COUNT(*), COUNT(expr), SUM(expr) or their
// difference, with AS; and a condition combines AND, OR, NOT, comparisons
// (=, <>, !=, <, <=, >, >=; numbers compared as numbers), + and -,
// IS [NOT] NULL|TRUE|FALSE, [NOT] IN (…) and CAST(… AS type), with SQL's
// three-valued logic. Values are text, as the service formats them. A
// column no source has FAILS the statement with the validator's
// positioned detail; a shape outside this FAILS it with a parse error at
// the token the stand-in stopped at.

// snapshotMode is the statement property of snapshot queries.
const snapshotMode = "sql.snapshot.mode"

// snapshotQuery runs st when it is a snapshot query; false when it is not
// one (no sql.snapshot.mode, or not a query). Callers hold s.mu.
func (s *Server) snapshotQuery(st *statement, db string) bool {
	mode, ok := st.Properties[snapshotMode]
	if !ok || st.parsed == nil || st.parsed.kind != sqlQuery {
		return false
	}
	if !strings.EqualFold(mode, "now") {
		s.failStatement(st, fmt.Sprintf("Invalid value '%s' for property '%s': a snapshot query reads the current moment, set it to 'now'.", mode, snapshotMode))
		return true
	}
	src := []byte(st.SQL)
	toks, err := flinksql.Lex(src)
	if err != nil {
		s.failStatement(st, "SQL parse failed. "+err.Error())
		return true
	}
	p := &qparser{toks: toks, src: src}
	q, err := p.query()
	if err == nil && p.i < len(toks) && !p.isOp(";") {
		err = p.unexpected()
	}
	if err != nil {
		s.failStatement(st, err.Error())
		return true
	}
	rel, err := s.evalQuery(q, db)
	if err != nil {
		s.failStatement(st, err.Error())
		return true
	}
	st.results = nil
	for _, r := range rel.rows {
		st.results = append(st.results, resultRow{0, r})
	}
	st.resultCols = []any{}
	for i, c := range rel.cols {
		st.resultCols = append(st.resultCols, map[string]any{"name": c, "type": map[string]any{"type": rel.types[i], "nullable": true}})
	}
	s.setPhase(st, "COMPLETED", "Command completed successfully.")
	return true
}

// Nodes of a query.
type (
	qnode  any
	colRef struct {
		name     string
		from, to flinksql.Pos
	}
	literal struct{ v any } // string, or nil for NULL
	boolLit struct{ v bool }
	binary  struct {
		op   string
		l, r qnode
	}
	notOp struct{ e qnode }
	isOp  struct {
		e    qnode
		not  bool
		what string // NULL, TRUE, FALSE
	}
	inOp struct {
		e    qnode
		not  bool
		list []qnode
	}
	castOp struct{ e qnode }
	aggOp  struct {
		fn  string // COUNT, SUM
		arg qnode  // nil: COUNT(*)
	}
)

type selItem struct {
	e     qnode
	alias string
}

type selQuery struct {
	star    bool
	items   []selItem
	table   []string  // FROM a table (its name's parts)
	sub     *selQuery // or FROM a subquery
	where   qnode
	groupBy []colRef
	having  qnode
	limit   int // -1: none
}

// relation is a table, or a query's result: column names, types, rows.
type relation struct {
	cols, types []string
	rows        [][]any
}

type qparser struct {
	toks []flinksql.Token
	src  []byte
	i    int
}

func (p *qparser) word() string {
	if p.i < len(p.toks) && p.toks[p.i].Kind == flinksql.TokIdent {
		return strings.ToUpper(p.toks[p.i].Text(p.src))
	}
	return ""
}

func (p *qparser) isOp(op string) bool {
	return p.i < len(p.toks) && p.toks[p.i].Kind == flinksql.TokOp && p.toks[p.i].Text(p.src) == op
}

func (p *qparser) accept(w string) bool {
	if p.word() == w || p.isOp(w) {
		p.i++
		return true
	}
	return false
}

func (p *qparser) unexpected() error {
	if p.i >= len(p.toks) {
		return fmt.Errorf("SQL parse failed. Encountered \"<EOF>\".")
	}
	t := p.toks[p.i]
	return fmt.Errorf("SQL parse failed. Encountered \"%s\" at line %d, column %d.", t.Text(p.src), t.Pos.Line, t.Pos.Col)
}

func (p *qparser) expect(w string) error {
	if !p.accept(w) {
		return p.unexpected()
	}
	return nil
}

func (p *qparser) query() (*selQuery, error) {
	q := &selQuery{limit: -1}
	if err := p.expect("SELECT"); err != nil {
		return nil, err
	}
	if p.accept("*") {
		q.star = true
	} else {
		for {
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			it := selItem{e: e}
			if p.accept("AS") {
				if p.i >= len(p.toks) {
					return nil, p.unexpected()
				}
				it.alias = p.toks[p.i].IdentValue(p.src)
				p.i++
			}
			q.items = append(q.items, it)
			if !p.accept(",") {
				break
			}
		}
	}
	if err := p.expect("FROM"); err != nil {
		return nil, err
	}
	if p.accept("(") {
		sub, err := p.query()
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		q.sub = sub
	} else {
		for p.i < len(p.toks) && (p.toks[p.i].Kind == flinksql.TokIdent && p.toks[p.i].Kw == flinksql.KwNone || p.toks[p.i].Kind == flinksql.TokQuotedIdent) {
			q.table = append(q.table, p.toks[p.i].IdentValue(p.src))
			p.i++
			if !p.accept(".") {
				break
			}
		}
		if len(q.table) == 0 {
			return nil, p.unexpected()
		}
	}
	var err error
	if p.accept("WHERE") {
		if q.where, err = p.expr(); err != nil {
			return nil, err
		}
	}
	if p.accept("GROUP") {
		if err := p.expect("BY"); err != nil {
			return nil, err
		}
		for {
			e, err := p.primary()
			if err != nil {
				return nil, err
			}
			c, ok := e.(colRef)
			if !ok {
				return nil, fmt.Errorf("SQL parse failed. The stand-in groups by columns only.")
			}
			q.groupBy = append(q.groupBy, c)
			if !p.accept(",") {
				break
			}
		}
	}
	if p.accept("HAVING") {
		if q.having, err = p.expr(); err != nil {
			return nil, err
		}
	}
	if p.accept("LIMIT") {
		if p.i >= len(p.toks) || p.toks[p.i].Kind != flinksql.TokNumber {
			return nil, p.unexpected()
		}
		q.limit, _ = strconv.Atoi(p.toks[p.i].Text(p.src))
		p.i++
	}
	return q, nil
}

// expr parses OR, then AND, NOT, comparisons and their postfixes, + and -,
// and primaries, in that order of binding.
func (p *qparser) expr() (qnode, error) {
	l, err := p.and()
	for err == nil && p.accept("OR") {
		var r qnode
		if r, err = p.and(); err == nil {
			l = binary{"OR", l, r}
		}
	}
	return l, err
}

func (p *qparser) and() (qnode, error) {
	l, err := p.not()
	for err == nil && p.accept("AND") {
		var r qnode
		if r, err = p.not(); err == nil {
			l = binary{"AND", l, r}
		}
	}
	return l, err
}

func (p *qparser) not() (qnode, error) {
	if p.accept("NOT") {
		e, err := p.not()
		return notOp{e}, err
	}
	return p.comparison()
}

func (p *qparser) comparison() (qnode, error) {
	l, err := p.additive()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.accept("IS"):
			n := isOp{e: l, not: p.accept("NOT")}
			if w := p.word(); w == "NULL" || w == "TRUE" || w == "FALSE" {
				n.what = w
				p.i++
			} else {
				return nil, p.unexpected()
			}
			l = n
		case p.word() == "IN" || p.word() == "NOT" && p.i+1 < len(p.toks) && strings.EqualFold(p.toks[p.i+1].Text(p.src), "IN"):
			n := inOp{e: l, not: p.accept("NOT")}
			p.i++
			if err := p.expect("("); err != nil {
				return nil, err
			}
			for {
				e, err := p.additive()
				if err != nil {
					return nil, err
				}
				n.list = append(n.list, e)
				if !p.accept(",") {
					break
				}
			}
			if err := p.expect(")"); err != nil {
				return nil, err
			}
			l = n
		default:
			op := ""
			for _, o := range []string{"=", "<>", "!=", "<=", ">=", "<", ">"} {
				if op == "" && p.accept(o) {
					op = o
				}
			}
			if op == "" {
				return l, nil
			}
			r, err := p.additive()
			if err != nil {
				return nil, err
			}
			l = binary{op, l, r}
		}
	}
}

func (p *qparser) additive() (qnode, error) {
	l, err := p.primary()
	for err == nil && (p.isOp("+") || p.isOp("-")) {
		op := p.toks[p.i].Text(p.src)
		p.i++
		var r qnode
		if r, err = p.primary(); err == nil {
			l = binary{op, l, r}
		}
	}
	return l, err
}

func (p *qparser) primary() (qnode, error) {
	if p.i >= len(p.toks) {
		return nil, p.unexpected()
	}
	t := p.toks[p.i]
	switch {
	case p.accept("("):
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		return e, p.expect(")")
	case t.Kind == flinksql.TokString:
		p.i++
		return literal{t.StringValue(p.src)}, nil
	case t.Kind == flinksql.TokNumber:
		p.i++
		return literal{t.Text(p.src)}, nil
	case p.word() == "NULL":
		p.i++
		return literal{nil}, nil
	case p.word() == "TRUE" || p.word() == "FALSE":
		v := p.word() == "TRUE"
		p.i++
		return boolLit{v}, nil
	case p.word() == "CAST":
		p.i++
		if err := p.expect("("); err != nil {
			return nil, err
		}
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		if err := p.expect("AS"); err != nil {
			return nil, err
		}
		for depth := 0; p.i < len(p.toks) && (depth > 0 || !p.isOp(")")); p.i++ {
			if p.isOp("(") {
				depth++
			} else if p.isOp(")") {
				depth--
			}
		}
		return castOp{e}, p.expect(")")
	case (p.word() == "COUNT" || p.word() == "SUM") && p.i+1 < len(p.toks) && p.toks[p.i+1].Kind == flinksql.TokOp && p.toks[p.i+1].Ch == '(':
		n := aggOp{fn: p.word()}
		p.i += 2
		if !(n.fn == "COUNT" && p.accept("*")) {
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			n.arg = e
		}
		return n, p.expect(")")
	case t.Kind == flinksql.TokQuotedIdent || t.Kind == flinksql.TokIdent && t.Kw == flinksql.KwNone:
		c := colRef{name: t.IdentValue(p.src), from: t.Pos}
		p.i++
		for p.isOp(".") && p.i+1 < len(p.toks) {
			c.name = p.toks[p.i+1].IdentValue(p.src)
			p.i += 2
		}
		last := p.toks[p.i-1]
		c.to = flinksql.Pos{Line: last.Pos.Line, Col: last.Pos.Col + (last.End - last.Start) - 1}
		return c, nil
	}
	return nil, p.unexpected()
}

// evalQuery runs q over the tables of db. Callers hold s.mu.
func (s *Server) evalQuery(q *selQuery, db string) (*relation, error) {
	var in *relation
	if q.sub != nil {
		var err error
		if in, err = s.evalQuery(q.sub, db); err != nil {
			return nil, err
		}
	} else {
		var err error
		if in, err = s.tableRelation(q.table, db); err != nil {
			return nil, err
		}
	}
	// Columns are checked before any row is read, so a mistake is caught
	// on an empty table too.
	var check func(n qnode) error
	check = func(n qnode) error {
		switch x := n.(type) {
		case colRef:
			if colIndex(in.cols, x.name) < 0 {
				return fmt.Errorf("SQL validation failed. From line %d, column %d to line %d, column %d: Column '%s' not found in any table", x.from.Line, x.from.Col, x.to.Line, x.to.Col, x.name)
			}
		case binary:
			return firstErr(check(x.l), check(x.r))
		case notOp:
			return check(x.e)
		case isOp:
			return check(x.e)
		case castOp:
			return check(x.e)
		case aggOp:
			if x.arg != nil {
				return check(x.arg)
			}
		case inOp:
			err := check(x.e)
			for _, e := range x.list {
				err = firstErr(err, check(e))
			}
			return err
		}
		return nil
	}
	var err error
	for _, it := range q.items {
		err = firstErr(err, check(it.e))
	}
	for _, g := range q.groupBy {
		err = firstErr(err, check(g))
	}
	if err = firstErr(err, check(q.where), check(q.having)); err != nil {
		return nil, err
	}
	var kept [][]any
	for _, r := range in.rows {
		if q.where == nil || eval(q.where, in.cols, r, nil) == true {
			kept = append(kept, r)
		}
	}
	out := &relation{}
	if q.star {
		out.cols, out.types = in.cols, in.types
	}
	for i, it := range q.items {
		name, typ := it.alias, "BIGINT"
		if c, ok := it.e.(colRef); ok {
			typ = in.types[colIndex(in.cols, c.name)]
			if name == "" {
				name = c.name
			}
		}
		if name == "" {
			name = fmt.Sprintf("EXPR$%d", i)
		}
		out.cols, out.types = append(out.cols, name), append(out.types, typ)
	}
	aggregate := len(q.groupBy) > 0 || q.having != nil
	for _, it := range q.items {
		aggregate = aggregate || hasAgg(it.e)
	}
	if !aggregate {
		for _, r := range kept {
			if q.star {
				out.rows = append(out.rows, r)
				continue
			}
			row := make([]any, len(q.items))
			for i, it := range q.items {
				row[i] = text(eval(it.e, in.cols, r, nil))
			}
			out.rows = append(out.rows, row)
		}
	} else {
		// Groups in the order their first row came; one group, even
		// empty, without GROUP BY (a batch global aggregate).
		var keys []string
		groups := map[string][][]any{}
		if len(q.groupBy) == 0 {
			keys, groups[""] = []string{""}, kept
			if kept == nil {
				groups[""] = [][]any{}
			}
		}
		for _, r := range kept {
			if len(q.groupBy) == 0 {
				break
			}
			var k []string
			for _, g := range q.groupBy {
				k = append(k, fmt.Sprintf("%v", r[colIndex(in.cols, g.name)]))
			}
			key := strings.Join(k, "\x00")
			if _, ok := groups[key]; !ok {
				keys = append(keys, key)
			}
			groups[key] = append(groups[key], r)
		}
		for _, k := range keys {
			g := groups[k]
			var first []any
			if len(g) > 0 {
				first = g[0]
			}
			if q.having != nil && eval(q.having, in.cols, first, g) != true {
				continue
			}
			row := make([]any, len(q.items))
			for i, it := range q.items {
				row[i] = text(eval(it.e, in.cols, first, g))
			}
			out.rows = append(out.rows, row)
		}
	}
	if q.limit >= 0 && len(out.rows) > q.limit {
		out.rows = out.rows[:q.limit]
	}
	return out, nil
}

// tableRelation is a table's columns and its rows now, the changelog
// folded. Callers hold s.mu.
func (s *Server) tableRelation(name []string, db string) (*relation, error) {
	d, t := db, name[len(name)-1]
	if len(name) >= 3 {
		d = name[len(name)-3] + "." + name[len(name)-2]
	} else if len(name) == 2 {
		d = strings.SplitN(db, ".", 2)[0] + "." + name[0]
	}
	if !s.catalog[d][t] {
		return nil, fmt.Errorf("Table (or view) '%s' does not exist, may be on a different cluster, or you might not have the required permissions.", strings.Join(name, "."))
	}
	rel := &relation{}
	for _, c := range s.schemas[d+"."+t] {
		m := c.(map[string]any)
		rel.cols = append(rel.cols, fmt.Sprint(m["name"]))
		rel.types = append(rel.types, fmt.Sprint(m["type"].(map[string]any)["type"]))
	}
	for _, r := range s.topics[d+"."+t] {
		switch r.Op {
		case 1, 3:
			for i, old := range rel.rows {
				if fmt.Sprint(old) == fmt.Sprint(r.Row) {
					rel.rows = append(rel.rows[:i:i], rel.rows[i+1:]...)
					break
				}
			}
		default:
			row := make([]any, len(rel.cols))
			copy(row, r.Row)
			rel.rows = append(rel.rows, row)
		}
	}
	return rel, nil
}

func colIndex(cols []string, name string) int {
	for i, c := range cols {
		if strings.EqualFold(c, name) {
			return i
		}
	}
	return -1
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func hasAgg(n qnode) bool {
	switch x := n.(type) {
	case aggOp:
		return true
	case binary:
		return hasAgg(x.l) || hasAgg(x.r)
	case notOp:
		return hasAgg(x.e)
	case isOp:
		return hasAgg(x.e)
	case castOp:
		return hasAgg(x.e)
	}
	return false
}

// eval computes n for row (a group's first row, and the group for
// aggregates). It returns nil (NULL or unknown), a bool, a float64 or a
// string.
func eval(n qnode, cols []string, row []any, group [][]any) any {
	switch x := n.(type) {
	case colRef:
		if i := colIndex(cols, x.name); i >= 0 && i < len(row) {
			return row[i]
		}
		return nil
	case literal:
		return x.v
	case boolLit:
		return x.v
	case castOp:
		v := eval(x.e, cols, row, group)
		if f, ok := v.(float64); ok {
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
		return v
	case notOp:
		if b, ok := eval(x.e, cols, row, group).(bool); ok {
			return !b
		}
		return nil
	case isOp:
		v := eval(x.e, cols, row, group)
		var r bool
		switch x.what {
		case "NULL":
			r = v == nil
		case "TRUE":
			r = v == true
		case "FALSE":
			r = v == false
		}
		return r != x.not
	case inOp:
		v := eval(x.e, cols, row, group)
		if v == nil {
			return nil
		}
		var res any = false
		for _, e := range x.list {
			w := eval(e, cols, row, group)
			if w == nil {
				res = nil
				continue
			}
			if compare(v, w) == 0 {
				res = true
				break
			}
		}
		if b, ok := res.(bool); ok {
			return b != x.not
		}
		return nil
	case aggOp:
		var n, sum float64
		for _, r := range group {
			if x.arg == nil {
				n++
				continue
			}
			v := eval(x.arg, cols, r, nil)
			if v == nil {
				continue
			}
			n++
			if f, ok := number(v); ok {
				sum += f
			}
		}
		if x.fn == "SUM" {
			if n == 0 {
				return nil
			}
			return sum
		}
		return n
	case binary:
		l := eval(x.l, cols, row, group)
		if x.op == "AND" || x.op == "OR" {
			r := eval(x.r, cols, row, group)
			lb, lok := l.(bool)
			rb, rok := r.(bool)
			if x.op == "AND" {
				switch {
				case lok && !lb || rok && !rb:
					return false
				case lok && rok:
					return true
				}
				return nil
			}
			switch {
			case lok && lb || rok && rb:
				return true
			case lok && rok:
				return false
			}
			return nil
		}
		r := eval(x.r, cols, row, group)
		if l == nil || r == nil {
			return nil
		}
		switch x.op {
		case "+", "-":
			a, aok := number(l)
			b, bok := number(r)
			if !aok || !bok {
				return nil
			}
			if x.op == "+" {
				return a + b
			}
			return a - b
		}
		c := compare(l, r)
		switch x.op {
		case "=":
			return c == 0
		case "<>", "!=":
			return c != 0
		case "<":
			return c < 0
		case "<=":
			return c <= 0
		case ">":
			return c > 0
		case ">=":
			return c >= 0
		}
	}
	return nil
}

// number reads a value as a number.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

// compare orders two values: as numbers when both are, else as text.
func compare(a, b any) int {
	if x, ok := number(a); ok {
		if y, ok := number(b); ok {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

// text formats a computed value as the service does (text; NULL stays
// null).
func text(v any) any {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strings.ToUpper(strconv.FormatBool(x))
	}
	return v
}
