package unittest

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := filepath.Join("testdata", "ok")
	s, ws, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 0 {
		t.Errorf("warnings: %v", ws)
	}
	if got := strings.Join(s.CaseNames(), ","); got != "test_fct_1,test_fct_2" {
		t.Errorf("cases %s", got)
	}
	c := s.Case("test_fct_2")
	if c == nil || c.Inputs[0].Type != CSV || c.Inputs[0].Line != 16 || c.Outputs[0].Table != "fct" {
		t.Errorf("case 2: %+v", c)
	}
	if s.Case("test_fct_1").Inputs[0].Type != SQL {
		t.Errorf("case 1 input type")
	}
	f := s.Foundation("src_orders")
	if f == nil || s.Path(f.DDLFile) != filepath.Join(dir, "tests", "ddl_src_orders.sql") {
		t.Errorf("foundation %+v", f)
	}
}

func TestLoadMissing(t *testing.T) {
	_, _, err := Load(t.TempDir())
	if !errors.Is(err, ErrNoSuite) {
		t.Fatalf("err = %v, want ErrNoSuite", err)
	}
}

func TestParse(t *testing.T) {
	const base = "foundations:\n- table_name: a\n  ddl_for_test: ./tests/ddl_a.sql\n"
	tests := []struct {
		name, src string
		err       string // substring of the error, "" for none
		warnings  []string
	}{
		{name: "unknown keys warn",
			src: base + "extra: 1\ntest_suite:\n- name: c1\n  description: x\n  inputs:\n  - table_name: a\n    file_name: x.sql\n    owner: me\n  outputs:\n  - table_name: t\n    file_name: v.sql\n    kind: q\n",
			warnings: []string{
				`f.yaml:4: unknown key "extra" in a test definition is ignored`,
				`f.yaml:7: unknown key "description" in a test case is ignored`,
				`f.yaml:11: unknown key "owner" in a test input is ignored`,
				`f.yaml:15: unknown key "kind" in a test output is ignored`,
			}},
		{name: "input without foundation warns",
			src:      base + "test_suite:\n- name: c1\n  inputs:\n  - table_name: b\n    file_name: x.sql\n  outputs:\n  - table_name: t\n    file_name: v.sql\n",
			warnings: []string{"f.yaml:7: input table b of case c1 has no foundation: a test writes only its test tables, so the case will fail"}},
		{name: "csv without type warns",
			src:      base + "test_suite:\n- name: c1\n  inputs:\n  - table_name: a\n    file_name: x.CSV\n  outputs:\n  - table_name: t\n    file_name: v.sql\n",
			warnings: []string{"f.yaml:7: input x.CSV has no file_type: read as csv from its name"}},
		{name: "bad yaml", src: "foundations:\n  - a: [\n", err: "f.yaml:2:1: invalid YAML"},
		{name: "tab", src: "foundations:\n\t- a\n", err: "f.yaml:2:1: invalid YAML"},
		{name: "empty", src: "", err: "f.yaml: empty file"},
		{name: "not a mapping", src: "- a\n", err: "f.yaml:1:1: the file must be a mapping of keys, found a list"},
		{name: "foundations not a list", src: "foundations: x\n", err: "f.yaml:1:14: foundations must be a list, found a value"},
		{name: "missing ddl", src: "foundations:\n- table_name: a\n", err: "f.yaml:2:3: foundation without ddl_for_test"},
		{name: "no cases", src: base, err: "f.yaml:1:1: no test cases"},
		{name: "case without name", src: base + "test_suite:\n- inputs: []\n", err: "f.yaml:5:3: a test case without name"},
		{name: "case without outputs", src: base + "test_suite:\n- name: c\n", err: "f.yaml:5:3: test case c has no outputs"},
		{name: "bad file type",
			src: base + "test_suite:\n- name: c\n  inputs:\n  - table_name: a\n    file_name: x\n    file_type: json\n", err: `f.yaml:9:16: file_type "json": it must be sql or csv`},
		{name: "name is a list", src: base + "test_suite:\n- name: [a]\n", err: "f.yaml:5:9: name must be a text value, found a list"},
		{name: "duplicate case",
			src: base + "test_suite:\n- name: c\n  outputs:\n  - {table_name: t, file_name: v.sql}\n- name: c\n  outputs:\n  - {table_name: t, file_name: v.sql}\n",
			err: "f.yaml:8:1: test case c given twice (first at line 5)"},
		{name: "duplicate key", src: "foundations: []\nfoundations: []\n", err: `f.yaml:2:1: key "foundations" given twice`},
		{name: "output of csv type", src: base + "test_suite:\n- name: c\n  outputs:\n  - {table_name: t, file_name: v.csv, file_type: csv}\n",
			err: `f.yaml:7:50: output file_type "csv": a validation is a sql query`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ws, err := Parse("f.yaml", []byte(tt.src))
			if tt.err == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("error %v, want %q", err, tt.err)
			}
			var got []string
			for _, w := range ws {
				got = append(got, w.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.warnings, "\n") {
				t.Errorf("warnings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.warnings, "\n"))
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "tests", DefinitionFile),
		"foundations:\n- table_name: a\n  ddl_for_test: ./tests/ddl_a.sql\ntest_suite:\n- name: c\n  outputs:\n  - {table_name: t, file_name: v.sql}\n")
	_, _, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "test_definitions.yaml:2:1: ddl_for_test ./tests/ddl_a.sql not found") {
		t.Fatalf("err = %v", err)
	}
}
