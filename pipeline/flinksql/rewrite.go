package flinksql

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// RewriteOptions say how RewriteDDL adapts CREATE TABLE statements to a
// target, e.g. from Confluent Cloud to open-source Flink.
type RewriteOptions struct {
	// DropDistributedBy removes DISTRIBUTED BY … [INTO n BUCKETS] (and
	// DISTRIBUTED INTO n BUCKETS).
	DropDistributedBy bool
	// DropOptions are patterns of WITH option keys to remove, matched
	// case-insensitively with path.Match syntax: "changelog.mode",
	// "kafka.*", "*.avro-registry.*".
	DropOptions []string
	// Drop, when not nil, is asked about each key DropOptions keeps.
	Drop func(key string) bool
	// SetOptions are set in order: an existing key (case-insensitive) gets
	// the new value in place, the others are appended. A WITH clause is
	// added when the statement has none. Pos is ignored.
	SetOptions []Option
}

// RewriteDDL rewrites the CREATE TABLE statements of src through its
// tokens: it drops the DISTRIBUTED BY clause and the WITH options the
// options name, and sets options. Everything else is kept byte for byte,
// comments included, except comments inside a WITH clause that changes
// (its options are re-joined with the clause's own indentation) and
// comments between a dropped clause and the token before it. removed
// lists what was dropped, in source order ("DISTRIBUTED BY",
// "option 'kafka.retention.time'"), so a plan can warn about it. Lexical
// errors are *SyntaxError; a malformed pattern is an error too.
//
// Cost: one lexer pass, one pass over the tokens, and two copies of src.
func RewriteDDL(src []byte, opts RewriteOptions) (out string, removed []string, err error) {
	for _, p := range opts.DropOptions {
		if _, err := path.Match(p, ""); err != nil {
			return "", nil, fmt.Errorf("option pattern %q: %w", p, err)
		}
	}
	toks, err := Lex(src)
	if err != nil {
		return "", nil, err
	}
	match, err := matchParens(toks, nil)
	if err != nil {
		return "", nil, err
	}
	a := analysis{src: src, text: string(src), toks: toks, match: match, res: &Analysis{}}
	rw := rewriter{a: &a, opts: opts}
	for _, s := range splitTokens(toks, nil) {
		rw.statement(s.lo, s.hi)
	}
	sort.SliceStable(rw.edits, func(i, j int) bool { return rw.edits[i].start < rw.edits[j].start })
	var sb strings.Builder
	sb.Grow(len(src) + 256)
	at := 0
	for _, e := range rw.edits {
		sb.Write(src[at:e.start])
		sb.WriteString(e.text)
		at = e.end
	}
	sb.Write(src[at:])
	return sb.String(), rw.removed, nil
}

// edit replaces src[start:end] with text.
type edit struct {
	start, end int
	text       string
}

type rewriter struct {
	a       *analysis
	opts    RewriteOptions
	edits   []edit
	removed []string
}

func (rw *rewriter) dropKey(key string) bool {
	lk := strings.ToLower(key)
	for _, p := range rw.opts.DropOptions {
		if ok, _ := path.Match(strings.ToLower(p), lk); ok {
			return true
		}
	}
	return rw.opts.Drop != nil && rw.opts.Drop(key)
}

// statement rewrites one CREATE [OR REPLACE] [TEMPORARY] TABLE statement;
// other statements are left alone.
func (rw *rewriter) statement(lo, hi int) {
	a := rw.a
	i := lo
	if a.kw(i, hi) != KwCreate {
		return
	}
	i++
	if a.kw(i, hi) == KwOr && a.kw(i+1, hi) == KwReplace {
		i += 2
	}
	if a.kw(i, hi) == KwTemporary {
		i++
	}
	if a.kw(i, hi) != KwTable {
		return
	}
	i++
	if a.kw(i, hi) == KwIf && a.kw(i+1, hi) == KwNot && a.kw(i+2, hi) == KwExists {
		i += 3
	}
	_, i, ok := a.name(i, hi)
	if !ok {
		return
	}
	withAt, insertAt := -1, -1
	for i < hi {
		t := &a.toks[i]
		if t.is('(') {
			i = int(a.match[i]) + 1
			continue
		}
		switch a.kw(i, hi) {
		case KwComment:
			i += 2
			continue
		case KwDistributed:
			end := rw.distributedEnd(i+1, hi)
			if rw.opts.DropDistributedBy {
				rw.edits = append(rw.edits, edit{start: a.toks[i-1].End, end: a.toks[end-1].End})
				what := "DISTRIBUTED BY"
				if a.kw(i+1, hi) != KwBy {
					what = "DISTRIBUTED INTO BUCKETS"
				}
				rw.removed = append(rw.removed, what)
			}
			i = end
			continue
		case KwWith:
			if a.isOp(i+1, hi, '(') && withAt < 0 {
				withAt = i
				i = int(a.match[i+1]) + 1
				continue
			}
		case KwLike, KwAs:
			if insertAt < 0 {
				insertAt = i
			}
			if a.kw(i, hi) == KwAs {
				i = hi
				continue
			}
		}
		i++
	}
	if withAt >= 0 {
		rw.with(withAt, hi)
		return
	}
	if len(rw.opts.SetOptions) == 0 {
		return
	}
	var sb strings.Builder
	sb.WriteString("\nWITH (")
	for k, o := range rw.opts.SetOptions {
		if k > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString("\n  ")
		sb.WriteString(optionSQL(o.Key, o.Value))
	}
	sb.WriteString("\n)")
	at := a.toks[hi-1].End
	if insertAt >= 0 {
		at = a.toks[insertAt-1].End
	}
	rw.edits = append(rw.edits, edit{start: at, end: at, text: sb.String()})
}

// distributedEnd returns the token index after the DISTRIBUTED clause whose
// BY/INTO starts at i.
func (rw *rewriter) distributedEnd(i, hi int) int {
	a := rw.a
	if a.kw(i, hi) == KwBy {
		i++
	}
	if a.kw(i, hi) == KwHash {
		i++
	}
	if a.isOp(i, hi, '(') {
		i = int(a.match[i]) + 1
	}
	if a.kw(i, hi) == KwInto && i+2 < hi && a.kw(i+2, hi) == KwBuckets {
		i += 3
	}
	return i
}

// with rewrites the WITH (…) clause whose WITH keyword is toks[at].
func (rw *rewriter) with(at, hi int) {
	a := rw.a
	open := at + 1
	closing := int(a.match[open])
	type elem struct {
		key        string
		lo, valTok int // first token, first value token
		hi         int // after the last token
	}
	var elems []elem
	a.elements(open+1, closing, func(lo, hi int) {
		eq := -1
		for i := lo; i < hi; i++ {
			if a.toks[i].is('=') {
				eq = i
				break
			}
		}
		key := ""
		if eq > lo {
			key = a.optionText(lo, eq)
		}
		elems = append(elems, elem{key: key, lo: lo, valTok: eq + 1, hi: hi})
	})
	// Replacing a value edits only the value tokens; dropping or adding an
	// option re-joins the clause with its own separator and indentation.
	structural := false
	var valueEdits []edit
	var kept []string
	done := make([]bool, len(rw.opts.SetOptions))
	for _, e := range elems {
		if e.key != "" && rw.dropKey(e.key) {
			rw.removed = append(rw.removed, fmt.Sprintf("option '%s'", e.key))
			structural = true
			continue
		}
		text := string(a.src[a.toks[e.lo].Start:a.toks[e.hi-1].End])
		for k, o := range rw.opts.SetOptions {
			if e.key == "" || !strings.EqualFold(o.Key, e.key) || done[k] {
				continue
			}
			done[k] = true
			val := quoteSQL(o.Value)
			if e.valTok >= e.hi {
				text = string(a.src[a.toks[e.lo].Start:a.toks[e.valTok-1].End]) + " " + val
				valueEdits = append(valueEdits, edit{start: a.toks[e.valTok-1].End, end: a.toks[e.valTok-1].End, text: " " + val})
			} else if old := a.src[a.toks[e.valTok].Start:a.toks[e.hi-1].End]; string(old) != val {
				text = string(a.src[a.toks[e.lo].Start:a.toks[e.valTok].Start]) + val
				valueEdits = append(valueEdits, edit{start: a.toks[e.valTok].Start, end: a.toks[e.hi-1].End, text: val})
			}
		}
		kept = append(kept, text)
	}
	for k, o := range rw.opts.SetOptions {
		if !done[k] {
			kept = append(kept, optionSQL(o.Key, o.Value))
			structural = true
		}
	}
	if !structural {
		rw.edits = append(rw.edits, valueEdits...)
		return
	}
	if len(kept) == 0 {
		rw.edits = append(rw.edits, edit{start: a.toks[at-1].End, end: a.toks[closing].End})
		return
	}
	lead, trail := "\n  ", "\n"
	if len(elems) > 0 {
		if ws := a.src[a.toks[open].End:a.toks[elems[0].lo].Start]; isSpace(ws) {
			lead = string(ws)
		}
		if ws := a.src[a.toks[elems[len(elems)-1].hi-1].End:a.toks[closing].Start]; isSpace(ws) {
			trail = string(ws)
		}
	}
	sep := "," + lead
	if len(elems) > 1 {
		// The text between the first option and the second: ", " or ",\n  ".
		if between := a.src[a.toks[elems[0].hi-1].End:a.toks[elems[1].lo].Start]; len(between) > 0 && between[0] == ',' && isSpace(between[1:]) {
			sep = string(between)
		}
	} else if lead == "" {
		sep = ", "
	}
	rw.edits = append(rw.edits, edit{
		start: a.toks[open].End,
		end:   a.toks[closing].Start,
		text:  lead + strings.Join(kept, sep) + trail,
	})
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

func quoteSQL(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func optionSQL(k, v string) string { return quoteSQL(k) + " = " + quoteSQL(v) }
