package plan

import (
	"strings"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// Normalize folds what does not change a statement's meaning — comments,
// white space, keyword case, a trailing semicolon (flinksql.Normalize) — so
// running SQL can be compared with the file's. SQL the lexer refuses is
// compared with its white space folded, so a comparison never fails.
func Normalize(sql string) string {
	n, err := flinksql.Normalize([]byte(sql))
	if err != nil {
		return strings.Join(strings.Fields(sql), " ")
	}
	return n
}
