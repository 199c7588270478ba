// Package selector parses and evaluates table selections written in dbt's
// node-selection grammar (`+name`, `name+2`, `@name`, `product:saleops`,
// `path:facts/*`, `state:modified`, space = union, comma = intersection)
// plus shift_left's shorthand flags (--table-name, --product-name, --dir,
// table list files). Every command that takes tables evaluates its flags
// here, so they all select the same way.
//
// Evaluation order is dbt's: each atom's method is matched first, then its
// graph operators are applied, then intersections (comma) and unions (space,
// and repeated --select), and the exclusions are removed last.
package selector

import (
	"fmt"
	"strconv"
	"strings"
)

// Expr is one parsed selection expression: a union (space-separated) of
// intersections (comma-separated) of atoms.
type Expr struct {
	Source string
	Union  []Intersection
}

// Intersection is a comma-joined list of atoms; a table is in it when every
// atom selects it.
type Intersection []Atom

// Atom is one selector such as `2+product:saleops+`.
type Atom struct {
	Raw string // the atom as written
	Pos int    // byte offset of Raw in Expr.Source

	// At is dbt's `@`: the matched tables, their descendants, and every
	// ancestor of those.
	At bool
	// Up/Down select ancestors/descendants; the depths count edges and 0
	// means no limit.
	Up, Down           bool
	UpDepth, DownDepth int

	// Method is one of the Method* constants; MethodName when none was
	// written (or MethodPath when the value holds a '/', as in dbt).
	Method string
	// Value is what follows `method:`; Sub is a `.sub` suffix of the value
	// for state methods (`state:modified.ddl` → Value "modified", Sub "ddl").
	Value string
	Sub   string
}

// Methods a selector atom may name.
const (
	MethodName     = "name"
	MethodProduct  = "product"
	MethodType     = "type"
	MethodPath     = "path"
	MethodExternal = "external"
	MethodState    = "state"
	MethodGit      = "git" // synonym of state: the change set comes from git
)

var methods = []string{MethodName, MethodProduct, MethodType, MethodPath, MethodExternal, MethodState, MethodGit}

// stateValues are the accepted `state:` values and their sub-selectors.
var stateValues = map[string][]string{
	"modified": {"", "ddl", "dml", "breaking", "renamed"},
	"new":      {""},
	"renamed":  {""},
	"deleted":  {""},
}

// SyntaxError is a selection expression that cannot be parsed. Pos is the
// byte offset of Token in Expr.
type SyntaxError struct {
	Expr  string
	Pos   int
	Token string
	Msg   string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("selector %q: %s at offset %d (%q)", e.Expr, e.Msg, e.Pos, e.Token)
}

// Parse parses one selection expression. An expression that is empty or
// only blanks is an error: callers treat "no --select" separately.
// Cost: O(len(expr)).
func Parse(expr string) (Expr, error) {
	out := Expr{Source: expr}
	i := 0
	n := len(expr)
	for i < n {
		for i < n && isSpace(expr[i]) {
			i++
		}
		if i >= n {
			break
		}
		// One space-separated term; commas split it into atoms.
		start := i
		for i < n && !isSpace(expr[i]) {
			i++
		}
		term := expr[start:i]
		var inter Intersection
		pos := start
		for _, raw := range strings.Split(term, ",") {
			if raw == "" {
				return Expr{}, &SyntaxError{Expr: expr, Pos: pos, Token: term, Msg: "empty selector around ','"}
			}
			a, err := parseAtom(expr, raw, pos)
			if err != nil {
				return Expr{}, err
			}
			inter = append(inter, a)
			pos += len(raw) + 1
		}
		out.Union = append(out.Union, inter)
	}
	if len(out.Union) == 0 {
		return Expr{}, &SyntaxError{Expr: expr, Pos: 0, Token: expr, Msg: "empty selector"}
	}
	return out, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// parseAtom reads `[@][N+][method[.sub]:]value[+M]`, the same shape as dbt's
// RAW_SELECTOR_PATTERN, with errors that point at the offending character.
func parseAtom(expr, raw string, pos int) (Atom, error) {
	a := Atom{Raw: raw, Pos: pos}
	fail := func(off int, tok, msg string) (Atom, error) {
		return Atom{}, &SyntaxError{Expr: expr, Pos: pos + off, Token: tok, Msg: msg}
	}
	s := raw
	off := 0
	if strings.HasPrefix(s, "@") {
		a.At = true
		s, off = s[1:], off+1
	}
	// Leading depth and '+'.
	d := 0
	for d < len(s) && s[d] >= '0' && s[d] <= '9' {
		d++
	}
	if d < len(s) && s[d] == '+' {
		if d > 0 {
			depth, err := strconv.Atoi(s[:d])
			if err != nil || depth < 1 {
				return fail(off, s[:d+1], "depth must be a number ≥ 1")
			}
			a.UpDepth = depth
		}
		a.Up = true
		s, off = s[d+1:], off+d+1
	}
	if strings.HasPrefix(s, "@") {
		return fail(off, "@", "'@' must come first")
	}
	if strings.HasPrefix(s, "+") {
		return fail(off, "+", "unexpected '+'")
	}
	// Trailing '+' and depth.
	if k := strings.LastIndexByte(s, '+'); k >= 0 {
		tail := s[k+1:]
		for _, c := range tail {
			if c < '0' || c > '9' {
				return fail(off+k, s[k:], "'+' must be followed by a depth or end the selector")
			}
		}
		if tail != "" {
			depth, err := strconv.Atoi(tail)
			if err != nil || depth < 1 {
				return fail(off+k, s[k:], "depth must be a number ≥ 1")
			}
			a.DownDepth = depth
		}
		a.Down = true
		s = s[:k]
		if strings.HasSuffix(s, "+") {
			return fail(off+k-1, "+", "unexpected '+'")
		}
	}
	if a.At && a.Down {
		return fail(0, raw, "'@' cannot be combined with a trailing '+' ('@' already selects all descendants)")
	}
	// Method.
	value := s
	valueOff := off
	if c := strings.IndexByte(s, ':'); c >= 0 {
		m := s[:c]
		value, valueOff = s[c+1:], off+c+1
		if m == "" {
			return fail(off, ":", "missing method before ':'")
		}
		if !validMethod(m) {
			return fail(off, m, "unknown method "+strconv.Quote(m)+" (use one of: "+strings.Join(methods, ", ")+")")
		}
		a.Method = m
	}
	if value == "" {
		return fail(valueOff, raw, "missing table name or value")
	}
	if strings.ContainsAny(value, "+@") {
		k := strings.IndexAny(value, "+@")
		return fail(valueOff+k, value[k:k+1], "unexpected "+strconv.Quote(value[k:k+1])+" inside a name")
	}
	if a.Method == "" {
		a.Method = MethodName
		if strings.Contains(value, "/") {
			a.Method = MethodPath
		}
	}
	a.Value = value
	switch a.Method {
	case MethodState, MethodGit:
		v, sub, _ := strings.Cut(value, ".")
		subs, ok := stateValues[v]
		if !ok {
			return fail(valueOff, value, "unknown state "+strconv.Quote(v)+" (use modified, modified.ddl, modified.dml, modified.breaking, modified.renamed, new, renamed or deleted)")
		}
		if !contains(subs, sub) {
			return fail(valueOff+len(v), "."+sub, "unknown sub-selector "+strconv.Quote(sub)+" of "+strconv.Quote(v))
		}
		if v == "deleted" && (a.Up || a.Down || a.At) {
			return fail(0, raw, "deleted tables are not in the graph: graph operators cannot apply to state:deleted")
		}
		a.Value, a.Sub = v, sub
	case MethodExternal:
		if value != "true" && value != "false" {
			return fail(valueOff, value, "external: takes true or false")
		}
	case MethodType:
		if !hasGlob(value) {
			if _, ok := normalizeType(value); !ok {
				return fail(valueOff, value, "unknown table type "+strconv.Quote(value)+" (use one of: "+strings.Join(typeNames, ", ")+")")
			}
		}
	}
	if hasGlob(value) {
		if err := checkGlob(value); err != nil {
			return fail(valueOff, value, "bad pattern: "+err.Error())
		}
	}
	return a, nil
}

func validMethod(m string) bool { return contains(methods, m) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hasGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

// String gives back the atom in canonical form.
func (a Atom) String() string {
	var b strings.Builder
	if a.At {
		b.WriteByte('@')
	}
	if a.Up {
		if a.UpDepth > 0 {
			b.WriteString(strconv.Itoa(a.UpDepth))
		}
		b.WriteByte('+')
	}
	if a.Method != MethodName || strings.ContainsAny(a.Value, ":/") {
		b.WriteString(a.Method + ":")
	}
	b.WriteString(a.Value)
	if a.Sub != "" {
		b.WriteString("." + a.Sub)
	}
	if a.Down {
		b.WriteByte('+')
		if a.DownDepth > 0 {
			b.WriteString(strconv.Itoa(a.DownDepth))
		}
	}
	return b.String()
}

// String gives back the expression in canonical form.
func (e Expr) String() string {
	terms := make([]string, len(e.Union))
	for i, in := range e.Union {
		atoms := make([]string, len(in))
		for j, a := range in {
			atoms[j] = a.String()
		}
		terms[i] = strings.Join(atoms, ",")
	}
	return strings.Join(terms, " ")
}
