package pipeline

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/internal/testfs"
)

func TestWithRetired(t *testing.T) {
	root := testfs.WritePipelines(t, map[string]string{
		"sources/p/src_a/sql-scripts/ddl.src_a.sql": "CREATE TABLE src_a (id INT);",
		// fct_c still reads int_old, deleted from the project.
		"facts/p/fct_c/sql-scripts/dml.fct_c.sql": "INSERT INTO fct_c SELECT id FROM int_old;",
	})
	p, err := Scan(context.Background(), root, ScanOptions{KeepSQL: true})
	if err != nil {
		t.Fatal(err)
	}
	oldDML := "INSERT INTO int_old SELECT id FROM src_a JOIN raw_x USING (id);"
	got, err := WithRetired(p, []RetiredTable{{
		Folder:  "intermediates/p/int_old",
		DMLPath: "intermediates/p/int_old/sql-scripts/dml.int_old.sql", DMLText: oldDML,
	}})
	if err != nil {
		t.Fatal(err)
	}
	old := got.Table("int_old")
	if old == nil || !old.Retired || old.Type != TypeIntermediate || old.Product != "p" || old.DMLText != oldDML ||
		!reflect.DeepEqual(old.Parents, []string{"src_a"}) || !reflect.DeepEqual(old.External, []string{"raw_x"}) {
		t.Fatalf("int_old = %+v", old)
	}
	if c := got.Table("fct_c"); !reflect.DeepEqual(c.Parents, []string{"int_old"}) || len(c.External) != 0 {
		t.Errorf("fct_c reads the retired table: parents %v external %v", c.Parents, c.External)
	}
	var names []string
	for _, tb := range got.Tables {
		names = append(names, tb.Name)
	}
	if !reflect.DeepEqual(names, []string{"fct_c", "int_old", "src_a"}) {
		t.Errorf("tables = %v", names)
	}
	// The scanned project is untouched.
	if c := p.Table("fct_c"); len(c.Parents) != 0 || !reflect.DeepEqual(c.External, []string{"int_old"}) || p.Table("int_old") != nil || len(p.Tables) != 2 {
		t.Errorf("WithRetired changed the project: fct_c %+v", c)
	}
}

func TestWithRetiredErrors(t *testing.T) {
	root := testfs.WritePipelines(t, map[string]string{"sources/p/src_a/sql-scripts/ddl.src_a.sql": "CREATE TABLE src_a (id INT);"})
	p, err := Scan(context.Background(), root, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		retired RetiredTable
		want    string
	}{
		{"defined again", RetiredTable{Folder: "sources/q/src_a", DDLPath: "sources/q/src_a/sql-scripts/ddl.src_a.sql", DDLText: "CREATE TABLE src_a (id INT);"},
			"sources/q/src_a: table src_a was deleted there but is defined again in sources/p/src_a"},
		{"bad SQL", RetiredTable{Folder: "facts/p/f", DMLPath: "facts/p/f/sql-scripts/dml.f.sql", DMLText: "INSERT INTO f SELECT (;"},
			"facts/p/f/sql-scripts/dml.f.sql:1:"},
		{"no table", RetiredTable{Folder: "facts/p/f", DMLPath: "facts/p/f/sql-scripts/dml.f.sql", DMLText: "SELECT 1;"},
			"facts/p/f: no INSERT INTO or CREATE TABLE found"},
		{"unknown layer", RetiredTable{Folder: "marts/p/f", DMLPath: "marts/p/f/sql-scripts/dml.f.sql", DMLText: "INSERT INTO f SELECT 1;"},
			"marts/p/f: not a table folder of a known layer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := WithRetired(p, []RetiredTable{tc.retired})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
