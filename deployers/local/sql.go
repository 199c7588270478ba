package local

import (
	"strings"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// createClause is what the head of a CREATE statement says.
type createClause struct {
	create      bool // the statement starts with CREATE
	orReplace   bool
	ifNotExists bool
}

// parseCreate reads CREATE [OR REPLACE] [TEMPORARY] [MATERIALIZED]
// TABLE|VIEW [IF NOT EXISTS] from the first tokens of one statement.
func parseCreate(stmt string) createClause {
	src := []byte(stmt)
	toks, err := flinksql.Lex(src)
	if err != nil || len(toks) == 0 || !word(toks[0], src, "CREATE") {
		return createClause{}
	}
	c := createClause{create: true}
	i := 1
	if i+1 < len(toks) && word(toks[i], src, "OR") && word(toks[i+1], src, "REPLACE") {
		c.orReplace = true
		i += 2
	}
	for i < len(toks) && (word(toks[i], src, "TEMPORARY") || word(toks[i], src, "MATERIALIZED")) {
		i++
	}
	if i < len(toks) && (word(toks[i], src, "TABLE") || word(toks[i], src, "VIEW")) {
		i++
	}
	if i+2 < len(toks) && word(toks[i], src, "IF") && word(toks[i+1], src, "NOT") && word(toks[i+2], src, "EXISTS") {
		c.ifNotExists = true
	}
	return c
}

// dropTarget returns the table of DROP [TEMPORARY] TABLE|VIEW [IF EXISTS]
// name (its last name part), or "" when sql is no such statement.
func dropTarget(sql string) string {
	src := []byte(sql)
	toks, err := flinksql.Lex(src)
	if err != nil || len(toks) < 3 || !word(toks[0], src, "DROP") {
		return ""
	}
	i := 1
	if word(toks[i], src, "TEMPORARY") {
		i++
	}
	if i >= len(toks) || !(word(toks[i], src, "TABLE") || word(toks[i], src, "VIEW")) {
		return ""
	}
	i++
	if i+1 < len(toks) && word(toks[i], src, "IF") && word(toks[i+1], src, "EXISTS") {
		i += 2
	}
	name := ""
	for ; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.Kind == flinksql.TokIdent || t.Kind == flinksql.TokQuotedIdent:
			name = t.IdentValue(src)
		case t.Kind == flinksql.TokOp && t.Ch == '.':
			continue
		default:
			return name
		}
	}
	return name
}

func word(t flinksql.Token, src []byte, w string) bool {
	return t.Kind == flinksql.TokIdent && strings.EqualFold(t.Text(src), w)
}
