package workspace

import (
	"testing"

	"github.com/shiftleft-dev/shiftleft/changes"
)

func TestPlanChanges(t *testing.T) {
	if planChanges(nil) != nil {
		t.Error("no change set must give no changes")
	}
	cs := &changes.ChangeSet{Tables: []changes.TableChange{
		{Table: "a", Kind: changes.KindDDL, Schema: &changes.SchemaChange{Category: changes.Breaking, Reasons: []string{"column id removed"}}},
		{Table: "b", Kind: changes.KindRenamed, Content: changes.KindDML},
	}}
	got := planChanges(cs)
	if a := got["a"]; a.Kind != "ddl" || a.Schema != "breaking" || len(a.Reasons) != 1 {
		t.Errorf("a = %+v", a)
	}
	if b := got["b"]; b.Kind != "renamed" || b.Content != "dml" || b.Schema != "" {
		t.Errorf("b = %+v", b)
	}
}
