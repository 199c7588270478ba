package flinksql

import (
	"fmt"
	"strings"
)

// Analyzer analyses SQL files, reusing its token and scratch buffers
// between calls: one Analyzer per goroutine keeps a whole-project scan at a
// handful of allocations per file. The zero value is ready to use.
type Analyzer struct {
	// Shallow leaves Analysis.Tables empty: the column lists, keys,
	// distribution and options of CREATE TABLE are what schema comparisons
	// need, not the dependency graph, and reading them is a tenth of a
	// project scan. ChangelogMode is still read.
	Shallow bool

	lx      Lexer
	match   []int32
	spans   []span
	typeBuf []byte
}

// Analyze lexes and analyses one SQL file. See Analyzer.Analyze.
func Analyze(src []byte) (*Analysis, error) {
	var a Analyzer
	return a.Analyze(src)
}

// Analyze lexes src and extracts what the file writes and reads, whether
// its queries keep state, and its CREATE TABLE definitions. Errors are
// *SyntaxError (lexical errors, unbalanced parentheses, no statement).
//
// Cost: O(n) in the size of src — one validation pass, one lexer pass, one
// pass to match parentheses and split statements, and one walk of the
// tokens in which each token is visited once; reads and writes are
// deduplicated by a linear search, O(r²) in the (small) number of names.
func (az *Analyzer) Analyze(src []byte) (*Analysis, error) {
	return az.AnalyzeString(string(src))
}

// AnalyzeString is Analyze on a string. The names, option values and types
// of the result are substrings of text (one allocation per file rather
// than one per value), so the result keeps text alive.
func (az *Analyzer) AnalyzeString(text string) (*Analysis, error) {
	src := stringAsBytes(text)
	toks, err := az.lx.Lex(src)
	if err != nil {
		return nil, err
	}
	az.match, err = matchParens(toks, az.match)
	if err != nil {
		return nil, err
	}
	az.spans = splitTokens(toks, az.spans[:0])
	if len(az.spans) == 0 {
		return nil, &SyntaxError{Pos: toks[0].Pos, Msg: "no SQL statement (only ';')"}
	}
	a := analysis{src: src, text: text, toks: toks, match: az.match, typeBuf: az.typeBuf, shallow: az.Shallow, res: &Analysis{Statements: len(az.spans)}}
	for _, s := range az.spans {
		a.statement(s.lo, s.hi)
	}
	az.typeBuf = a.typeBuf
	return a.finish(), nil
}

// analysis is the state of one Analyze call.
type analysis struct {
	src  []byte
	text string // src as a string: what the result keeps is cut from it
	// typeBuf is where column types are formatted (the Analyzer's, reused).
	typeBuf []byte
	shallow bool // see Analyzer.Shallow
	toks    []Token
	match   []int32
	res     *Analysis
	// because is the first stateful construct found; aggregate is the first
	// aggregate call, used only when nothing else makes the file stateful
	// (a GROUP BY is the better explanation of the same state).
	because, aggregate string
	// tvf is the first window table function seen, to name window
	// aggregations.
	tvf string
	// readSet and writeSet index Reads and Writes once they outgrow a
	// linear search (linearLimit), so that a machine-generated file with
	// thousands of names stays O(n).
	readSet, writeSet map[string]bool
}

// linearLimit is the list length up to which a linear search beats a map.
const linearLimit = 32

// nameKey is the map key of a qualified name.
func nameKey(parts []string) string { return strings.Join(parts, "\x00") }

// scope holds the CTE names visible in a query; lookups walk outwards.
// A WITH of more than linearLimit CTEs is indexed by a set.
type scope struct {
	parent *scope
	names  []string
	set    map[string]bool
}

func (s *scope) add(name string) {
	s.names = append(s.names, name)
	if s.set == nil && len(s.names) > linearLimit {
		s.set = make(map[string]bool, 2*len(s.names))
		for _, n := range s.names {
			s.set[n] = true
		}
	} else if s.set != nil {
		s.set[name] = true
	}
}

// mode says how a token range is read.
type mode uint8

const (
	// modeQuery: FROM starts a table list.
	modeQuery mode = iota
	// modeFrom: a parenthesised FROM list, e.g. FROM (a JOIN b ON …).
	modeFrom
	// modeExpr: function arguments or a column list; FROM belongs to the
	// function (EXTRACT(x FROM y), TRIM(BOTH ' ' FROM s)).
	modeExpr
	// modeTVF: inside TABLE(…) of a table function; TABLE x is a read.
	modeTVF
)

func (a *analysis) finish() *Analysis {
	r := a.res
	// A file's own targets are not its inputs (a self-referencing INSERT
	// or a DDL followed by its DML). Writes are indexed by table name:
	// O(r + w) even for a statement set of thousands of INSERTs.
	var byTable map[string][]Name
	if len(r.Writes) > linearLimit {
		byTable = make(map[string][]Name, len(r.Writes))
		for _, w := range r.Writes {
			byTable[w.Table()] = append(byTable[w.Table()], w)
		}
	}
	reads := r.Reads[:0]
	for _, rd := range r.Reads {
		writes := r.Writes
		if byTable != nil {
			writes = byTable[rd.Table()]
		}
		if !writtenIn(writes, rd) {
			reads = append(reads, rd)
		}
	}
	r.Reads = reads
	if r.Reads == nil {
		r.Reads = []Name{}
	}
	if r.Writes == nil {
		r.Writes = []Name{}
	}
	switch {
	case a.because != "":
		r.Stateful, r.StatefulBecause = true, a.because
	case a.aggregate != "":
		r.Stateful, r.StatefulBecause = true, a.aggregate
	}
	return r
}

// writtenIn reports whether n names one of writes: same table and one
// qualification a suffix of the other (t, db.t, cat.db.t).
func writtenIn(writes []Name, n Name) bool {
	for _, w := range writes {
		if sameSuffix(w.Parts, n.Parts) {
			return true
		}
	}
	return false
}

func sameSuffix(x, y []string) bool {
	if len(x) > len(y) {
		x, y = y, x
	}
	y = y[len(y)-len(x):]
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return len(x) > 0
}

func (a *analysis) addWrite(n Name) {
	a.res.Writes, a.writeSet = addName(a.res.Writes, a.writeSet, n)
}

func (a *analysis) addRead(n Name) {
	a.res.Reads, a.readSet = addName(a.res.Reads, a.readSet, n)
}

// addName appends n to list unless it is there, searching linearly while
// the list is short and through set (built on demand) after.
func addName(list []Name, set map[string]bool, n Name) ([]Name, map[string]bool) {
	if set == nil {
		for _, x := range list {
			if equalParts(x.Parts, n.Parts) {
				return list, nil
			}
		}
		if len(list) < linearLimit {
			return append(list, n), nil
		}
		set = make(map[string]bool, 2*len(list))
		for _, x := range list {
			set[nameKey(x.Parts)] = true
		}
	}
	k := nameKey(n.Parts)
	if set[k] {
		return list, set
	}
	set[k] = true
	return append(list, n), set
}

func equalParts(x, y []string) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

func (a *analysis) stateful(what string, at *Token) {
	if a.because == "" {
		a.because = fmt.Sprintf("%s at line %d", what, at.Pos.Line)
	}
}

// kw returns the keyword of token i, KwNone past hi.
func (a *analysis) kw(i, hi int) Keyword {
	if i >= hi || a.toks[i].Kind != TokIdent {
		return KwNone
	}
	return a.toks[i].Kw
}

func (a *analysis) isOp(i, hi int, c byte) bool {
	return i < hi && a.toks[i].is(c)
}

// statement dispatches one top-level (or statement-set) statement.
func (a *analysis) statement(lo, hi int) {
	a.statementIn(lo, hi, false)
}

// statementIn dispatches a statement; inSet is true inside a statement set,
// where Flink allows no nested set (so recursion stays one level deep).
func (a *analysis) statementIn(lo, hi int, inSet bool) {
	for a.kw(lo, hi) == KwExecute {
		lo++ // EXECUTE STATEMENT SET / EXECUTE INSERT
	}
	switch a.kw(lo, hi) {
	case KwBegin, KwStatement:
		if !inSet {
			a.statementSet(lo, hi)
		}
	case KwInsert:
		a.insert(lo, hi)
	case KwCreate:
		a.create(lo, hi)
	case KwSelect, KwWith, KwValues:
		a.body(lo, hi, nil, modeQuery)
	default:
		if a.isOp(lo, hi, '(') {
			a.body(lo, hi, nil, modeQuery)
		}
		// SET, RESET, USE, SHOW, DROP, ALTER, …: nothing to extract.
	}
}

// statementSet analyses every statement between BEGIN and the final END of
// STATEMENT SET BEGIN … END, or between BEGIN STATEMENT SET; and END.
func (a *analysis) statementSet(lo, hi int) {
	i := lo
	if a.kw(i, hi) == KwBegin {
		i++
	}
	if a.kw(i, hi) != KwStatement || a.kw(i+1, hi) != KwSet {
		return
	}
	i += 2
	if a.kw(i, hi) == KwBegin || a.isOp(i, hi, ';') {
		i++
	}
	end := hi
	if a.kw(hi-1, hi) == KwEnd {
		end = hi - 1
	}
	if i >= end {
		return
	}
	for _, s := range splitTokens(a.toks[i:end], nil) {
		a.statementIn(i+s.lo, i+s.hi, true)
	}
}

// insert handles INSERT INTO|OVERWRITE [TABLE] name [PARTITION (…)] [(cols)] query.
func (a *analysis) insert(lo, hi int) {
	i := lo + 1
	if k := a.kw(i, hi); k == KwInto || k == KwOverwrite {
		i++
	}
	if a.kw(i, hi) == KwTable {
		i++
	}
	n, next, ok := a.name(i, hi)
	if !ok {
		return
	}
	a.addWrite(n)
	a.body(next, hi, nil, modeQuery)
}

// create handles CREATE [OR REPLACE] [TEMPORARY] [MATERIALIZED] TABLE|VIEW
// [IF NOT EXISTS] name …; other CREATE statements (FUNCTION, CATALOG,
// DATABASE) define no table.
func (a *analysis) create(lo, hi int) {
	i := lo + 1
	if a.kw(i, hi) == KwOr && a.kw(i+1, hi) == KwReplace {
		i += 2
	}
	if a.kw(i, hi) == KwTemporary {
		i++
	}
	if a.kw(i, hi) == KwMaterialized {
		i++
	}
	kind := a.kw(i, hi)
	if kind != KwTable && kind != KwView {
		return
	}
	i++
	if a.kw(i, hi) == KwIf && a.kw(i+1, hi) == KwNot && a.kw(i+2, hi) == KwExists {
		i += 3
	}
	n, next, ok := a.name(i, hi)
	if !ok {
		return
	}
	a.addWrite(n)
	if kind == KwView {
		// [ (cols) ] [COMMENT '…'] AS query
		for j := next; j < hi; j++ {
			if a.isOp(j, hi, '(') {
				j = int(a.match[j])
				continue
			}
			if a.kw(j, hi) == KwAs {
				a.body(j+1, hi, nil, modeQuery)
				return
			}
		}
		return
	}
	a.tableDef(n, next, hi)
}

// name reads a 1-, 2- or 3-part (or longer) dotted name at toks[i] (see
// nameStart).
func (a *analysis) name(i, hi int) (Name, int, bool) {
	end, ok := a.nameEnd(i, hi)
	if !ok {
		return Name{}, i, false
	}
	return a.makeName(i, end), end, true
}

// nameStart reports whether toks[i] can start a name: a quoted identifier,
// or a bare one that is not a reserved word, a type or a function name
// (Calcite reserves those; Normalize upper-cases them).
func (a *analysis) nameStart(i int) bool {
	t := &a.toks[i]
	return t.Kind == TokQuotedIdent || t.Kind == TokIdent && !t.Kw.upper()
}

// nameEnd returns the index after the dotted name at toks[i], without
// allocating.
func (a *analysis) nameEnd(i, hi int) (int, bool) {
	if i >= hi {
		return i, false
	}
	if !a.nameStart(i) {
		return i, false
	}
	i++
	for i+1 < hi && a.toks[i].is('.') {
		p := &a.toks[i+1]
		if p.Kind != TokIdent && p.Kind != TokQuotedIdent {
			break
		}
		i += 2
	}
	return i, true
}

// makeName materialises the name whose parts are toks[i], toks[i+2], … up
// to end.
func (a *analysis) makeName(i, end int) Name {
	parts := make([]string, 0, (end-i+1)/2)
	for k := i; k < end; k += 2 {
		parts = append(parts, a.ident(&a.toks[k]))
	}
	return Name{Parts: parts, Pos: a.toks[i].Pos}
}

// ident is the token's identifier value, cut from the source text.
func (a *analysis) ident(t *Token) string { return identValue(*t, a.text) }

// sameName reports whether the name at toks[i:end] equals parts, without
// allocating for unquoted parts.
func (a *analysis) sameName(i, end int, parts []string) bool {
	if (end-i+1)/2 != len(parts) {
		return false
	}
	for k, p := range parts {
		if !a.identIs(&a.toks[i+2*k], p) {
			return false
		}
	}
	return true
}

func (a *analysis) identIs(t *Token, s string) bool {
	if t.Kind == TokQuotedIdent {
		body := a.src[t.Start+1 : t.End-1]
		if len(body) == len(s) {
			return string(body) == s
		}
		return a.ident(t) == s
	}
	return a.text[t.Start:t.End] == s
}

// body walks the tokens lo..hi of a query, an expression or a FROM list.
// Parenthesised parts are walked by paren, so every token is visited once.
func (a *analysis) body(lo, hi int, sc *scope, m mode) {
	inFrom := m == modeFrom
	expect := m == modeFrom // the next token starts a FROM item
	joinAt := -1            // the JOIN or ',' joining the next FROM item
	for i := lo; i < hi; {
		t := &a.toks[i]
		if expect {
			expect = false
			i = a.fromItem(i, hi, sc, joinAt)
			joinAt = -1
			continue
		}
		if t.Kind == TokOp {
			switch t.Ch {
			case '(':
				j := int(a.match[i])
				a.paren(i, j, sc, m)
				i = j + 1
				continue
			case ',':
				if inFrom {
					expect, joinAt = true, i
				}
			}
			i++
			continue
		}
		if t.Kind != TokIdent {
			i++
			continue
		}
		switch t.Kw {
		case KwWith:
			if m == modeQuery || m == modeFrom {
				if ns, next, ok := a.with(i, hi, sc); ok {
					sc = ns
					i = next
					continue
				}
			}
		case KwFrom:
			if (m == modeQuery || m == modeFrom) && !a.distinctFrom(i) {
				inFrom, expect, joinAt = true, true, -1
			}
		case KwJoin:
			if inFrom {
				expect, joinAt = true, i
			}
		case KwSelect, KwWhere, KwHaving, KwWindow, KwOrder, KwLimit, KwQualify, KwValues:
			inFrom = false
		case KwGroup:
			inFrom = false
			if a.kw(i+1, hi) == KwBy {
				if a.tvf != "" {
					a.stateful("window aggregation over "+a.tvf, t)
				} else {
					a.stateful("GROUP BY", t)
				}
			}
		case KwUnion:
			inFrom = false
			if a.kw(i+1, hi) != KwAll {
				a.stateful("UNION without ALL", t)
			}
		case KwIntersect, KwExcept, KwMinus:
			inFrom = false
			a.stateful(t.Kw.String(), t)
		case KwOver:
			a.stateful("OVER aggregation", t)
		case KwDistinct:
			if k := a.kw(i-1, hi); i == lo || k != KwIs && k != KwNot {
				a.stateful("DISTINCT", t)
			}
		case KwMatchRecognize:
			a.stateful("MATCH_RECOGNIZE", t)
		case KwIn, KwExists:
			// Flink runs IN/EXISTS subqueries as semi or anti joins, which
			// keep both inputs in state like any regular join.
			if a.isOp(i+1, hi, '(') && (a.kw(i+2, hi) == KwSelect || a.kw(i+2, hi) == KwWith) {
				a.stateful(t.Kw.String()+" subquery (semi/anti join)", t)
			}
		case KwTable:
			if m == modeTVF {
				if end, ok := a.nameEnd(i+1, hi); ok {
					a.readAt(i+1, end, sc)
					i = end
					continue
				}
			}
		case KwTumble, KwHop, KwCumulate, KwSession:
			if m == modeTVF && a.isOp(i+1, hi, '(') && a.tvf == "" {
				a.tvf = t.Kw.String()
			}
		default:
			if t.Kw.aggregate() && a.isOp(i+1, hi, '(') && a.aggregate == "" {
				a.aggregate = fmt.Sprintf("aggregate %s() at line %d", t.Kw, t.Pos.Line)
			}
		}
		i++
	}
}

// distinctFrom reports whether the FROM at i is part of IS [NOT] DISTINCT FROM.
func (a *analysis) distinctFrom(i int) bool {
	if i < 2 || a.toks[i-1].Kw != KwDistinct {
		return false
	}
	k := a.toks[i-2].Kw
	return k == KwIs || k == KwNot
}

// joinWords spells the join at toks[i] (JOIN with its modifiers, e.g.
// "LEFT OUTER JOIN", or a comma). Only called to explain statefulness.
func (a *analysis) joinWords(i int) string {
	if a.toks[i].is(',') {
		return "comma join"
	}
	j := i
	for j > 0 {
		switch a.toks[j-1].Kw {
		case KwLeft, KwRight, KwFull, KwInner, KwOuter, KwCross, KwNatural:
			j--
			continue
		}
		break
	}
	if j == i {
		return "JOIN"
	}
	var sb strings.Builder
	for k := j; k <= i; k++ {
		if k > j {
			sb.WriteByte(' ')
		}
		sb.WriteString(a.toks[k].Kw.String())
	}
	return sb.String()
}

// paren walks the contents of the parentheses at i..j. A query inside is
// walked as a query; the arguments of a function call (the '(' follows a
// name) as an expression, so that EXTRACT(x FROM y) reads nothing.
func (a *analysis) paren(i, j int, sc *scope, outer mode) {
	if j <= i+1 {
		return
	}
	switch a.kw(i+1, j) {
	case KwSelect, KwWith, KwValues:
		a.body(i+1, j, sc, modeQuery)
		return
	}
	if outer == modeTVF {
		a.body(i+1, j, sc, modeTVF)
		return
	}
	if i > 0 {
		p := &a.toks[i-1]
		if p.Kind == TokQuotedIdent || p.Kind == TokIdent && !p.Kw.reserved() {
			a.body(i+1, j, sc, modeExpr)
			return
		}
	}
	if outer == modeExpr {
		a.body(i+1, j, sc, modeExpr)
		return
	}
	// A nested expression or a parenthesised query such as
	// ((SELECT …) UNION (SELECT …)).
	a.body(i+1, j, sc, modeQuery)
}

// fromItem reads one FROM item at toks[i] and returns the index after it
// (aliases are left to the caller, which ignores them). joinAt is the JOIN
// or ',' token joining it to the previous item (-1 for the first one):
// joining a table, a subquery or a table function keeps state; LATERAL
// TABLE and UNNEST do not.
func (a *analysis) fromItem(i, hi int, sc *scope, joinAt int) int {
	t := &a.toks[i]
	next := i + 1
	real, temporal := true, false
	switch {
	case t.Kw == KwLateral && t.Kind == TokIdent:
		real = false
		switch {
		case a.kw(i+1, hi) == KwTable && a.isOp(i+2, hi, '('):
			j := int(a.match[i+2])
			a.body(i+3, j, sc, modeExpr)
			next = j + 1
		case a.isOp(i+1, hi, '('):
			// LATERAL (subquery): a correlated join.
			j := int(a.match[i+1])
			a.paren(i+1, j, sc, modeQuery)
			next, real = j+1, true
		}
	case t.Kw == KwUnnest && t.Kind == TokIdent:
		real = false
		if a.isOp(i+1, hi, '(') {
			j := int(a.match[i+1])
			a.body(i+2, j, sc, modeExpr)
			next = j + 1
		}
	case t.Kw == KwTable && t.Kind == TokIdent:
		if a.isOp(i+1, hi, '(') {
			j := int(a.match[i+1])
			a.body(i+2, j, sc, modeTVF)
			next = j + 1
		} else if end, ok := a.nameEnd(i+1, hi); ok {
			a.readAt(i+1, end, sc)
			next = end
		}
	case t.is('('):
		j := int(a.match[i])
		switch a.kw(i+1, j) {
		case KwSelect, KwWith, KwValues:
			a.body(i+1, j, sc, modeQuery)
		default:
			a.body(i+1, j, sc, modeFrom)
		}
		next = j + 1
	default:
		end, ok := a.nameEnd(i, hi)
		if !ok {
			return i // not a FROM item (broken SQL): let the caller go on
		}
		a.readAt(i, end, sc)
		next = end
		if a.kw(next, hi) == KwFor && a.kw(next+1, hi) == KwSystemTime {
			temporal = true
			next += 2 // AS OF expr is walked by the caller
		}
	}
	if real && joinAt >= 0 && a.because == "" {
		what := "temporal join"
		if !temporal {
			what = a.joinWords(joinAt)
		}
		a.stateful(what, &a.toks[joinAt])
	}
	return next
}

// readAt records the name at toks[i:end] as a read unless it is a CTE in
// scope or already recorded; only new reads allocate.
func (a *analysis) readAt(i, end int, sc *scope) {
	if end == i+1 {
		for s := sc; s != nil; s = s.parent {
			if s.set != nil {
				if s.set[a.ident(&a.toks[i])] {
					return
				}
				continue
			}
			for _, n := range s.names {
				if a.identIs(&a.toks[i], n) {
					return
				}
			}
		}
	}
	if a.readSet == nil {
		for _, r := range a.res.Reads {
			if a.sameName(i, end, r.Parts) {
				return
			}
		}
	}
	a.addRead(a.makeName(i, end))
}

// with reads WITH [RECURSIVE] name [(cols)] AS (query) [, …] at toks[i]
// and returns the scope of the query that follows. Each CTE body sees the
// CTEs defined before it, not itself: WITH orders AS (SELECT … FROM
// orders) reads the table orders.
func (a *analysis) with(i, hi int, sc *scope) (*scope, int, bool) {
	j := i + 1
	if a.kw(j, hi) == KwRecursive {
		j++
	}
	ns := &scope{parent: sc}
	for {
		if j >= hi {
			return nil, i, false
		}
		if !a.nameStart(j) {
			return nil, i, false
		}
		name := a.ident(&a.toks[j])
		j++
		if a.isOp(j, hi, '(') {
			j = int(a.match[j]) + 1
		}
		if a.kw(j, hi) != KwAs || !a.isOp(j+1, hi, '(') {
			return nil, i, false
		}
		end := int(a.match[j+1])
		a.body(j+2, end, ns, modeQuery)
		ns.add(name)
		j = end + 1
		if !a.isOp(j, hi, ',') {
			return ns, j, true
		}
		j++
	}
}
