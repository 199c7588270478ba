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
	// AppendColumns are table elements (columns, a WATERMARK) appended to
	// the column list, after its last element and on the same line.
	AppendColumns []string
	// DropPrimaryKey removes the PRIMARY KEY constraint, as a table
	// element or a column's constraint.
	DropPrimaryKey bool
	// KeepLines keeps every line where it was, so a position in the
	// rewritten statement is the same line of the file: removed text is
	// replaced by the line breaks it held, a WITH clause is edited in place
	// (a removed option leaves its line empty, options set are appended to
	// the last option's line), and additions go on an existing line.
	KeepLines bool
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
	opts.SetOptions = lastOfEachKey(opts.SetOptions)
	a := analysis{src: src, text: string(src), toks: toks, match: match, res: &Analysis{}}
	rw := rewriter{a: &a, opts: opts}
	for _, s := range splitTokens(toks, nil) {
		rw.statement(s.lo, s.hi)
	}
	// By start, then insertions (empty spans) before the removal that
	// starts at the same offset.
	sort.SliceStable(rw.edits, func(i, j int) bool {
		if rw.edits[i].start != rw.edits[j].start {
			return rw.edits[i].start < rw.edits[j].start
		}
		return rw.edits[i].end < rw.edits[j].end
	})
	var sb strings.Builder
	sb.Grow(len(src) + 256)
	at := 0
	for _, e := range rw.edits {
		if e.start < at {
			// Two edits of the same text: a bug here, never the input's.
			return "", nil, fmt.Errorf("internal: overlapping DDL rewrites at byte %d", e.start)
		}
		sb.Write(src[at:e.start])
		sb.WriteString(e.text)
		at = e.end
	}
	sb.Write(src[at:])
	return sb.String(), rw.removed, nil
}

// lastOfEachKey keeps the last of options set twice under one key
// (case-insensitive, as Flink reads keys), in the order of those last
// occurrences: setting a key twice would edit the same option twice.
func lastOfEachKey(opts []Option) []Option {
	last := make(map[string]int, len(opts))
	for i, o := range opts {
		last[strings.ToLower(o.Key)] = i
	}
	if len(last) == len(opts) {
		return opts
	}
	out := make([]Option, 0, len(last))
	for i, o := range opts {
		if last[strings.ToLower(o.Key)] == i {
			out = append(out, o)
		}
	}
	return out
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
	if i < hi && a.toks[i].is('(') {
		rw.columnList(i)
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
				rw.edits = append(rw.edits, rw.remove(a.toks[i-1].End, a.toks[end-1].End))
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
		if rw.opts.KeepLines {
			rw.withInPlace(withAt)
		} else {
			rw.with(withAt, hi)
		}
		return
	}
	if len(rw.opts.SetOptions) == 0 {
		return
	}
	// One option a line; with KeepLines, on the statement's last line, so
	// no line moves.
	open, sep, closing := "\nWITH (\n  ", ",\n  ", "\n)"
	if rw.opts.KeepLines {
		open, sep, closing = " WITH (", ", ", ")"
	}
	var sb strings.Builder
	sb.WriteString(open)
	for k, o := range rw.opts.SetOptions {
		if k > 0 {
			sb.WriteString(sep)
		}
		sb.WriteString(optionSQL(o.Key, o.Value))
	}
	sb.WriteString(closing)
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

// withOption is one element of a WITH (…) clause: its key ("" without an
// '='), its first token, its first value token and the token after it.
type withOption struct {
	key        string
	lo, valTok int
	hi         int
}

// withOptions splits the WITH clause between the parentheses at tokens
// open and closing into its options.
func (a *analysis) withOptions(open, closing int) []withOption {
	var out []withOption
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
		out = append(out, withOption{key: key, lo: lo, valTok: eq + 1, hi: hi})
	})
	return out
}

// setValues are the edits that give option e the values SetOptions sets
// for its key (marked in done): after a '=' without value, the value is
// added; a different value is replaced; the same value needs no edit.
func (rw *rewriter) setValues(e withOption, done []bool) []edit {
	a := rw.a
	var out []edit
	for k, o := range rw.opts.SetOptions {
		if e.key == "" || !strings.EqualFold(o.Key, e.key) || done[k] {
			continue
		}
		done[k] = true
		val := quoteSQL(o.Value)
		if e.valTok >= e.hi {
			out = append(out, edit{start: a.toks[e.valTok-1].End, end: a.toks[e.valTok-1].End, text: " " + val})
		} else if old := a.text[a.toks[e.valTok].Start:a.toks[e.hi-1].End]; old != val {
			out = append(out, edit{start: a.toks[e.valTok].Start, end: a.toks[e.hi-1].End, text: val})
		}
	}
	return out
}

// with rewrites the WITH (…) clause whose WITH keyword is toks[at].
func (rw *rewriter) with(at, hi int) {
	a := rw.a
	open := at + 1
	closing := int(a.match[open])
	elems := a.withOptions(open, closing)
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
		start, end := a.toks[e.lo].Start, a.toks[e.hi-1].End
		text := a.text[start:end]
		for _, ed := range rw.setValues(e, done) {
			text = a.text[start:ed.start] + ed.text + a.text[ed.end:end]
			valueEdits = append(valueEdits, ed)
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

// remove is the edit that removes src[start:end]: with KeepLines the line
// breaks it held stay.
func (rw *rewriter) remove(start, end int) edit {
	e := edit{start: start, end: end}
	if rw.opts.KeepLines {
		e.text = strings.Repeat("\n", strings.Count(rw.a.text[start:end], "\n"))
	}
	return e
}

// columnList applies DropPrimaryKey and AppendColumns to the column list
// whose '(' is toks[open].
func (rw *rewriter) columnList(open int) {
	a := rw.a
	closing := int(a.match[open])
	type elem struct{ lo, hi int }
	var elems []elem
	a.elements(open+1, closing, func(lo, hi int) { elems = append(elems, elem{lo, hi}) })
	if len(elems) == 0 {
		return
	}
	last := elems[len(elems)-1].hi - 1 // the last token kept
	if rw.opts.DropPrimaryKey {
		for k, e := range elems {
			i := e.lo
			if a.kw(i, e.hi) == KwConstraint {
				i += 2
			}
			if a.kw(i, e.hi) == KwPrimary && a.kw(i+1, e.hi) == KwKey {
				// The element and the comma before it (after it, for the
				// first); a comment after that comma stays.
				start, end := a.toks[e.lo].Start, a.toks[e.hi-1].End
				switch {
				case k > 0:
					comma := a.toks[elems[k-1].hi]
					rw.edits = append(rw.edits, edit{start: comma.Start, end: comma.End})
					if ls := strings.LastIndexByte(a.text[:start], '\n'); ls >= comma.End && isSpace([]byte(a.text[ls+1:start])) {
						start = ls + 1
					}
				case len(elems) > 1:
					end = a.toks[elems[1].lo].Start
				}
				rw.edits = append(rw.edits, rw.remove(start, end))
				rw.removed = append(rw.removed, "PRIMARY KEY")
				if k == len(elems)-1 && k > 0 {
					last = elems[k-1].hi - 1
				}
				continue
			}
			// A column constraint: PRIMARY KEY [NOT ENFORCED].
			for j := i + 1; j < e.hi; j++ {
				if a.kw(j, e.hi) == KwPrimary && a.kw(j+1, e.hi) == KwKey {
					end := j + 2
					if a.kw(end, e.hi) == KwNot && a.kw(end+1, e.hi) == KwEnforced {
						end += 2
					}
					rw.edits = append(rw.edits, rw.remove(a.toks[j-1].End, a.toks[end-1].End))
					rw.removed = append(rw.removed, "PRIMARY KEY")
					break
				}
			}
		}
	}
	if len(rw.opts.AppendColumns) == 0 {
		return
	}
	// Right after the last element's last token, before any comment that
	// follows it on its line, so a line comment cannot swallow the text.
	at := a.toks[last].End
	text := ", " + strings.Join(rw.opts.AppendColumns, ", ")
	if !rw.opts.KeepLines {
		text = ",\n  " + strings.Join(rw.opts.AppendColumns, ",\n  ")
	}
	rw.edits = append(rw.edits, edit{start: at, end: at, text: text})
}

// withInPlace rewrites the WITH (…) clause whose WITH keyword is toks[at]
// without moving a line (KeepLines): a removed option goes with the comma
// before it (after it, for the first kept one), keeping its line breaks; a
// value set replaces the value's tokens; options set that the clause lacks
// are appended after its last kept option, on that option's line. Comments
// between kept options stay.
func (rw *rewriter) withInPlace(at int) {
	a := rw.a
	open := at + 1
	closing := int(a.match[open])
	elems := a.withOptions(open, closing)
	done := make([]bool, len(rw.opts.SetOptions))
	lastKept, firstKept := -1, -1
	dropped := make([]bool, len(elems))
	for k, e := range elems {
		if e.key != "" && rw.dropKey(e.key) {
			rw.removed = append(rw.removed, fmt.Sprintf("option '%s'", e.key))
			dropped[k] = true
			continue
		}
		if firstKept < 0 {
			firstKept = k
		}
		lastKept = k
		rw.edits = append(rw.edits, rw.setValues(e, done)...)
	}
	var added []string
	for j, o := range rw.opts.SetOptions {
		if !done[j] {
			added = append(added, optionSQL(o.Key, o.Value))
		}
	}
	if lastKept < 0 && len(added) == 0 {
		// Nothing left: the clause goes.
		rw.edits = append(rw.edits, rw.remove(a.toks[at-1].End, a.toks[closing].End))
		return
	}
	if len(elems) == 0 {
		// An empty clause, WITH (): the options set go inside it.
		rw.edits = append(rw.edits, edit{start: a.toks[open].End, end: a.toks[open].End, text: strings.Join(added, ", ")})
		return
	}
	if firstKept < 0 {
		// Every option goes; those set take the first one's place.
		rw.edits = append(rw.edits, rw.remove(a.toks[elems[0].lo].Start, a.toks[elems[len(elems)-1].hi-1].End))
	}
	for k := 0; firstKept >= 0 && k < len(elems); k++ {
		if !dropped[k] {
			continue
		}
		run := k // a run of removed options: run..k
		for k+1 < len(elems) && dropped[k+1] {
			k++
		}
		if k+1 < len(elems) {
			// Up to the next option, from the start of the run's line when
			// only blanks precede it; the next option keeps its indentation.
			start := a.toks[elems[run].lo].Start
			if ls := strings.LastIndexByte(a.text[:start], '\n'); ls >= a.toks[open].End && isSpace([]byte(a.text[ls+1:start])) {
				start = ls + 1
			}
			end := a.toks[elems[k+1].lo].Start
			ed := rw.remove(start, end)
			if span := a.text[start:end]; strings.Contains(span, "\n") {
				if indent := span[strings.LastIndex(span, "\n")+1:]; isSpace([]byte(indent)) {
					ed.text += indent
				}
			}
			rw.edits = append(rw.edits, ed)
			continue
		}
		// The run ends the clause: the comma after the option before it
		// goes (a comment after that comma stays), then the run, from the
		// start of its line when only blanks precede it.
		comma := a.toks[elems[run-1].hi]
		rw.edits = append(rw.edits, edit{start: comma.Start, end: comma.End})
		start := a.toks[elems[run].lo].Start
		if ls := strings.LastIndexByte(a.text[:start], '\n'); ls >= comma.End && isSpace([]byte(a.text[ls+1:start])) {
			start = ls + 1
		}
		rw.edits = append(rw.edits, rw.remove(start, a.toks[elems[k].hi-1].End))
	}
	if len(added) == 0 {
		return
	}
	if lastKept >= 0 {
		p := a.toks[elems[lastKept].hi-1].End
		rw.edits = append(rw.edits, edit{start: p, end: p, text: ", " + strings.Join(added, ", ")})
		return
	}
	// Where the first option was, after its indentation.
	p := a.toks[open].End
	if len(elems) > 0 {
		p = a.toks[elems[0].lo].Start
	}
	rw.edits = append(rw.edits, edit{start: p, end: p, text: strings.Join(added, ", ")})
}
