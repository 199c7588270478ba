package workspace

import (
	"context"
	"path"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/selector"
)

// Selection is a table selection with the git change set its state: and
// git: methods read.
type Selection struct {
	selector.Selection
	// Since is the git base of the change set ("" without one).
	Since string
	// IncludeUncommitted adds uncommitted edits under the pipelines folder.
	IncludeUncommitted bool
	// RepoDir is the git repository ("" finds it from the pipelines
	// folder upward).
	RepoDir string
	// Changes, when set, is the change set already computed (Since names
	// its base): Select uses it instead of reading git.
	Changes *changes.ChangeSet
}

// HasChangeSet says whether the selection asks for a git change set.
func (s Selection) HasChangeSet() bool {
	return s.Since != "" || s.IncludeUncommitted || s.Changes != nil
}

// Selected is an evaluated selection.
type Selected struct {
	selector.Result
	// Changes is the change set, nil without Since or IncludeUncommitted.
	Changes *changes.ChangeSet
}

// Select evaluates a selection on the graph, computing the change set
// first when it asks for one. A syntax error is a *selector.SyntaxError
// and a state: method without a change set selector.ErrNoChangeSet; names
// that match nothing are errors with suggestions.
func (ws *Workspace) Select(ctx context.Context, s Selection) (Selected, error) {
	cs, err := ws.changeSet(ctx, s)
	if err != nil {
		return Selected{}, err
	}
	res, err := selector.Select(ws.Graph, s.Selection, cs)
	if err == nil {
		ws.WorkOn(res.Selected...)
	}
	return Selected{Result: res, Changes: cs}, err
}

// changeSet computes the git change set when the selection asks for one,
// and logs its warnings; nil otherwise.
func (ws *Workspace) changeSet(ctx context.Context, s Selection) (*changes.ChangeSet, error) {
	if s.Changes != nil {
		return s.Changes, nil
	}
	if !s.HasChangeSet() {
		if s.NeedsChanges() {
			return nil, selector.ErrNoChangeSet
		}
		return nil, nil
	}
	opts := changes.Options{
		PipelinesDir:       ws.Project.Root,
		Since:              s.Since,
		IncludeUncommitted: s.IncludeUncommitted,
		TableOf:            tableOfPath(ws.Project),
	}
	if s.RepoDir != "" {
		opts.RepoDir = ws.opts.abs(s.RepoDir)
	}
	cs, err := changes.Compute(ctx, opts)
	if err != nil {
		return nil, err
	}
	for _, w := range cs.Warnings {
		ws.log.Warn(w)
	}
	return cs, nil
}

// tableOfPath maps a path relative to the pipelines root to the table whose
// folder holds it: a walk up the path's folders, O(depth) per call.
func tableOfPath(p *pipeline.Project) func(string) string {
	byFolder := make(map[string]string, len(p.Tables))
	for _, t := range p.Tables {
		if t.Folder != "" {
			byFolder[t.Folder] = t.Name
		}
	}
	return func(rel string) string {
		for d := path.Dir(rel); d != "." && d != "/" && d != ""; d = path.Dir(d) {
			if n, ok := byFolder[d]; ok {
				return n
			}
		}
		return ""
	}
}
