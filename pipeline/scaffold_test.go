package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/internal/testfs"
)

// TestCreateTableFolder: the templates scan as the table asked for, with
// its parents, type and product; a DDL-only table has no DML.
func TestCreateTableFolder(t *testing.T) {
	root := testfs.WritePipelines(t, map[string]string{
		"sources/p/src_a/sql-scripts/ddl.src_a.sql": "CREATE TABLE src_a (id STRING);",
		"sources/p/src_b/sql-scripts/ddl.src_b.sql": "CREATE TABLE src_b (id STRING);",
	})
	for _, nt := range []NewTable{
		{Name: "p_fct_x", Layer: "facts", Product: "p", Reads: []string{"src_a", "src_b"}},
		{Name: "seed_y", Layer: "seeds"},
	} {
		rel, files, err := CreateTableFolder(root, nt)
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.ToSlash(filepath.Join(nt.Layer, nt.Product, nt.Name)); rel != want {
			t.Errorf("folder %s, want %s", rel, want)
		}
		if fi, err := os.Stat(filepath.Join(root, rel)); err != nil || fi.Mode().Perm() != 0o755 {
			t.Errorf("folder mode: %v %v", fi.Mode(), err)
		}
		if want := 2 + min(1, len(nt.Reads)); len(files) != want {
			t.Errorf("%s: files %v", nt.Name, files)
		}
	}
	p, err := Scan(context.Background(), root, ScanOptions{Strict: true})
	if err != nil {
		t.Fatalf("the templates do not scan: %v", err)
	}
	x := p.Table("p_fct_x")
	if x == nil || x.Type != TypeFact || x.Product != "p" || !reflect.DeepEqual(x.Parents, []string{"src_a", "src_b"}) || !x.Stateful {
		t.Errorf("p_fct_x = %+v", x)
	}
	if y := p.Table("seed_y"); y == nil || y.Type != TypeSeed || y.DMLPath != "" || y.DDLPath == "" {
		t.Errorf("seed_y = %+v", y)
	}
	if len(p.Warnings) != 0 {
		t.Errorf("warnings: %v", p.Warnings)
	}
	// Nothing of the temporary folders is left.
	leftovers, _ := filepath.Glob(filepath.Join(root, "*", "*", ".*"))
	if len(leftovers) > 0 {
		t.Errorf("left behind: %v", leftovers)
	}
}

func TestCreateTableFolderRefuses(t *testing.T) {
	root := testfs.WritePipelines(t, map[string]string{"facts/p/t/notes.md": "mine"})
	for _, tc := range []struct {
		nt   NewTable
		want string
	}{
		{NewTable{Name: "t", Layer: "facts", Product: "p"}, "facts/p/t already exists"},
		{NewTable{Name: "T-1", Layer: "facts"}, `table name "T-1"`},
		{NewTable{Name: "t2", Layer: "marts"}, `layer "marts"`},
		{NewTable{Name: "t2", Layer: "facts", Product: "P Q"}, `product "P Q"`},
		{NewTable{Name: "t2", Layer: "facts", Reads: []string{"t2"}}, `read table "t2"`},
		{NewTable{Name: "t2", Layer: "facts", Reads: []string{"a b"}}, `read table "a b"`},
	} {
		if _, _, err := CreateTableFolder(root, tc.nt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want %q", tc.nt, err, tc.want)
		}
	}
	if got, _ := os.ReadFile(filepath.Join(root, "facts/p/t/notes.md")); string(got) != "mine" {
		t.Error("an existing folder was changed")
	}
}
