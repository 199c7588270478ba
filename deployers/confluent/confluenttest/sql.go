package confluenttest

import (
	"strings"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// sqlKind is how the stand-in runs a statement.
type sqlKind int

const (
	sqlOther    sqlKind = iota // SET, USE, SHOW, DESCRIBE…: COMPLETED
	sqlCreate                  // CREATE TABLE: COMPLETED, adds a table
	sqlCreateAs                // CTAS: RUNNING, adds a table
	sqlView                    // CREATE VIEW: COMPLETED, adds a table
	sqlDrop                    // DROP TABLE/VIEW: COMPLETED, removes it
	sqlAlter                   // ALTER TABLE: COMPLETED
	sqlInsert                  // INSERT, statement set: RUNNING
	sqlQuery                   // SELECT: COMPLETED (bounded)
)

// parsed is what the stand-in needs to know about a statement.
type parsed struct {
	kind        sqlKind
	ifExists    bool // DROP … IF EXISTS
	ifNotExists bool // CREATE … IF NOT EXISTS
	target      []string
	reads       [][]string
	writes      [][]string
}

// parse classifies a statement by its leading keywords and takes reads and
// writes from flinksql.Analyze, the project's own extractor.
func parse(sql string) (*parsed, error) {
	src := []byte(sql)
	toks, err := flinksql.Lex(src)
	if err != nil {
		return nil, err
	}
	var words []string
	for i := 0; i < len(toks) && i < 8; i++ {
		if toks[i].Kind == flinksql.TokIdent {
			words = append(words, strings.ToUpper(toks[i].Text(src)))
		} else {
			words = append(words, toks[i].Text(src))
		}
	}
	p := &parsed{}
	has := func(w string) bool {
		for _, x := range words {
			if x == w {
				return true
			}
		}
		return false
	}
	first := ""
	if len(words) > 0 {
		first = words[0]
	}
	switch first {
	case "DROP", "ALTER":
		p.kind = sqlAlter
		if first == "DROP" {
			p.kind = sqlDrop
		}
		i := 1
		for i < len(toks) && toks[i].Kind == flinksql.TokIdent {
			w := strings.ToUpper(toks[i].Text(src))
			if w == "TABLE" || w == "VIEW" || w == "TEMPORARY" || w == "IF" || w == "EXISTS" {
				p.ifExists = p.ifExists || w == "EXISTS"
				i++
				continue
			}
			break
		}
		p.target = nameAt(toks, src, i)
		return p, nil
	case "SET", "RESET", "USE", "SHOW", "DESCRIBE", "DESC", "EXPLAIN":
		p.kind = sqlOther
		return p, nil
	}
	a, err := flinksql.Analyze(src)
	if err != nil {
		return nil, err
	}
	for _, n := range a.Reads {
		p.reads = append(p.reads, n.Parts)
	}
	for _, n := range a.Writes {
		p.writes = append(p.writes, n.Parts)
	}
	switch {
	case first == "CREATE" && has("VIEW"):
		p.kind = sqlView
	case first == "CREATE" && len(p.reads) > 0 && !hasLike(a):
		p.kind = sqlCreateAs
	case first == "CREATE":
		p.kind = sqlCreate
		p.ifNotExists = has("NOT") && has("EXISTS")
	case len(p.writes) > 0:
		p.kind = sqlInsert
	case first == "SELECT" || first == "WITH" || first == "VALUES":
		p.kind = sqlQuery
	default:
		p.kind = sqlOther
	}
	if len(p.writes) > 0 && p.kind != sqlInsert {
		p.target = p.writes[0]
	}
	return p, nil
}

// nameAt reads a dotted name starting at token i.
func nameAt(toks []flinksql.Token, src []byte, i int) []string {
	var parts []string
	for i < len(toks) {
		t := toks[i]
		if t.Kind != flinksql.TokIdent && t.Kind != flinksql.TokQuotedIdent {
			break
		}
		parts = append(parts, t.IdentValue(src))
		if i+1 < len(toks) && toks[i+1].Kind == flinksql.TokOp && toks[i+1].Ch == '.' {
			i += 2
			continue
		}
		break
	}
	return parts
}

func hasLike(a *flinksql.Analysis) bool {
	for _, t := range a.Tables {
		if t.Like != nil {
			return true
		}
	}
	return false
}
