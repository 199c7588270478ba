package selector

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// Selection is what a command line asked for. Select and Exclude are
// expressions of the grammar (each may hold several space-separated terms;
// the terms of all Select entries are unioned). The other fields are
// shift_left's shorthand flags; they add to Select (or Exclude).
type Selection struct {
	Select  []string
	Exclude []string

	TableNames   []string // --table-name: exact table names
	ProductNames []string // --product-name: exact product names
	// Dirs are folders (--dir): all tables under each. A relative folder is
	// read against WorkDir first, then against Root.
	Dirs []string
	// TableListFile (--table-list-file-name) holds one table name per line;
	// '#' starts a comment, blank lines are ignored.
	TableListFile string
	// ExcludeTableFile (--exclude-table-file-name) is the same format; its
	// tables are excluded.
	ExcludeTableFile string

	// Root is the absolute pipelines folder and WorkDir the working
	// directory; both only matter for Dirs.
	Root    string
	WorkDir string
}

// IsEmpty reports whether nothing was asked for: Select then selects every
// table.
func (s Selection) IsEmpty() bool {
	return len(s.Select) == 0 && len(s.TableNames) == 0 && len(s.ProductNames) == 0 &&
		len(s.Dirs) == 0 && s.TableListFile == ""
}

// NeedsChanges reports whether an expression uses the state:/git: methods,
// so the caller must compute a change set before calling Select. Syntax
// errors are left for Select to report.
func (s Selection) NeedsChanges() bool {
	for _, src := range append(append([]string(nil), s.Select...), s.Exclude...) {
		e, err := Parse(src)
		if err != nil {
			continue
		}
		for _, in := range e.Union {
			for _, a := range in {
				if a.Method == MethodState || a.Method == MethodGit {
					return true
				}
			}
		}
	}
	return false
}

// Result is the outcome of a selection.
type Result struct {
	// Selected are the tables to act on, sorted.
	Selected []string
	// Excluded are the tables the selection matched but an exclusion
	// removed, sorted; plans show them as excluded.
	Excluded []string
	// Deleted are tables selected by state:deleted: they are gone from the
	// project, so they are reported apart from the graph's tables. Sorted.
	Deleted []string
	// ExcludeMatched are all the tables the exclusions match, selected or
	// not, sorted: a plan never runs them, even when a rule would add one.
	ExcludeMatched []string
}

// ErrNoChangeSet is returned when an expression uses state: or git: and no
// change set was given.
var ErrNoChangeSet = errors.New("state: and git: selectors need a change set: pass --since REF (and --include-uncommitted for edits not yet committed)")

// Miss is one selector (or listed name) that matched no table.
type Miss struct {
	// Where names the origin: `--select "fct_x+"`, `tables.txt:3`,
	// `--table-name`.
	Where string
	// What is the kind and value that matched nothing: `table fct_x`,
	// `product salops`, `path facts/x*`.
	Kind, Value string
	// Suggestions are close existing values (at most 5), best first.
	Suggestions []string
}

// NoMatchError is returned when selectors match no table (all misses are
// reported together), or when a whole selection selects nothing.
type NoMatchError struct {
	Misses []Miss
	// Empty is set when every selector matched something but the
	// combination (intersection, exclusion) is empty.
	Empty string
}

func (e *NoMatchError) Error() string {
	if len(e.Misses) == 0 {
		return fmt.Sprintf("the selection %s selects no table; check the intersections (',') and exclusions", e.Empty)
	}
	parts := make([]string, len(e.Misses))
	for i, m := range e.Misses {
		var b strings.Builder
		if m.Kind == "table" {
			fmt.Fprintf(&b, "no table named %s", m.Value)
		} else {
			fmt.Fprintf(&b, "no table has %s %s", m.Kind, m.Value)
		}
		if m.Where != "" {
			fmt.Fprintf(&b, " (%s)", m.Where)
		}
		if len(m.Suggestions) > 0 {
			b.WriteString("; did you mean " + joinOr(m.Suggestions) + "?")
		}
		parts[i] = b.String()
	}
	msg := strings.Join(parts, "; ")
	if len(e.Misses) > 1 {
		msg = fmt.Sprintf("%d selectors match nothing: %s", len(e.Misses), msg)
	}
	return msg
}

func joinOr(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// Select evaluates sel on the graph. cs may be nil unless an expression
// uses state: or git: (then ErrNoChangeSet). With an empty selection every
// table is selected. Errors: *SyntaxError, *NoMatchError (every selector
// that matched no table, with suggestions; or a selection whose
// combination is empty), ErrNoChangeSet, and file errors of the list files.
//
// Cost: each atom is one pass over the tables (O(V)) plus, with graph
// operators, one multi-source BFS (O(V+E)); sets are maps.
func Select(g *dag.Graph, sel Selection, cs *changes.ChangeSet) (Result, error) {
	ev := &evaluator{g: g, cs: cs, names: g.Names()}
	var res Result

	selected, usesState, err := ev.side("--select", sel.Select, sel.TableNames, sel.ProductNames, sel.Dirs, sel.TableListFile, sel)
	if err != nil {
		return Result{}, err
	}
	all := sel.IsEmpty()
	if all {
		selected = make(set, len(ev.names))
		for _, n := range ev.names {
			selected[n] = true
		}
	}
	excluded, _, err := ev.side("--exclude", sel.Exclude, nil, nil, nil, sel.ExcludeTableFile, sel)
	if err != nil {
		return Result{}, err
	}
	if len(ev.misses) > 0 {
		return Result{}, &NoMatchError{Misses: ev.misses}
	}
	for n := range selected {
		if excluded[n] {
			res.Excluded = append(res.Excluded, n)
		} else {
			res.Selected = append(res.Selected, n)
		}
	}
	for n := range ev.deleted {
		if !excluded[n] {
			res.Deleted = append(res.Deleted, n)
		}
	}
	for n := range excluded {
		if ev.g.Has(n) {
			res.ExcludeMatched = append(res.ExcludeMatched, n)
		}
	}
	sort.Strings(res.Selected)
	sort.Strings(res.Excluded)
	sort.Strings(res.Deleted)
	sort.Strings(res.ExcludeMatched)
	// An empty combination is a mistake unless the change set decided it
	// (nothing modified is a normal CI outcome) or exclusions removed all.
	if len(selected) == 0 && len(res.Deleted) == 0 && !usesState && !all {
		return Result{}, &NoMatchError{Empty: describe(sel)}
	}
	return res, nil
}

func describe(sel Selection) string {
	var parts []string
	for _, s := range sel.Select {
		parts = append(parts, fmt.Sprintf("--select %q", s))
	}
	for _, s := range sel.TableNames {
		parts = append(parts, "--table-name "+s)
	}
	for _, s := range sel.ProductNames {
		parts = append(parts, "--product-name "+s)
	}
	for _, s := range sel.Dirs {
		parts = append(parts, "--dir "+s)
	}
	if sel.TableListFile != "" {
		parts = append(parts, "--table-list-file-name "+sel.TableListFile)
	}
	return strings.Join(parts, " ")
}

type set map[string]bool

type evaluator struct {
	g       *dag.Graph
	cs      *changes.ChangeSet
	names   []string
	misses  []Miss
	deleted set
}

// side evaluates one side (select or exclude): the union of every
// expression and shorthand. usesState reports a state:/git: atom.
func (ev *evaluator) side(flag string, exprs, tables, products, dirs []string, listFile string, sel Selection) (set, bool, error) {
	out := set{}
	usesState := false
	for _, src := range exprs {
		e, err := Parse(src)
		if err != nil {
			return nil, false, err
		}
		for _, in := range e.Union {
			s, st, err := ev.intersection(in, fmt.Sprintf("%s %q", flag, src))
			if err != nil {
				return nil, false, err
			}
			usesState = usesState || st
			for n := range s {
				out[n] = true
			}
		}
	}
	for _, t := range tables {
		ev.exactTable(out, t, "--table-name")
	}
	for _, p := range products {
		m := ev.match(func(t *pipeline.Table) bool { return t.Product == p })
		if len(m) == 0 {
			ev.miss("--product-name", "product", p, ev.products())
		}
		for n := range m {
			out[n] = true
		}
	}
	for _, d := range dirs {
		rel, err := relDir(d, sel.Root, sel.WorkDir)
		if err != nil {
			return nil, false, err
		}
		m := ev.match(func(t *pipeline.Table) bool { return underDir(t.Folder, rel) })
		if len(m) == 0 {
			ev.miss("--dir "+d, "folder", rel, ev.folders())
		}
		for n := range m {
			out[n] = true
		}
	}
	if listFile != "" {
		names, err := ReadTableList(listFile)
		if err != nil {
			return nil, false, err
		}
		for _, ln := range names {
			ev.exactTable(out, ln.Name, fmt.Sprintf("%s:%d", listFile, ln.Line))
		}
	}
	return out, usesState, nil
}

func (ev *evaluator) exactTable(out set, name, where string) {
	if ev.g.Has(name) {
		out[name] = true
		return
	}
	ev.miss(where, "table", name, ev.names)
}

func (ev *evaluator) miss(where, kind, value string, candidates []string) {
	ev.misses = append(ev.misses, Miss{Where: where, Kind: kind, Value: value, Suggestions: Suggest(value, candidates, 5)})
}

// intersection evaluates a comma-joined list of atoms.
func (ev *evaluator) intersection(in Intersection, where string) (set, bool, error) {
	var out set
	usesState := false
	for _, a := range in {
		s, err := ev.atom(a, where)
		if err != nil {
			return nil, false, err
		}
		if a.Method == MethodState || a.Method == MethodGit {
			usesState = true
		}
		if out == nil {
			out = s
			continue
		}
		for n := range out {
			if !s[n] {
				delete(out, n)
			}
		}
	}
	return out, usesState, nil
}

// atom matches the method, then applies the graph operators.
func (ev *evaluator) atom(a Atom, where string) (set, error) {
	var base set
	switch a.Method {
	case MethodName:
		if hasGlob(a.Value) {
			base = ev.match(func(t *pipeline.Table) bool { return globMatch(a.Value, t.Name) })
		} else if ev.g.Has(a.Value) {
			base = set{a.Value: true}
		}
		if len(base) == 0 {
			ev.miss(where, "table", a.Value, ev.names)
		}
	case MethodProduct:
		base = ev.match(func(t *pipeline.Table) bool { return globMatch(a.Value, t.Product) })
		if len(base) == 0 {
			ev.miss(where, "product", a.Value, ev.products())
		}
	case MethodType:
		want, exact := normalizeType(a.Value)
		base = ev.match(func(t *pipeline.Table) bool {
			if exact {
				return t.Type == want
			}
			return globMatch(a.Value, string(t.Type))
		})
		if len(base) == 0 {
			ev.miss(where, "type", a.Value, nil)
		}
	case MethodPath:
		p := strings.Trim(path.Clean(strings.TrimPrefix(a.Value, "./")), "/")
		base = ev.match(func(t *pipeline.Table) bool { return pathMatch(p, t) })
		if len(base) == 0 {
			ev.miss(where, "path", a.Value, ev.folders())
		}
	case MethodExternal:
		want := a.Value == "true"
		base = ev.match(func(t *pipeline.Table) bool { return t.IsExternal == want })
	case MethodState, MethodGit:
		if ev.cs == nil {
			return nil, ErrNoChangeSet
		}
		base = ev.state(a)
	}
	return ev.expand(a, base), nil
}

// state selects from the change set. modified = ddl, dml, added and
// renamed tables (what a deploy must redo); tables whose folders only had
// changes of kind other (tests, Makefile) are never selected.
func (ev *evaluator) state(a Atom) set {
	out := set{}
	for _, tc := range ev.cs.Tables {
		var ok bool
		switch a.Value + "." + a.Sub {
		case "modified.":
			ok = tc.Kind == changes.KindDDL || tc.Kind == changes.KindDML || tc.Kind == changes.KindAdded || tc.Kind == changes.KindRenamed
		case "modified.ddl":
			ok = tc.Kind == changes.KindDDL || tc.Kind == changes.KindAdded || tc.Content == changes.KindDDL
		case "modified.dml":
			ok = tc.Kind == changes.KindDML || tc.Kind == changes.KindAdded || tc.Content == changes.KindDML
		case "modified.breaking":
			ok = tc.Schema.Breaking()
		case "modified.renamed", "renamed.":
			ok = tc.Kind == changes.KindRenamed
		case "new.":
			ok = tc.Kind == changes.KindAdded
		case "deleted.":
			if tc.Kind == changes.KindDeleted && !ev.g.Has(tc.Table) {
				if ev.deleted == nil {
					ev.deleted = set{}
				}
				ev.deleted[tc.Table] = true
			}
		}
		// A change-set table missing from the graph (a folder the scan
		// skipped) cannot be selected; it is silently left out like dbt's
		// disabled nodes.
		if ok && ev.g.Has(tc.Table) {
			out[tc.Table] = true
		}
	}
	return out
}

// expand applies @, N+ and +M. O(V+E) per operator (multi-source BFS).
func (ev *evaluator) expand(a Atom, base set) set {
	if !a.At && !a.Up && !a.Down {
		return base
	}
	start := make([]string, 0, len(base))
	for n := range base {
		start = append(start, n)
	}
	sort.Strings(start)
	out := set{}
	for _, n := range start {
		out[n] = true
	}
	if a.Up {
		for n := range ev.g.Ancestors(start, a.UpDepth) {
			out[n] = true
		}
	}
	if a.Down || a.At {
		desc := ev.g.Descendants(start, a.DownDepth)
		for n := range desc {
			out[n] = true
		}
		if a.At {
			all := append([]string(nil), start...)
			for n := range desc {
				all = append(all, n)
			}
			for n := range ev.g.Ancestors(all, 0) {
				out[n] = true
			}
		}
	}
	return out
}

// match is one pass over the tables.
func (ev *evaluator) match(f func(*pipeline.Table) bool) set {
	out := set{}
	for _, n := range ev.names {
		if t := ev.g.Table(n); t != nil && f(t) {
			out[n] = true
		}
	}
	return out
}

func (ev *evaluator) products() []string {
	seen := set{}
	var out []string
	for _, n := range ev.names {
		if p := ev.g.Table(n).Product; p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// folders lists every table folder and its parents, for path suggestions.
func (ev *evaluator) folders() []string {
	seen := set{}
	var out []string
	for _, n := range ev.names {
		for f := ev.g.Table(n).Folder; f != "" && f != "." && !seen[f]; f = path.Dir(f) {
			seen[f] = true
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// typeNames are the values type: accepts (plus layer folder names).
var typeNames = []string{"source", "intermediate", "dimension", "fact", "view", "seed", "external_kafka", "external"}

func normalizeType(v string) (pipeline.TableType, bool) {
	if v == "external" {
		return pipeline.TypeExternal, true
	}
	for _, t := range []pipeline.TableType{pipeline.TypeSource, pipeline.TypeIntermediate, pipeline.TypeDimension,
		pipeline.TypeFact, pipeline.TypeView, pipeline.TypeSeed, pipeline.TypeExternal} {
		if string(t) == v {
			return t, true
		}
	}
	return pipeline.TypeForLayer(v)
}

func checkGlob(p string) error {
	_, err := path.Match(p, "")
	return err
}

func globMatch(pattern, s string) bool {
	ok, err := path.Match(pattern, s)
	return err == nil && ok
}

// pathMatch: the pattern matches the table folder, any parent folder of it,
// or one of its SQL files. Globs match one path element per '*' as in the
// shell. Paths are relative to the pipelines root.
func pathMatch(p string, t *pipeline.Table) bool {
	if p == "." {
		return true
	}
	for f := t.Folder; f != "" && f != "." && f != "/"; f = path.Dir(f) {
		if globMatch(p, f) {
			return true
		}
	}
	return (t.DDLPath != "" && globMatch(p, t.DDLPath)) || (t.DMLPath != "" && globMatch(p, t.DMLPath))
}

func underDir(folder, rel string) bool {
	return rel == "." || folder == rel || strings.HasPrefix(folder, rel+"/")
}

// relDir turns a --dir value into a slash path relative to root: an
// absolute path, or a path relative to workDir when that exists inside
// root, else a path relative to root.
func relDir(d, root, workDir string) (string, error) {
	try := func(abs string) (string, bool) {
		if root == "" {
			return "", false
		}
		r, err := filepath.Rel(root, abs)
		if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return "", false
		}
		return filepath.ToSlash(r), true
	}
	if filepath.IsAbs(d) {
		if r, ok := try(filepath.Clean(d)); ok {
			return r, nil
		}
		return "", fmt.Errorf("--dir %s is outside the pipelines folder %s", d, root)
	}
	if workDir != "" {
		abs := filepath.Join(workDir, d)
		if _, err := os.Stat(abs); err == nil {
			if r, ok := try(abs); ok {
				return r, nil
			}
		}
	}
	clean := path.Clean(filepath.ToSlash(d))
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("--dir %s is outside the pipelines folder %s", d, root)
	}
	return clean, nil
}

// ListedName is one name of a table list file with its 1-based line.
type ListedName struct {
	Name string
	Line int
}

// ReadTableList reads a table list file: one name per line, '#' starts a
// comment, blank lines and surrounding blanks are ignored.
func ReadTableList(file string) ([]ListedName, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read table list: %w", err)
	}
	return ParseTableList(data), nil
}

// ParseTableList is ReadTableList on file content.
func ParseTableList(data []byte) []ListedName {
	var out []ListedName
	for i, raw := range strings.Split(string(data), "\n") {
		s := raw
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = s[:i]
		}
		s = strings.TrimSpace(strings.TrimPrefix(s, "\ufeff"))
		if s == "" {
			continue
		}
		out = append(out, ListedName{Name: s, Line: i + 1})
	}
	return out
}
