package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/internal/testfs"
)

var smallProject = map[string]string{
	"sources/sales/src_orders/sql-scripts/ddl.src_orders.sql":        "CREATE TABLE IF NOT EXISTS src_orders (id INT, PRIMARY KEY (id) NOT ENFORCED) WITH ('changelog.mode' = 'upsert');",
	"sources/sales/src_orders/sql-scripts/dml.src_orders.sql":        "INSERT INTO src_orders SELECT id FROM `env`.`cluster`.`raw_orders`;",
	"sources/sales/src_orders/sql-scripts/dml.src_orders.properties": "sql.state-ttl=1d",
	"sources/sales/src_orders/tests/insert_src_orders_1.sql":         "INSERT INTO src_orders VALUES (1);",
	"sources/sales/src_orders/Makefile":                              "all:",
	"sources/sales/src_orders/tracking.md":                           "# notes",
	"sources/src_lookup/sql-scripts/ddl.src_lookup.sql":              "CREATE TABLE src_lookup (k STRING) WITH ('changelog.mode' = 'retract');",
	"intermediates/sales/int_orders/sql-scripts/dml.int_orders.sql": "INSERT INTO int_orders SELECT o.id, 'FROM fake JOIN fake2' AS s FROM src_orders o -- JOIN commented\n" +
		"JOIN src_lookup l ON o.id = l.k;",
	"facts/sales/fct_orders/sql-scripts/ddl.fct_orders.sql":        "CREATE TABLE fct_orders (id INT) WITH ('changelog.mode' = 'append');",
	"facts/sales/fct_orders/sql-scripts/dml.fct_orders.sql":        "INSERT INTO fct_orders SELECT id FROM int_orders WHERE id > 0;",
	"facts/sales/fct_orders/sql-scripts/ddl.fct_orders.properties": "sql.local-time-zone=UTC",
	"facts/sales/fct_orders/sql-scripts/dml.fct_old.properties":    "left over from a rename",
	"seeds/external_tables.json":                                   `{"tables":[{"table_name":"raw_orders","kafka_topic":"orders.v1","product_name":"sales"}]}`,
	"README.md":                                                    "# not scanned",
}

func TestScanModel(t *testing.T) {
	root := testfs.WritePipelines(t, smallProject)
	p, err := Scan(context.Background(), root, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Type      TableType
		Product   string
		Folder    string
		DDL, DML  string
		Parents   []string
		External  []string
		Stateful  bool
		Qualified string
	}
	want := map[string]row{
		"src_orders": {TypeSource, "sales", "sources/sales/src_orders", "sources/sales/src_orders/sql-scripts/ddl.src_orders.sql", "sources/sales/src_orders/sql-scripts/dml.src_orders.sql",
			[]string{"raw_orders"}, []string{}, false, "src_orders"},
		"src_lookup": {TypeSource, "", "sources/src_lookup", "sources/src_lookup/sql-scripts/ddl.src_lookup.sql", "", []string{}, []string{}, true, "src_lookup"},
		"int_orders": {TypeIntermediate, "sales", "intermediates/sales/int_orders", "", "intermediates/sales/int_orders/sql-scripts/dml.int_orders.sql",
			[]string{"src_lookup", "src_orders"}, []string{}, true, "int_orders"},
		"fct_orders": {TypeFact, "sales", "facts/sales/fct_orders", "facts/sales/fct_orders/sql-scripts/ddl.fct_orders.sql", "facts/sales/fct_orders/sql-scripts/dml.fct_orders.sql",
			[]string{"int_orders"}, []string{}, false, "fct_orders"},
		"raw_orders": {TypeExternal, "sales", "", "", "", []string{}, []string{}, false, ""},
	}
	if len(p.Tables) != len(want) {
		t.Fatalf("got %d tables, want %d", len(p.Tables), len(want))
	}
	for i := 1; i < len(p.Tables); i++ {
		if p.Tables[i-1].Name >= p.Tables[i].Name {
			t.Errorf("tables not sorted: %s before %s", p.Tables[i-1].Name, p.Tables[i].Name)
		}
	}
	for name, w := range want {
		tb := p.Table(name)
		if tb == nil {
			t.Errorf("table %s missing", name)
			continue
		}
		got := row{tb.Type, tb.Product, tb.Folder, tb.DDLPath, tb.DMLPath, tb.Parents, tb.External, tb.Stateful, tb.Qualified}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, w)
		}
	}
	if !p.Table("raw_orders").IsExternal || p.Table("raw_orders").KafkaTopic != "orders.v1" || p.Table("raw_orders").Deployable() {
		t.Errorf("raw_orders should be an undeployable external table with its topic: %+v", p.Table("raw_orders"))
	}
	if len(p.Warnings) != 0 {
		t.Errorf("unexpected warnings: %v", p.Warnings)
	}
	// Only <kind>.<table>.properties files belong to a table.
	props := map[string][2]string{}
	for _, tb := range p.Tables {
		if tb.DDLPropertiesPath != "" || tb.DMLPropertiesPath != "" {
			props[tb.Name] = [2]string{tb.DDLPropertiesPath, tb.DMLPropertiesPath}
		}
	}
	wantProps := map[string][2]string{
		"src_orders": {"", "sources/sales/src_orders/sql-scripts/dml.src_orders.properties"},
		"fct_orders": {"facts/sales/fct_orders/sql-scripts/ddl.fct_orders.properties", ""},
	}
	if !reflect.DeepEqual(props, wantProps) {
		t.Errorf("properties files:\n got %v\nwant %v", props, wantProps)
	}
}

func TestScanErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		opts  ScanOptions
		want  []string
	}{
		{"unknown layer", map[string]string{"marts/x/sql-scripts/ddl.x.sql": "CREATE TABLE x (a INT);"}, ScanOptions{},
			[]string{`pipelines/marts: unknown layer folder "marts"`}},
		{"two DDL files", map[string]string{
			"sources/x/sql-scripts/ddl.x.sql":  "CREATE TABLE x (a INT);",
			"sources/x/sql-scripts/ddl.x2.sql": "CREATE TABLE x (a INT);"}, ScanOptions{},
			[]string{"pipelines/sources/x/sql-scripts: two ddl files, ddl.x.sql and ddl.x2.sql"}},
		{"no target", map[string]string{"sources/x/sql-scripts/dml.x.sql": "SELECT 1;"}, ScanOptions{},
			[]string{"pipelines/sources/x/sql-scripts/dml.x.sql: no INSERT INTO or CREATE TABLE found"}},
		{"bad folder name", map[string]string{"sources/my table/sql-scripts/ddl.x.sql": "CREATE TABLE x (a INT);"}, ScanOptions{},
			[]string{`folder name "my table" has characters outside`}},
		{"unterminated comment with line", map[string]string{"sources/x/sql-scripts/dml.x.sql": "INSERT INTO x\nSELECT 1 /* oops"}, ScanOptions{},
			[]string{"pipelines/sources/x/sql-scripts/dml.x.sql:2:"}},
		{"strict external", map[string]string{"sources/x/sql-scripts/dml.x.sql": "INSERT INTO x SELECT * FROM nowhere;"}, ScanOptions{Strict: true},
			[]string{"table x reads nowhere, which is not a table of the project"}},
		{"duplicate", map[string]string{
			"sources/a/sql-scripts/ddl.t.sql": "CREATE TABLE t (a INT);",
			"sources/b/sql-scripts/ddl.t.sql": "CREATE TABLE t (a INT);"}, ScanOptions{},
			[]string{"table t is defined twice, in pipelines/sources/a and pipelines/sources/b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Scan(context.Background(), testfs.WritePipelines(t, tc.files), tc.opts)
			if !errors.Is(err, ErrProject) {
				t.Fatalf("want a project error, got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestScanRefusesSymlinkOutOfRootAndHugeFiles(t *testing.T) {
	root := testfs.WritePipelines(t, map[string]string{"sources/x/sql-scripts/ddl.x.sql": "CREATE TABLE x (a INT);"})
	outside := filepath.Join(t.TempDir(), "evil.sql")
	os.WriteFile(outside, []byte("INSERT INTO x SELECT 1;"), 0o644)
	if err := os.Symlink(outside, filepath.Join(root, "sources/x/sql-scripts/dml.x.sql")); err != nil {
		t.Fatal(err)
	}
	_, err := Scan(context.Background(), root, ScanOptions{})
	if err == nil || !strings.Contains(err.Error(), "leads outside the pipelines folder") {
		t.Errorf("symlink out of the root: got %v", err)
	}

	root = testfs.WritePipelines(t, map[string]string{"sources/y/sql-scripts/ddl.y.sql": "CREATE TABLE y (a INT);\n" + strings.Repeat("-- padding\n", MaxFileSize/10)})
	_, err = Scan(context.Background(), root, ScanOptions{})
	if err == nil || !strings.Contains(err.Error(), "over the 10 MB limit") {
		t.Errorf("huge file: got %v", err)
	}
}

func TestInventoryAndDefinitions(t *testing.T) {
	root := testfs.WritePipelines(t, smallProject)
	p, err := Scan(context.Background(), root, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dst, err := p.WriteInventory()
	if err != nil {
		t.Fatal(err)
	}
	inv, err := ReadInventory(dst)
	if err != nil {
		t.Fatal(err)
	}
	if got := inv["fct_orders"]; got != (InventoryEntry{TableName: "fct_orders", ProductName: "sales", Type: "fact",
		DMLRef: "pipelines/facts/sales/fct_orders/sql-scripts/dml.fct_orders.sql", DDLRef: "pipelines/facts/sales/fct_orders/sql-scripts/ddl.fct_orders.sql",
		TableFolderName: "pipelines/facts/sales/fct_orders"}) {
		t.Errorf("inventory entry: %+v", got)
	}
	if got := inv["src_lookup"]; got.ProductName != "None" || got.DMLRef != "" {
		t.Errorf("table without product or DML: %+v", got)
	}
	if got := inv["raw_orders"]; got.Type != "external_kafka" || got.TableFolderName != "pipelines/seeds/raw_orders" || got.KafkaTopic == nil || *got.KafkaTopic != "orders.v1" {
		t.Errorf("external entry: %+v", got)
	}
	// shift_left writes "kafka_topic": null in every entry without a topic.
	raw, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(raw), `"kafka_topic": null`); n != len(inv)-1 {
		t.Errorf(`%d entries with "kafka_topic": null, want %d:\n%s`, n, len(inv)-1, raw)
	}
	raw, _ = os.ReadFile(dst)
	if strings.Index(string(raw), `"fct_orders"`) > strings.Index(string(raw), `"src_orders"`) {
		t.Error("inventory keys are not sorted")
	}

	children := map[string][]string{"src_orders": {"int_orders"}, "src_lookup": {"int_orders"}, "int_orders": {"fct_orders"}}
	// A stale definition with an edge that no longer exists must disappear.
	stale := filepath.Join(root, "facts/sales/fct_orders", DefinitionFile)
	os.WriteFile(stale, []byte(`{"table_name":"fct_orders","parents":[{"table_name":"gone"}]}`), 0o644)
	written, err := p.WriteDefinitions(context.Background(), func(n string) []string { return children[n] })
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 4 {
		t.Errorf("wrote %d definitions, want 4 (externals get none)", len(written))
	}
	d, err := ReadDefinition(stale)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Parents) != 1 || d.Parents[0].TableName != "int_orders" || d.Complexity.StateForm != "Stateless" {
		t.Errorf("fct_orders definition: %+v", d)
	}
	d, _ = ReadDefinition(filepath.Join(root, "intermediates/sales/int_orders", DefinitionFile))
	if d.Complexity.StateForm != "Stateful" || len(d.Children) != 1 || d.Children[0].TableName != "fct_orders" ||
		d.Children[0].Path != "pipelines/facts/sales/fct_orders" || len(d.Children[0].Parents) != 0 {
		b, _ := json.Marshal(d)
		t.Errorf("int_orders definition: %s", b)
	}
	removed, err := DeleteDefinitions(context.Background(), root)
	if err != nil || len(removed) != 4 {
		t.Errorf("delete: %d removed, %v", len(removed), err)
	}
}

func TestParseInventoryAndDefinitionErrors(t *testing.T) {
	if _, err := ParseInventory("inventory.json", []byte("{\n  \"a\": {\"table_name\": 3}\n}")); err == nil || !strings.Contains(err.Error(), "inventory.json:2:") {
		t.Errorf("inventory error: %v", err)
	}
	if _, err := ParseInventory("inventory.json", []byte(`{"a": {"table_name": "b"}}`)); err == nil || !strings.Contains(err.Error(), `entry "a" has table_name "b"`) {
		t.Errorf("inventory mismatch: %v", err)
	}
	if _, err := ParseDefinition("d.json", []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "without table_name") {
		t.Errorf("definition: %v", err)
	}
}

// TestScanWalkShapes covers the folder shapes the walk must get right
// whether a table folder is found by probing for sql-scripts (and skipped
// when its link count says it holds nothing else) or by listing it.
func TestScanWalkShapes(t *testing.T) {
	ddl := func(name string) string { return "CREATE TABLE " + name + " (a INT);" }
	tests := []struct {
		name    string
		files   map[string]string
		links   map[string]string // link path → target, both relative to the root ("" target: outside the root)
		want    []string          // table names found
		wantErr string
	}{
		{name: "table folder holding another table folder",
			files: map[string]string{
				"facts/p/outer/sql-scripts/ddl.t_outer.sql":             ddl("t_outer"),
				"facts/p/outer/variant/sql-scripts/ddl.t_inner.sql":     ddl("t_inner"),
				"facts/p/outer/variant/deeper/sql-scripts/ddl.deep.sql": ddl("deep"),
			},
			want: []string{"deep", "t_inner", "t_outer"}},
		{name: "tests and hidden folders are not walked",
			files: map[string]string{
				"facts/p/t/sql-scripts/ddl.t.sql":           ddl("t"),
				"facts/p/t/tests/sql-scripts/ddl.t_ut.sql":  ddl("t_ut"),
				"facts/p/t/.cache/sql-scripts/ddl.t_c.sql":  ddl("t_c"),
				"facts/p/.old/sql-scripts/ddl.t_old.sql":    ddl("t_old"),
				"facts/p/u/sql-scripts/ddl.u.sql":           ddl("u"),
				"facts/p/u/sql-scripts/nested/ddl.u_n.sql":  ddl("u_n"),
				"facts/p/u/sql-scripts/ddl.u.sql.bak":       "garbage",
				"facts/p/u/sql-scripts/dml.u_dlq.sql":       "garbage",
				"facts/p/u/sql-scripts/dml.u.properties":    "a=b",
				"facts/p/v/Makefile":                        "all:",
				"facts/p/v/sql-scripts/dml.v.sql":           "INSERT INTO v SELECT * FROM u;",
				"facts/p/v/not-sql-scripts/ddl.nope.sql":    ddl("nope"),
				"facts/p/sql-scripts-file-only/sql-scripts": "a file, not a folder",
			},
			want: []string{"t", "u", "v"}},
		{name: "tables with and without a product folder side by side",
			files: map[string]string{
				"sources/flat/sql-scripts/ddl.flat.sql":   ddl("flat"),
				"sources/prod/a/sql-scripts/ddl.a.sql":    ddl("a"),
				"sources/prod/b/sql-scripts/ddl.b.sql":    ddl("b"),
				"views/prod/c/sql-scripts/dml.c.sql":      "INSERT INTO c SELECT * FROM a JOIN b ON a.a = b.a JOIN flat USING (a);",
				"views/prod/c/sql-scripts/ddl.c.sql":      ddl("c"),
				"views/prod/c/sql-scripts/dml.c.sql.orig": "old",
			},
			want: []string{"a", "b", "c", "flat"}},
		{name: "sql-scripts linked inside the root is scanned where it lives",
			files: map[string]string{"sources/real/sql-scripts/ddl.real.sql": ddl("real"), "sources/alias/Makefile": "all:"},
			links: map[string]string{"sources/alias/sql-scripts": "sources/real/sql-scripts"},
			want:  []string{"real"}},
		{name: "sql-scripts linked outside the root is refused",
			files:   map[string]string{"sources/alias/Makefile": "all:"},
			links:   map[string]string{"sources/alias/sql-scripts": ""},
			wantErr: "pipelines/sources/alias/sql-scripts: symbolic link to "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := testfs.WritePipelines(t, tc.files)
			for link, target := range tc.links {
				if target == "" {
					target = filepath.Join(t.TempDir(), "outside")
					if err := os.MkdirAll(target, 0o755); err != nil {
						t.Fatal(err)
					}
					os.WriteFile(filepath.Join(target, "ddl.evil.sql"), []byte(ddl("evil")), 0o644)
				} else {
					target = filepath.Join(root, filepath.FromSlash(target))
				}
				if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(link))); err != nil {
					t.Fatal(err)
				}
			}
			for _, workers := range []int{1, 3} {
				p, err := Scan(context.Background(), root, ScanOptions{Workers: workers})
				if tc.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
						t.Fatalf("workers=%d: got error %v, want %q", workers, err, tc.wantErr)
					}
					continue
				}
				if err != nil {
					t.Fatalf("workers=%d: %v", workers, err)
				}
				var got []string
				for _, tb := range p.Tables {
					got = append(got, tb.Name)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("workers=%d: tables %v, want %v", workers, got, tc.want)
				}
			}
		})
	}
}

func TestScanCancelled(t *testing.T) {
	root := testfs.WritePipelines(t, smallProject)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, root, ScanOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled scan: got %v, want context.Canceled", err)
	}
}

// TestScanTableDefinitions: column lists are read only when asked for;
// what the graph needs (names, reads, changelog mode) is read either way.
func TestScanTableDefinitions(t *testing.T) {
	root := testfs.WritePipelines(t, smallProject)
	for _, defs := range []bool{false, true} {
		p, err := Scan(context.Background(), root, ScanOptions{TableDefinitions: defs})
		if err != nil {
			t.Fatal(err)
		}
		src := p.Table("src_orders")
		if got := len(src.DDL.Tables); (got == 1) != defs {
			t.Errorf("TableDefinitions=%v: %d table definitions", defs, got)
		}
		if defs && (len(src.DDL.Tables[0].Columns) != 1 || src.DDL.Tables[0].PrimaryKey[0] != "id") {
			t.Errorf("definition of src_orders: %+v", src.DDL.Tables[0])
		}
		if src.DDL.ChangelogMode != "upsert" || !p.Table("src_lookup").Stateful || p.Table("fct_orders").Stateful {
			t.Errorf("TableDefinitions=%v: changelog mode %q, states %v %v", defs, src.DDL.ChangelogMode,
				p.Table("src_lookup").Stateful, p.Table("fct_orders").Stateful)
		}
	}
}

// TestScanThroughSymlinkedRoot: PIPELINES may be a link to the real folder
// (a monorepo layout); the tables are found where it points, and the
// project keeps the path the user gave.
func TestScanThroughSymlinkedRoot(t *testing.T) {
	real := testfs.WritePipelines(t, smallProject)
	link := filepath.Join(t.TempDir(), "pipelines")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	p, err := Scan(context.Background(), link, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tables) != 5 || p.Table("fct_orders") == nil {
		t.Fatalf("scanned %d tables through the link, want the 5 of the project", len(p.Tables))
	}
	if p.Root != link {
		t.Errorf("Root = %s, want the link %s", p.Root, link)
	}
	if _, err := Scan(context.Background(), filepath.Join(t.TempDir(), "dangling"), ScanOptions{}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing folder: %v", err)
	}
}
