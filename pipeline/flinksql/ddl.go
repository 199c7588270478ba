package flinksql

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// tableDef reads what follows the name of a CREATE TABLE: the column list,
// COMMENT, PARTITIONED BY, DISTRIBUTED BY, WITH options, LIKE and AS query
// (CTAS, materialized tables). Unknown clauses (FRESHNESS = …) are skipped.
func (a *analysis) tableDef(n Name, i, hi int) {
	def := TableDefinition{Name: n}
	hasCols := false
	start := i
	for i < hi {
		t := &a.toks[i]
		if t.is('(') {
			j := int(a.match[i])
			if i == start {
				if !a.shallow {
					a.columns(&def, i+1, j)
				}
				hasCols = true
			}
			i = j + 1
			continue
		}
		if t.Kind != TokIdent {
			i++
			continue
		}
		switch t.Kw {
		case KwComment:
			i += 2
			continue
		case KwDistributed:
			i = a.distributed(&def, i+1, hi)
			continue
		case KwWith:
			if a.isOp(i+1, hi, '(') {
				j := int(a.match[i+1])
				def.Options = a.options(i+2, j)
				i = j + 1
				continue
			}
		case KwLike:
			if ln, next, ok := a.name(i+1, hi); ok {
				def.Like = &ln
				a.addRead(ln)
				i = next
				continue
			}
		case KwAs:
			a.body(i+1, hi, nil, modeQuery)
			i = hi
			continue
		}
		i++
	}
	for _, o := range def.Options {
		if a.res.ChangelogMode == "" && strings.EqualFold(o.Key, "changelog.mode") {
			a.res.ChangelogMode = strings.ToLower(o.Value)
		}
	}
	if hasCols && !a.shallow {
		a.res.Tables = append(a.res.Tables, def)
	}
}

// distributed reads [BY] [HASH] (cols) [INTO n BUCKETS] after DISTRIBUTED
// and returns the index after the clause.
func (a *analysis) distributed(def *TableDefinition, i, hi int) int {
	if a.kw(i, hi) == KwBy {
		i++
	}
	if a.kw(i, hi) == KwHash {
		i++
	}
	if a.isOp(i, hi, '(') {
		j := int(a.match[i])
		def.DistributedBy = a.nameList(i+1, j)
		i = j + 1
	}
	if a.kw(i, hi) == KwInto && i+2 < hi && a.toks[i+1].Kind == TokNumber && a.kw(i+2, hi) == KwBuckets {
		if b, err := strconv.Atoi(a.text[a.toks[i+1].Start:a.toks[i+1].End]); err == nil {
			def.Buckets = b
		}
		i += 3
	}
	return i
}

// nameList reads comma-separated identifiers, e.g. a key column list.
func (a *analysis) nameList(lo, hi int) []string {
	var out []string
	for i := lo; i < hi; i++ {
		t := &a.toks[i]
		if t.Kind == TokIdent || t.Kind == TokQuotedIdent {
			out = append(out, a.ident(t))
		}
	}
	return out
}

// elements splits lo..hi at commas outside parentheses and type brackets
// (ROW<a INT, b INT>) and calls f for each non-empty element.
func (a *analysis) elements(lo, hi int, f func(lo, hi int)) {
	start, angle := lo, 0
	for i := lo; i < hi; i++ {
		t := &a.toks[i]
		if t.Kind != TokOp {
			continue
		}
		switch t.Ch {
		case '(':
			i = int(a.match[i])
		case '<':
			if i > lo && isBracketType(a.toks[i-1].Kw) {
				angle++
			}
		case '>':
			if angle > 0 {
				angle--
			}
		case ',':
			if angle == 0 {
				if i > start {
					f(start, i)
				}
				start = i + 1
			}
		}
	}
	if hi > start {
		f(start, hi)
	}
}

func isBracketType(k Keyword) bool {
	return k == KwArray || k == KwMap || k == KwMultiset || k == KwRow
}

// columns reads the column list of a CREATE TABLE: physical, computed and
// metadata columns, PRIMARY KEY (column or table constraint), WATERMARK
// (skipped).
func (a *analysis) columns(def *TableDefinition, lo, hi int) {
	a.elements(lo, hi, func(lo, hi int) {
		i := lo
		if a.kw(i, hi) == KwConstraint {
			i += 2
		}
		switch a.kw(i, hi) {
		case KwPrimary:
			if a.kw(i+1, hi) == KwKey && a.isOp(i+2, hi, '(') {
				def.PrimaryKey = a.nameList(i+3, int(a.match[i+2]))
			}
			return
		case KwWatermark:
			return
		}
		t := &a.toks[i]
		if t.Kind != TokIdent && t.Kind != TokQuotedIdent {
			return
		}
		c := Column{Name: a.ident(t)}
		i++
		if a.kw(i, hi) == KwAs {
			c.Computed = true
			def.Columns = append(def.Columns, c)
			return
		}
		typeEnd := a.typeEnd(i, hi)
		c.Type = a.formatType(i, typeEnd)
		for j := typeEnd; j < hi; j++ {
			switch a.kw(j, hi) {
			case KwNot:
				if a.kw(j+1, hi) == KwNull {
					c.NotNull = true
				}
			case KwPrimary:
				def.PrimaryKey = []string{c.Name}
			case KwMetadata:
				c.Computed = true
			}
		}
		def.Columns = append(def.Columns, c)
	})
}

// typeEnd returns the end of the data type starting at i: the first
// constraint or attribute keyword outside parentheses and type brackets.
func (a *analysis) typeEnd(i, hi int) int {
	angle := 0
	for ; i < hi; i++ {
		t := &a.toks[i]
		if t.Kind == TokOp {
			switch t.Ch {
			case '(':
				i = int(a.match[i])
			case '<':
				angle++
			case '>':
				angle--
			}
			continue
		}
		if angle > 0 || t.Kind != TokIdent {
			continue
		}
		switch t.Kw {
		case KwNot:
			if a.kw(i+1, hi) == KwNull {
				return i
			}
		case KwNull, KwPrimary, KwConstraint, KwComment, KwMetadata, KwVirtual:
			return i
		}
	}
	return hi
}

// formatType renders a data type canonically: type words upper-case,
// single spaces, no space inside brackets, ", " between arguments:
// DECIMAL(10, 2), ROW<id BIGINT, tags ARRAY<STRING>>,
// TIMESTAMP(3) WITH LOCAL TIME ZONE. ROW field names keep their spelling.
func (a *analysis) formatType(lo, hi int) string {
	b := a.typeBuf[:0]
	// rows marks, per open bracket, whether it belongs to ROW (its
	// elements start with a field name).
	var rowsBuf [8]bool
	rows := rowsBuf[:0]
	fieldName := false
	prevOpen := true
	for i := lo; i < hi; i++ {
		t := &a.toks[i]
		if t.Kind == TokOp && (t.Ch == '(' || t.Ch == '<') {
			b = append(b, t.Ch)
			isRow := i > lo && a.toks[i-1].Kw == KwRow
			rows = append(rows, isRow)
			fieldName, prevOpen = isRow, true
			continue
		}
		if t.Kind == TokOp && (t.Ch == ')' || t.Ch == '>') {
			b = append(b, t.Ch)
			if len(rows) > 0 {
				rows = rows[:len(rows)-1]
			}
			fieldName, prevOpen = false, false
			continue
		}
		if t.Kind == TokOp && t.Ch == ',' {
			b = append(b, ", "...)
			fieldName = len(rows) > 0 && rows[len(rows)-1]
			prevOpen = true
			continue
		}
		if !prevOpen {
			b = append(b, ' ')
		}
		prevOpen = false
		text := a.text[t.Start:t.End]
		switch {
		case fieldName:
			b = append(b, text...)
			fieldName = false
		case t.Kind == TokIdent:
			b = appendUpper(b, text)
		default:
			b = append(b, text...)
		}
	}
	a.typeBuf = b
	// A type written canonically (the usual case) is cut from the source
	// rather than allocated.
	if lo < hi {
		if src := a.text[a.toks[lo].Start:a.toks[hi-1].End]; src == string(b) {
			return src
		}
	}
	return string(b)
}

// appendUpper appends s upper-cased.
func appendUpper(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return append(b, strings.ToUpper(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// options reads the 'key' = 'value' pairs of a WITH clause. Keys and values
// may also be bare or dotted identifiers or numbers.
func (a *analysis) options(lo, hi int) []Option {
	var out []Option
	a.elements(lo, hi, func(lo, hi int) {
		eq := -1
		for i := lo; i < hi; i++ {
			if a.toks[i].is('=') {
				eq = i
				break
			}
		}
		if eq <= lo {
			return
		}
		out = append(out, Option{
			Key:   a.optionText(lo, eq),
			Value: a.optionText(eq+1, hi),
			Pos:   a.toks[lo].Pos,
		})
	})
	return out
}

func (a *analysis) optionText(lo, hi int) string {
	if hi == lo+1 {
		return stringValue(a.toks[lo], a.text)
	}
	var sb strings.Builder
	for i := lo; i < hi; i++ {
		sb.WriteString(stringValue(a.toks[i], a.text))
	}
	return sb.String()
}
