package workspace

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// noteDDLRewrites adds a warning to every acting step whose DDL the target
// rewrites (the flink target translates Confluent Cloud's dialect), so the
// plan says so even without --show-sql, and checks each acting step's DML
// (deployers.DMLRenderer). What the target cannot translate is a project
// error: one pipeline.FileError per problem, named file:line (rootName is
// the pipelines folder's name, the prefix of file paths in errors), all of
// them at once.
func noteDDLRewrites(pl *plan.Plan, g *dag.Graph, sqlOf pipeline.SQLSource, t *Target, rootName string) error {
	var problems pipeline.Errors
	for i := range pl.Steps {
		s := &pl.Steps[i]
		if !s.Action.Acts() || s.Action == plan.ActionDrop {
			continue
		}
		hasDDL, hasDML := false, false
		for _, st := range s.Statements {
			hasDDL = hasDDL || st.Kind == deployers.KindDDL
			hasDML = hasDML || st.Kind == deployers.KindDML
		}
		if !hasDDL && !hasDML {
			continue
		}
		tb := g.Table(s.Table)
		ddl, dml, err := sqlOf(tb)
		if err != nil {
			return err
		}
		if r, ok := t.Target.(deployers.DMLRenderer); ok && hasDML && dml != "" {
			if _, _, err := r.RenderDML(s.Table, dml); err != nil {
				problems = append(problems, fileErrors(rootName, tb.DMLPath, s.Table, err)...)
			}
		}
		if !hasDDL {
			continue
		}
		_, changes, err := t.RenderDDL(s.Table, ddl)
		if err != nil {
			problems = append(problems, fileErrors(rootName, tb.DDLPath, s.Table, err)...)
			continue
		}
		if len(changes) == 0 {
			continue
		}
		first := changes[0]
		if k := strings.Index(first, ": "); k >= 0 && strings.HasPrefix(first, "table ") {
			first = first[k+2:]
		}
		more := ""
		if len(changes) > 1 {
			more = fmt.Sprintf(" and %d more", len(changes)-1)
		}
		s.Warnings = append(s.Warnings, fmt.Sprintf("DDL adapted to the %s target: %s%s (see --show-sql)", t.Info().Target, first, more))
	}
	if len(problems) == 0 {
		return nil
	}
	sort.SliceStable(problems, func(i, j int) bool {
		a, b := problems[i].(*pipeline.FileError), problems[j].(*pipeline.FileError)
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Line < b.Line
	})
	return problems
}

// fileErrors turns a renderer's error into file errors: one per
// *deployers.SQLError (at its line), else one naming the file and table.
func fileErrors(rootName, rel, table string, err error) []error {
	file := rel
	if rootName != "" && rel != "" {
		file = path.Join(rootName, rel)
	}
	var out []error
	var walk func(error)
	walk = func(e error) {
		if m, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range m.Unwrap() {
				walk(x)
			}
			return
		}
		var se *deployers.SQLError
		if errors.As(e, &se) {
			out = append(out, &pipeline.FileError{Path: file, Line: se.Line, Col: se.Col, Msg: "table " + table + ": " + se.Msg, Err: pipeline.ErrProject})
			return
		}
		out = append(out, &pipeline.FileError{Path: file, Msg: e.Error(), Err: pipeline.ErrProject})
	}
	walk(err)
	return out
}
