package plan

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// A change kind the rules do not know stops the plan with an error naming
// the table and the kind; every known kind plans.
func TestBuildChangeKinds(t *testing.T) {
	g := project(t, mixed)
	cases := []struct {
		name      string
		changes   map[string]Change
		wantTable string // "" when the plan builds
		wantKind  ChangeKind
	}{
		{"known kinds", map[string]Change{
			"int_o": {Kind: ChangeDDL}, "fct_o": {Kind: ChangeDML}, "fct_m": {Kind: ChangeAdded},
			"dim_c": {Kind: ChangeRenamed, Content: "dml"}, "old_t": {Kind: ChangeDeleted},
		}, "", ""},
		{"unknown kind", map[string]Change{"int_o": {Kind: "schema"}}, "int_o", "schema"},
		{"empty kind", map[string]Change{"fct_o": {}}, "fct_o", ""},
		{"first in table order", map[string]Change{"int_o": {Kind: "moved"}, "fct_o": {Kind: "other"}, "dim_c": {Kind: ChangeDDL}}, "fct_o", "other"},
		{"table not in the graph", map[string]Change{"gone_t": {Kind: "vanished"}}, "gone_t", "vanished"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Build(context.Background(), g, Inputs{Selected: []string{"int_o"}, Changes: c.changes, Naming: testNaming, SQL: sqlOf(g)})
			if c.wantTable == "" {
				if err != nil || p == nil {
					t.Fatalf("Build: %v, want a plan", err)
				}
				return
			}
			var ke *UnknownChangeKindError
			if !errors.As(err, &ke) || ke.Table != c.wantTable || ke.Kind != c.wantKind {
				t.Fatalf("err = %v, want an UnknownChangeKindError for table %s kind %q", err, c.wantTable, c.wantKind)
			}
			if !strings.Contains(err.Error(), "table "+c.wantTable+": unknown change kind") {
				t.Errorf("message %q does not name the table", err)
			}
		})
	}
}

func TestParseChangeKind(t *testing.T) {
	for _, s := range []string{"ddl", "dml", "added", "renamed", "deleted"} {
		k, err := ParseChangeKind(s)
		if err != nil || string(k) != s {
			t.Errorf("ParseChangeKind(%q) = %q, %v", s, k, err)
		}
	}
	for _, s := range []string{"", "other", "DDL"} {
		_, err := ParseChangeKind(s)
		var ke *UnknownChangeKindError
		if !errors.As(err, &ke) || string(ke.Kind) != s || !strings.Contains(err.Error(), "known: added, ddl, deleted, dml, renamed") {
			t.Errorf("ParseChangeKind(%q): err = %v, want an UnknownChangeKindError listing the known kinds", s, err)
		}
	}
}
