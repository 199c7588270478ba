package pipeline

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// RetiredTable is a table folder deleted from the pipelines, as a git
// revision had it: enough to undeploy what still runs of it. Paths are
// slash-separated, relative to the pipelines root; "" for a missing file.
type RetiredTable struct {
	Folder           string
	DDLPath, DDLText string
	DMLPath, DMLText string
}

// WithRetired returns a copy of the project holding the retired tables too
// (Table.Retired, with their SQL text), and the project's tables that still
// read one of them with it as a parent, so that undeploying it sees its
// readers. The project itself is not changed.
func WithRetired(p *Project, retired []RetiredTable) (*Project, error) {
	out := &Project{Root: p.Root, ByName: make(map[string]*Table, len(p.ByName)+len(retired)), Warnings: p.Warnings, SQLKept: p.SQLKept}
	for n, t := range p.ByName {
		out.ByName[n] = t
	}
	names := map[string]bool{}
	var errs []error
	var added []*Table
	for _, r := range retired {
		t, err := retiredTable(r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if prev := out.ByName[t.Name]; prev != nil {
			errs = append(errs, fmt.Errorf("%s: table %s was deleted there but is defined again in %s", r.Folder, t.Name, prev.Folder))
			continue
		}
		out.ByName[t.Name] = t
		names[t.Name] = true
		added = append(added, t)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, t := range added {
		resolveReads(out.ByName, t, nil)
	}
	// Tables that read a retired table had it as an external reference:
	// resolve copies of them again.
	for n, t := range p.ByName {
		if readsAny(t, names) {
			c := *t
			resolveReads(out.ByName, &c, nil)
			out.ByName[n] = &c
		}
	}
	out.Tables = make([]*Table, 0, len(out.ByName))
	for _, t := range out.ByName {
		out.Tables = append(out.Tables, t)
	}
	slices.SortFunc(out.Tables, func(a, b *Table) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// retiredTable analyses a retired table's SQL like a scan does.
func retiredTable(r RetiredTable) (*Table, error) {
	segs := strings.Split(r.Folder, "/")
	typ, ok := TypeForLayer(segs[0])
	if !ok || len(segs) < 2 {
		return nil, fmt.Errorf("%s: not a table folder of a known layer", r.Folder)
	}
	t := &Table{Folder: r.Folder, Type: typ, Retired: true, DDLPath: r.DDLPath, DMLPath: r.DMLPath, DDLText: r.DDLText, DMLText: r.DMLText}
	if len(segs) >= 3 {
		t.Product = segs[len(segs)-2]
	}
	var az flinksql.Analyzer
	var name flinksql.Name
	for _, f := range []struct {
		path, text string
		a          **flinksql.Analysis
	}{{r.DMLPath, r.DMLText, &t.DML}, {r.DDLPath, r.DDLText, &t.DDL}} {
		if f.path == "" {
			continue
		}
		a, err := az.AnalyzeString(f.text)
		var se *flinksql.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s:%d:%d (the deleted version): %s", f.path, se.Pos.Line, se.Pos.Col, se.Msg)
		}
		if err != nil {
			return nil, fmt.Errorf("%s (the deleted version): %w", f.path, err)
		}
		*f.a = a
		if name.Table() == "" && len(a.Writes) > 0 {
			name = a.Writes[0]
		}
	}
	if name.Table() == "" {
		return nil, fmt.Errorf("%s: no INSERT INTO or CREATE TABLE found in its deleted SQL: cannot tell which table it defined", r.Folder)
	}
	t.Name, t.Qualified = name.Table(), name.String()
	return t, nil
}

// readsAny reports whether a table reads one of the names.
func readsAny(t *Table, names map[string]bool) bool {
	for _, a := range []*flinksql.Analysis{t.DDL, t.DML} {
		if a == nil {
			continue
		}
		for _, r := range a.Reads {
			if names[r.Table()] {
				return true
			}
		}
	}
	return false
}
