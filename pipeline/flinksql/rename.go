package flinksql

import "strings"

// RenameTables rewrites every identifier of src that names a table of
// renames (keys lower-case; matched case-insensitively, whether alone, the
// last part of a qualified name or a column qualifier such as
// dim.customer_id) through the lexer: string literals and comments are
// never touched, and a backquoted name stays backquoted. A column named
// like a renamed table would be renamed too, so callers refuse or avoid
// that clash. With no renames src comes back as is, unlexed. Cost: one
// lexer pass and one copy of src.
func RenameTables(src string, renames map[string]string) (string, error) {
	if len(renames) == 0 {
		return src, nil
	}
	b := []byte(src)
	toks, err := Lex(b)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	sb.Grow(len(src) + 16)
	at := 0
	for _, t := range toks {
		if t.Kind != TokIdent && t.Kind != TokQuotedIdent {
			continue
		}
		to, ok := renames[strings.ToLower(t.IdentValue(b))]
		if !ok {
			continue
		}
		sb.WriteString(src[at:t.Start])
		if t.Kind == TokQuotedIdent {
			sb.WriteString("`" + strings.ReplaceAll(to, "`", "``") + "`")
		} else {
			sb.WriteString(to)
		}
		at = t.End
	}
	sb.WriteString(src[at:])
	return sb.String(), nil
}
