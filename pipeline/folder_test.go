package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/internal/testfs"
)

// TestScanWrongFolder: a folder that is not a layer gives one error, not
// one per table; when it is a pipelines folder itself (the project root
// passed for its pipelines folder) the error names the folder meant.
func TestScanWrongFolder(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // the problems, in order
	}{
		{"project root", map[string]string{
			"pipelines/sources/a/sql-scripts/ddl.a.sql": "CREATE TABLE a (x INT);",
			"pipelines/sources/b/sql-scripts/ddl.b.sql": "CREATE TABLE b (x INT);",
			"pipelines/facts/p/c/sql-scripts/dml.c.sql": "INSERT INTO c SELECT x FROM a;",
			"pipelines/facts/p/c/sql-scripts/ddl.c.sql": "CREATE TABLE c (x INT);",
			"pipelines/facts/p/c/tests/insert_a_1.sql":  "INSERT INTO a VALUES (1);",
			"docs/notes.txt": "not a table",
			"pipelines/dimensions/p/d/sql-scripts/ddl.d.sql": "CREATE TABLE d (x INT);",
		}, []string{
			`pipelines/pipelines: "pipelines" is not a layer folder but a pipelines folder (it holds dimensions/, facts/, sources/ and 4 tables): did you mean --pipelines ` +
				"ROOT" + string(filepath.Separator) + "pipelines?",
		}},
		{"one unknown layer, many tables", map[string]string{
			"marts/a/sql-scripts/ddl.a.sql":   "CREATE TABLE a (x INT);",
			"marts/b/sql-scripts/ddl.b.sql":   "CREATE TABLE b (x INT);",
			"marts/c/sql-scripts/ddl.c.sql":   "CREATE TABLE c (x INT);",
			"lake/z/sql-scripts/ddl.z.sql":    "CREATE TABLE z (x INT);",
			"sources/s/sql-scripts/ddl.s.sql": "CREATE TABLE s (x INT);",
		}, []string{
			`pipelines/lake: unknown layer folder "lake" holds table lake/z: use one of sources, intermediates, stage, dimensions, facts, views, seeds`,
			`pipelines/marts: unknown layer folder "marts" holds 3 tables (marts/a, …): use one of sources, intermediates, stage, dimensions, facts, views, seeds`,
		}},
		{"table folder at the root", map[string]string{
			"t/sql-scripts/ddl.t.sql": "CREATE TABLE t (x INT);",
		}, []string{
			`pipelines/t: unknown layer folder "t" holds table t: use one of`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := testfs.WritePipelines(t, tc.files)
			_, err := Scan(context.Background(), root, ScanOptions{})
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("err = %v, want Errors", err)
			}
			if len(es) != len(tc.want) {
				t.Fatalf("%d problems, want %d:\n%v", len(es), len(tc.want), err)
			}
			for i, w := range tc.want {
				w = strings.ReplaceAll(w, "ROOT", root)
				if !strings.HasPrefix(es[i].Error(), w) {
					t.Errorf("problem %d:\n got %s\nwant %s", i, es[i], w)
				}
			}
		})
	}
}

// TestDefaultDir: ./pipelines when it exists, else the working folder
// when it is a pipelines folder, else ./pipelines (reported missing).
func TestDefaultDir(t *testing.T) {
	mk := func(t *testing.T, dirs ...string) string {
		t.Helper()
		root := t.TempDir()
		for _, d := range dirs {
			if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return root
	}
	tests := []struct {
		name string
		dirs []string
		want string // relative to the working folder
	}{
		{"project root", []string{"pipelines/sources", "docs"}, "pipelines"},
		{"inside pipelines", []string{"sources", "facts"}, "."},
		{"one layer is enough", []string{"views"}, "."},
		{"both: ./pipelines wins", []string{"pipelines/facts", "facts"}, "pipelines"},
		{"neither", []string{"docs", "src"}, "pipelines"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wd := mk(t, tc.dirs...)
			if got, want := DefaultDir(wd), filepath.Join(wd, tc.want); got != want {
				t.Errorf("DefaultDir = %s, want %s", got, want)
			}
		})
	}
	// A file named like a layer does not make a pipelines folder.
	wd := t.TempDir()
	if err := os.WriteFile(filepath.Join(wd, "sources"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if IsPipelinesDir(wd) {
		t.Error("a file named sources made a pipelines folder")
	}
}
