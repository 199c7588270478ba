// Package sqltest holds what the engines' test stand-ins share to read the
// SQL they are sent.
package sqltest

import "github.com/shiftleft-dev/shiftleft/pipeline/flinksql"

// ValueRows are the rows of INSERT … VALUES (…), (…) in toks (lexed from
// src): strings as their values, NULL as nil, and each number as number
// makes it from its text and whether a minus sign stood before it. A
// CAST's type (after AS) is not a value, so CAST(10.5 AS DECIMAL(10, 2))
// gives 10.5 alone; other tokens are passed over.
func ValueRows(toks []flinksql.Token, src []byte, number func(text string, negative bool) any) [][]any {
	var rows [][]any
	var row []any
	depth, skip, values, minus := 0, -1, false, false
	for _, t := range toks {
		if !values {
			values = t.Kw == flinksql.KwValues
			continue
		}
		negative := minus
		minus = false
		switch {
		case t.Kind == flinksql.TokOp && t.Ch == '(':
			depth++
			if depth == 1 {
				row = nil
			}
		case t.Kind == flinksql.TokOp && t.Ch == ')':
			depth--
			if skip >= 0 && depth < skip {
				skip = -1
			}
			if depth == 0 {
				rows = append(rows, row)
			}
		case depth == 0 || skip >= 0:
		case t.Kw == flinksql.KwAs:
			skip = depth
		case t.Kind == flinksql.TokString:
			row = append(row, t.StringValue(src))
		case t.Kind == flinksql.TokOp && t.Ch == '-':
			minus = true
		case t.Kind == flinksql.TokNumber:
			row = append(row, number(t.Text(src), negative))
		case t.Kw == flinksql.KwNull:
			row = append(row, nil)
		}
	}
	return rows
}
