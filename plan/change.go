package plan

import (
	"fmt"
	"sort"
	"strings"
)

// ChangeKind is how a table changed in git, as the plan rules read it. The
// values are those of package changes' table kinds; the plan keeps its own
// type so it does not depend on git.
type ChangeKind string

const (
	// ChangeDDL: the table's DDL (or its DDL properties) changed.
	ChangeDDL ChangeKind = "ddl"
	// ChangeDML: the table's DML (or its DML properties) changed.
	ChangeDML ChangeKind = "dml"
	// ChangeAdded: a new table folder. The target's state decides (the
	// table is missing, so it is created).
	ChangeAdded ChangeKind = "added"
	// ChangeRenamed: the table folder moved; Change.Content says whether
	// its SQL also changed.
	ChangeRenamed ChangeKind = "renamed"
	// ChangeDeleted: the table folder was removed. Deleted tables are not
	// in the graph: the plan warns that they may still run.
	ChangeDeleted ChangeKind = "deleted"
)

// changeKinds are the kinds the rules know, sorted for messages.
var changeKinds = []ChangeKind{ChangeAdded, ChangeDDL, ChangeDeleted, ChangeDML, ChangeRenamed}

// known reports whether the rules know the kind.
func (k ChangeKind) known() bool {
	for _, c := range changeKinds {
		if k == c {
			return true
		}
	}
	return false
}

// ParseChangeKind returns the kind named s, or an *UnknownChangeKindError:
// callers converting another package's kinds find a new kind here rather
// than in a plan that ignores it.
func ParseChangeKind(s string) (ChangeKind, error) {
	k := ChangeKind(s)
	if !k.known() {
		return "", &UnknownChangeKindError{Kind: k}
	}
	return k, nil
}

// UnknownChangeKindError is a change whose kind the plan rules do not
// know. Build refuses it: a rule that skipped it would deploy as if the
// table had not changed.
type UnknownChangeKindError struct {
	// Table is the changed table ("" from ParseChangeKind).
	Table string
	Kind  ChangeKind
}

func (e *UnknownChangeKindError) Error() string {
	known := make([]string, len(changeKinds))
	for i, k := range changeKinds {
		known[i] = string(k)
	}
	msg := fmt.Sprintf("unknown change kind %q (known: %s)", e.Kind, strings.Join(known, ", "))
	if e.Table != "" {
		msg = "table " + e.Table + ": " + msg
	}
	return msg
}

// Change is what the plan needs of a table's change in git (package
// changes computes them; the CLI converts).
type Change struct {
	// Kind is how the table changed; Build refuses a kind it does not know.
	Kind ChangeKind
	// Content is ddl or dml for a renamed table whose SQL also changed.
	Content string
	// Schema is "compatible" or "breaking" for DDL changes, "" when unknown.
	Schema  string
	Reasons []string
}

func (c Change) ddl() bool { return c.Kind == ChangeDDL || c.Content == string(ChangeDDL) }
func (c Change) dml() bool { return c.Kind == ChangeDML || c.Content == string(ChangeDML) }

// checkChanges returns an *UnknownChangeKindError for the first change (in
// table order) whose kind the rules do not know. Cost: O(C log C) for C
// changes, only when one is unknown.
func checkChanges(changes map[string]Change) error {
	var bad []string
	for name, ch := range changes {
		if !ch.Kind.known() {
			bad = append(bad, name)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return &UnknownChangeKindError{Table: bad[0], Kind: changes[bad[0]].Kind}
}
