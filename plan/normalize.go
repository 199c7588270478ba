package plan

import (
	"strings"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// Normalize folds what does not change a statement's meaning — comments,
// white space, a trailing semicolon — so running SQL can be compared with
// the file's. SQL the lexer refuses is compared with its white space
// folded. Cost: one lexer pass.
func Normalize(sql string) string {
	src := []byte(sql)
	toks, err := flinksql.Lex(src)
	if err != nil {
		return strings.Join(strings.Fields(sql), " ")
	}
	for len(toks) > 0 && toks[len(toks)-1].Kind == flinksql.TokOp && toks[len(toks)-1].Ch == ';' {
		toks = toks[:len(toks)-1]
	}
	var b strings.Builder
	b.Grow(len(sql))
	for i, t := range toks {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.Text(src))
	}
	return b.String()
}
