package flinksql

import "fmt"

// Stmt is one top-level statement of a file. A statement set
// ([EXECUTE] STATEMENT SET BEGIN … END, or the SQL client's BEGIN STATEMENT
// SET; … END) is one statement.
type Stmt struct {
	// Text is the statement from its first to its last token, as written,
	// without the terminating ';' (comments before the first token or
	// after the last one are not part of it).
	Text string `json:"text"`
	// Start and End are byte offsets of Text in the source.
	Start int `json:"start"`
	End   int `json:"end"`
	Pos   Pos `json:"pos"`
}

// span is a statement as a half-open token index range.
type span struct{ lo, hi int }

// SplitStatements lexes src and returns its top-level statements, split on
// ';' outside parentheses and statement sets. Cost: one lexer pass and one
// pass over the tokens.
func SplitStatements(src []byte) ([]Stmt, error) {
	toks, err := Lex(src)
	if err != nil {
		return nil, err
	}
	if _, err := matchParens(toks, nil); err != nil {
		return nil, err
	}
	spans := splitTokens(toks, nil)
	if len(spans) == 0 {
		return nil, &SyntaxError{Pos: toks[0].Pos, Msg: "no SQL statement (only ';')"}
	}
	out := make([]Stmt, len(spans))
	for k, s := range spans {
		start, end := toks[s.lo].Start, toks[s.hi-1].End
		out[k] = Stmt{Text: string(src[start:end]), Start: start, End: end, Pos: toks[s.lo].Pos}
	}
	return out, nil
}

// splitTokens appends the statements of toks to spans. It assumes balanced
// parentheses. Inside a statement set, ';' separates the set's inner
// statements and the set ends at the END that closes no CASE.
func splitTokens(toks []Token, spans []span) []span {
	lo, depth, cases := 0, 0, 0
	inSet := false
	for i := range toks {
		if i == lo {
			inSet = startsStatementSet(toks, i)
			cases = 0
		}
		t := &toks[i]
		switch {
		case t.is('('):
			depth++
		case t.is(')'):
			if depth > 0 {
				depth--
			}
		case t.Kw == KwCase:
			cases++
		case t.Kw == KwEnd:
			if cases > 0 {
				cases--
			} else if depth == 0 {
				inSet = false
			}
		case t.is(';') && depth == 0 && !inSet:
			if i > lo {
				spans = append(spans, span{lo, i})
			}
			lo = i + 1
		}
	}
	if lo < len(toks) {
		spans = append(spans, span{lo, len(toks)})
	}
	return spans
}

// startsStatementSet reports whether toks[i:] starts with [EXECUTE]
// STATEMENT SET or BEGIN STATEMENT SET.
func startsStatementSet(toks []Token, i int) bool {
	if i < len(toks) && (toks[i].Kw == KwExecute || toks[i].Kw == KwBegin) {
		i++
	}
	return i+1 < len(toks) && toks[i].Kw == KwStatement && toks[i+1].Kw == KwSet
}

// maxParenDepth bounds nesting: the analyser recurses once per level, and
// real queries nest a few dozen levels at most.
const maxParenDepth = 1000

// matchParens returns, for each '(' token, the index of its ')' (and -1
// for other tokens), reusing buf. Unbalanced parentheses are a
// *SyntaxError naming the most likely offending one (diagnoseParens, on
// the error path only), and so is nesting deeper than maxParenDepth. O(n)
// with a stack.
func matchParens(toks []Token, buf []int32) ([]int32, error) {
	if cap(buf) < len(toks) {
		buf = make([]int32, len(toks))
	}
	buf = buf[:len(toks)]
	var stackBuf [32]int32
	stack := stackBuf[:0]
	for i := range toks {
		buf[i] = -1
		t := &toks[i]
		if t.Kind != TokOp {
			continue
		}
		switch t.Ch {
		case '(':
			if len(stack) == maxParenDepth {
				return buf, &SyntaxError{Pos: t.Pos, Msg: fmt.Sprintf("parentheses nested deeper than %d", maxParenDepth)}
			}
			stack = append(stack, int32(i))
		case ')':
			if len(stack) == 0 {
				return buf, diagnoseParens(toks, &SyntaxError{Pos: t.Pos, Msg: "')' without a matching '('"})
			}
			buf[stack[len(stack)-1]] = int32(i)
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return buf, diagnoseParens(toks, &SyntaxError{Pos: toks[stack[len(stack)-1]].Pos, Msg: "'(' is never closed: add the matching ')'"})
	}
	return buf, nil
}
