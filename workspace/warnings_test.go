package workspace_test

import (
	"context"
	"testing"

	"github.com/shiftleft-dev/shiftleft/internal/testfs"
	"github.com/shiftleft-dev/shiftleft/selector"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// TestWarningsInPlay: the scan's warnings are kept, not logged, and split
// by the tables the use cases worked on.
func TestWarningsInPlay(t *testing.T) {
	dir := t.TempDir()
	testfs.WriteFiles(t, dir, map[string]string{
		"sources/p1/one/sql-scripts/dml.one.sql": "INSERT INTO src_one SELECT 1;",
		"sources/p2/two/sql-scripts/dml.two.sql": "INSERT INTO src_two SELECT 1;",
		"sources/p2/ok/sql-scripts/dml.ok.sql":   "INSERT INTO ok SELECT 1;",
	})
	cases := []struct {
		name   string
		sel    []string // nil: no use case ran
		shown  []string
		others int
	}{
		{"nothing selected yet: every table in play", nil, []string{"src_one", "src_two"}, 0},
		{"one product", []string{"product:p1"}, []string{"src_one"}, 1},
		{"a table without warning", []string{"ok"}, nil, 2},
		{"everything", []string{"*"}, []string{"src_one", "src_two"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ws, err := workspace.Open(context.Background(), workspace.Options{PipelinesDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if len(ws.Warnings) != 2 {
				t.Fatalf("scan warnings: %v, want 2", ws.Warnings)
			}
			if c.sel != nil {
				if _, err := ws.Select(context.Background(), workspace.Selection{Selection: selector.Selection{Select: c.sel, Root: dir}}); err != nil {
					t.Fatal(err)
				}
			}
			shown, others := ws.WarningsInPlay()
			var got []string
			for _, w := range shown {
				got = append(got, w.Table)
			}
			if len(got) != len(c.shown) || others != c.others {
				t.Fatalf("shown %v and %d others, want %v and %d", got, others, c.shown, c.others)
			}
			for i := range got {
				if got[i] != c.shown[i] {
					t.Errorf("shown %v, want %v", got, c.shown)
				}
			}
		})
	}
}
