package flinksql

import "strings"

// Normalize returns the canonical form of src, used to compare the SQL a
// target runs with the SQL of a file: comments dropped; known keywords
// (see Keyword) upper-cased, except where a name may stand — any keyword
// next to '.', a non-reserved one after FROM, JOIN, INSERT, INTO, OVERWRITE, TABLE,
// VIEW, EXISTS, LIKE, WITH, RECURSIVE, ',' or '(' — because Flink identifiers are
// case-sensitive and a table may be called data or key; identifiers, quoted identifiers, strings and
// numbers exactly as written; tokens separated by one space except that no
// space is written next to '.', '(', ')', ',' or ';' (a space stays between
// '.' and a number, so that the output lexes to the same tokens); trailing
// ';' dropped. Normalize is idempotent. Errors are *SyntaxError.
//
// Cost: one lexer pass and one output string of at most len(src) bytes.
func Normalize(src []byte) (string, error) {
	toks, err := Lex(src)
	if err != nil {
		return "", err
	}
	end := len(toks)
	for end > 0 && toks[end-1].is(';') {
		end--
	}
	if end == 0 {
		return "", &SyntaxError{Pos: toks[0].Pos, Msg: "no SQL statement (only ';')"}
	}
	var sb strings.Builder
	sb.Grow(len(src))
	for i := 0; i < end; i++ {
		t := &toks[i]
		if i > 0 && spaceBetween(&toks[i-1], t) {
			sb.WriteByte(' ')
		}
		if t.Kind == TokIdent && t.Kw != KwNone && !mayBeName(toks, i) {
			sb.WriteString(t.Kw.String())
		} else {
			sb.Write(src[t.Start:t.End])
		}
	}
	return sb.String(), nil
}

func tight(t *Token) bool {
	return t.Kind == TokOp && (t.Ch == '.' || t.Ch == '(' || t.Ch == ')' || t.Ch == ',' || t.Ch == ';')
}

func spaceBetween(prev, next *Token) bool {
	if prev.is('.') && next.Kind == TokNumber || next.is('.') && prev.Kind == TokNumber {
		return true
	}
	return !tight(prev) && !tight(next)
}

// mayBeName reports whether the keyword toks[i] is non-reserved and stands
// where a name can, so Normalize must keep its spelling.
func mayBeName(toks []Token, i int) bool {
	// Next to a dot any word is a name part, reserved or not.
	if i+1 < len(toks) && toks[i+1].is('.') || i > 0 && toks[i-1].is('.') {
		return true
	}
	if toks[i].Kw.upper() || i == 0 {
		return false
	}
	p := &toks[i-1]
	if p.Kind == TokOp {
		return p.Ch == ',' || p.Ch == '('
	}
	switch p.Kw {
	case KwFrom, KwJoin, KwInto, KwOverwrite, KwTable, KwView, KwExists, KwLike, KwWith, KwInsert, KwRecursive:
		return p.Kind == TokIdent
	}
	return false
}
