package flinksql

import (
	"bytes"
	"fmt"
	"strings"
)

// The lexer and matchParens find an imbalance where it becomes certain:
// the '(' left on the stack at the end, the quote left open at the end of
// the file. That is often far from the mistake (an extra '(' inside a CTE
// leaves the CTE's own '(' open; a stray quote pairs every later quote
// with the wrong one). The functions here run only on that error path and
// point at the most likely mistake, naming both positions.

// diagnoseParens turns the error of unbalanced parentheses found by
// matching in order (stackErr) into one at the bracket most likely wrong.
//
// Statements are cut at every ';' (Flink SQL has none inside brackets
// outside string literals), and the first one whose brackets do not
// balance is examined. Each bracket whose removal balances it is tried
// in turn; the matching that results is scored by its layout: a pair on
// one line costs nothing, a ')' that starts its line costs nothing when
// indented like the line of its '(', one after other tokens costs nothing
// when its line is indented deeper. The candidate with the lowest cost
// wins; ties go to the bracket matching in order would name.
//
// Cost: O(c × n) for c candidate brackets in a statement of n tokens;
// statements too large for that keep stackErr.
func diagnoseParens(toks []Token, stackErr *SyntaxError) *SyntaxError {
	lo := 0
	for lo < len(toks) {
		hi := lo
		for hi < len(toks) && !toks[hi].is(';') {
			hi++
		}
		if e := diagnoseSegment(toks[lo:hi], stackErr); e != nil {
			return e
		}
		lo = hi + 1
	}
	return stackErr
}

// maxDiagnoseWork bounds candidates × tokens of one statement.
const maxDiagnoseWork = 20_000_000

// diagnoseSegment examines one statement; nil when its brackets balance.
func diagnoseSegment(seg []Token, stackErr *SyntaxError) *SyntaxError {
	depth, firstNeg := 0, -1
	for i := range seg {
		switch {
		case seg[i].is('('):
			depth++
		case seg[i].is(')'):
			depth--
			if depth < 0 && firstNeg < 0 {
				firstNeg = i
			}
		}
	}
	if firstNeg < 0 && depth == 0 {
		return nil
	}
	// after[i] is the least depth after token i or any later one:
	// removing '(' i lowers those depths by one, removing ')' i raises them.
	after := make([]int, len(seg))
	least := depth
	for i := len(seg) - 1; i >= 0; i-- {
		after[i] = least
		switch {
		case seg[i].is('('):
			depth--
		case seg[i].is(')'):
			depth++
		}
		least = min(least, depth)
	}
	var cands []int
	open := firstNeg < 0 // the statement has a '(' too many, else a ')'
	for i := range seg {
		switch {
		case open && seg[i].is('(') && after[i] >= 1:
			cands = append(cands, i)
		case !open && i <= firstNeg && seg[i].is(')') && after[i] >= -1:
			cands = append(cands, i)
		}
	}
	if len(cands) == 0 || len(cands)*len(seg) > maxDiagnoseWork {
		return stackErr
	}
	lay := newLayout(seg)
	inOrder := inOrderCulprit(seg, open)
	best, bestCost := -1, 0
	for _, c := range cands {
		cost := lay.cost(seg, c)
		if best < 0 || cost < bestCost || cost == bestCost && c == inOrder {
			best, bestCost = c, cost
		}
	}
	return parenError(seg[best].Pos, seg[inOrder].Pos, open)
}

// inOrderCulprit is the bracket matching in order blames: the last '('
// left open, or the first ')' without a '('.
func inOrderCulprit(seg []Token, open bool) int {
	var stack []int
	for i := range seg {
		switch {
		case seg[i].is('('):
			stack = append(stack, i)
		case seg[i].is(')'):
			if len(stack) == 0 {
				if !open {
					return i
				}
				continue
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return stack[len(stack)-1]
	}
	return 0
}

func parenError(at, inOrder Pos, open bool) *SyntaxError {
	if open {
		if at == inOrder {
			return &SyntaxError{Pos: at, Msg: "'(' is never closed: add the matching ')'"}
		}
		return &SyntaxError{Pos: at, Msg: fmt.Sprintf(
			"'(' at %d:%d is never closed: add the matching ')' (matched in order, the brackets are unbalanced from the '(' at %d:%d)",
			at.Line, at.Col, inOrder.Line, inOrder.Col)}
	}
	if at == inOrder {
		return &SyntaxError{Pos: at, Msg: "')' without a matching '('"}
	}
	return &SyntaxError{Pos: at, Msg: fmt.Sprintf(
		"')' at %d:%d has no matching '(': remove it or add the '(' (matched in order, the brackets are unbalanced from the ')' at %d:%d)",
		at.Line, at.Col, inOrder.Line, inOrder.Col)}
}

// layout knows the indentation of each line of a statement: the column of
// the first token that starts on it.
type layout struct {
	first  int   // line of seg[0]
	indent []int // by line - first; 0 for lines where no token starts
}

func newLayout(seg []Token) layout {
	l := layout{first: seg[0].Pos.Line}
	l.indent = make([]int, seg[len(seg)-1].Pos.Line-l.first+1)
	for i := range seg {
		k := seg[i].Pos.Line - l.first
		if l.indent[k] == 0 {
			l.indent[k] = seg[i].Pos.Col
		}
	}
	return l
}

// cost matches the brackets of seg in order without token skip and counts
// the pairs whose layout is unlikely. A '(' that ends its line opens a
// block, closed by a ')' that starts a line indented like the '(”s line.
// Any other '(' is closed on its own line, on a deeper line after other
// tokens, or by a ')' starting a line indented like the '(”s line.
func (l layout) cost(seg []Token, skip int) int {
	var stackBuf [32]int
	stack := stackBuf[:0]
	cost := 0
	for i := range seg {
		if i == skip {
			continue
		}
		switch {
		case seg[i].is('('):
			stack = append(stack, i)
		case seg[i].is(')'):
			if len(stack) == 0 {
				continue
			}
			oi := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			o, c := seg[oi].Pos, seg[i].Pos
			if o.Line == c.Line {
				continue
			}
			next := oi + 1
			if next == skip {
				next++
			}
			block := next >= len(seg) || seg[next].Pos.Line > o.Line
			io, ic := l.indent[o.Line-l.first], l.indent[c.Line-l.first]
			startsLine := ic == c.Col
			switch {
			case startsLine && ic == io:
			case !startsLine && !block && ic > io:
			default:
				cost++
			}
		}
	}
	return cost
}

// diagnoseQuote builds the error of a quote q at off (position p) that is
// never closed. toks are the tokens lexed before it. The first string
// literal (of the same quote) that runs over lines reading like SQL most
// likely opens where a quote is missing or stray; the unterminated one is
// checked last. Without such a literal the error is the plain one.
// Cost: O(n), on the error path only.
func diagnoseQuote(src []byte, toks []Token, off int, q byte, p Pos) *SyntaxError {
	plain := &SyntaxError{Pos: p, Msg: fmt.Sprintf("unterminated string literal: add the closing %c", q)}
	for i := range toks {
		t := &toks[i]
		if t.Kind != TokString || src[t.Start] != q {
			continue
		}
		if line, text, ok := sqlLineIn(src[t.Start+1:t.End-1], t.Pos.Line); ok {
			return &SyntaxError{Pos: t.Pos, Msg: fmt.Sprintf(
				"the string literal opened at %d:%d runs over text that reads like SQL (line %d: %s): check the quotes on line %d (matched in order, the %c left open is at %d:%d)",
				t.Pos.Line, t.Pos.Col, line, text, t.Pos.Line, q, p.Line, p.Col)}
		}
	}
	if line, text, ok := sqlLineIn(src[off+1:], p.Line); ok {
		return &SyntaxError{Pos: p, Msg: fmt.Sprintf(
			"unterminated string literal: the %c at %d:%d is never closed, and the text after it reads like SQL (line %d: %s): add the closing %c",
			q, p.Line, p.Col, line, text, q)}
	}
	return plain
}

// sqlLineIn returns the first line of a string literal's body that reads
// like SQL, with its number (the body starts on line first) and its text,
// shortened. A body on one line is never SQL: strings rarely span lines,
// SQL often does, so only a literal that spans lines is suspect; its first
// line (what follows the opening quote) counts too.
func sqlLineIn(body []byte, first int) (int, string, bool) {
	if bytes.IndexByte(body, '\n') < 0 {
		return 0, "", false
	}
	for line := first; len(body) > 0; line++ {
		end := bytes.IndexByte(body, '\n')
		if end < 0 {
			end = len(body)
		}
		text := strings.TrimSpace(string(body[:end]))
		if readsLikeSQL(text) {
			if r := []rune(text); len(r) > 40 {
				text = string(r[:40]) + "…"
			}
			return line, "`" + text + "`", true
		}
		if end == len(body) {
			break
		}
		body = body[end+1:]
	}
	return 0, "", false
}

// clauseKeywords start a line of SQL; prose rarely starts a line with
// them. weakKeywords do too, but also start prose, so they count only
// when written in capitals.
var (
	clauseKeywords = map[Keyword]bool{
		KwSelect: true, KwFrom: true, KwWhere: true, KwJoin: true, KwLeft: true, KwRight: true,
		KwInner: true, KwFull: true, KwCross: true, KwGroup: true, KwOrder: true, KwHaving: true,
		KwUnion: true, KwInsert: true, KwCreate: true, KwWindow: true, KwQualify: true,
		KwLimit: true, KwValues: true, KwPartition: true, KwExcept: true, KwIntersect: true,
		KwLateral: true, KwExecute: true,
	}
	weakKeywords = map[Keyword]bool{
		KwAnd: true, KwOr: true, KwOn: true, KwCase: true, KwWhen: true, KwThen: true,
		KwElse: true, KwEnd: true, KwWith: true, KwAs: true, KwSet: true,
	}
)

// readsLikeSQL reports whether a trimmed line looks like SQL rather than
// the text of a string: a comment, a clause keyword first, or a line that
// ends a statement, an item of a list or opens a block.
func readsLikeSQL(line string) bool {
	if strings.HasPrefix(line, "--") || strings.HasSuffix(line, ";") ||
		strings.HasSuffix(line, ",") || strings.HasSuffix(line, "(") || strings.HasPrefix(line, ")") {
		return true
	}
	j := 0
	for j < len(line) && isIdentPart(line[j]) {
		j++
	}
	if j == 0 {
		return false
	}
	word := line[:j]
	kw := lookupKeyword([]byte(word))
	if clauseKeywords[kw] {
		return true
	}
	return weakKeywords[kw] && strings.ToUpper(word) == word
}
