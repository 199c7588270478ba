package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRewriter(t *testing.T) {
	cfg, err := Parse([]byte(`
kafka:
  cluster_type: dev
sql_rewrites:
  - find: "ap-east-dev."
    replace: "clone.${environment}.ap-east-${environment}."
    environments: [stage, prod]
    tables: ["src_*"]
    statements: [dml]
  - find_regex: "'\\.flink-dev(-[a-z]+)?'"
    replace: "'.flink-${environment}$1'"
    statements: [ddl]
`), "config.yaml", MapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	dml := "INSERT INTO src_a SELECT * FROM `ap-east-dev.orders` WHERE x = 'ap-east-dev.'"
	ddl := "CREATE TABLE t (id INT) WITH ('value.avro-registry.schema-context' = '.flink-dev-eu')"
	tests := []struct {
		env, table, kind, sql, want string
	}{
		{"prod", "src_a", "dml", dml, "INSERT INTO src_a SELECT * FROM `clone.prod.ap-east-prod.orders` WHERE x = 'clone.prod.ap-east-prod.'"},
		{"dev", "src_a", "dml", dml, dml},  // not an environment of the rule
		{"prod", "int_a", "dml", dml, dml}, // not a table of the rule
		{"prod", "src_a", "ddl", dml, dml}, // not a statement of the rule
		{"prod", "t", "ddl", ddl, "CREATE TABLE t (id INT) WITH ('value.avro-registry.schema-context' = '.flink-prod-eu')"},
		{"dev", "t", "ddl", ddl, "CREATE TABLE t (id INT) WITH ('value.avro-registry.schema-context' = '.flink-dev-eu')"},
	}
	for _, tc := range tests {
		rw, err := cfg.Rewriter(tc.env)
		if err != nil {
			t.Fatal(err)
		}
		if got := rw.Apply(tc.table, tc.kind, tc.sql); got != tc.want {
			t.Errorf("%s %s %s:\n got %s\nwant %s", tc.env, tc.table, tc.kind, got, tc.want)
		}
	}
	if rw, _ := cfg.Rewriter("dev"); rw.Empty() {
		t.Error("dev has the second rule")
	}
	if rw, _ := (&Config{}).Rewriter("dev"); !rw.Empty() {
		t.Error("no rules, yet not empty")
	}
}

func TestRewriterErrors(t *testing.T) {
	cfg, err := Parse([]byte(`
sql_rewrites:
  - replace: x
  - find: a
    find_regex: b
  - find_regex: "("
  - find: a
    tables: ["[a-"]
  - find: a
    statements: [ddl, sql]
  - find: a
    environments: [""]
`), "config.yaml", MapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Path = "config.yaml"
	want := []string{
		"sql_rewrites[0].find: give find (literal text) or find_regex",
		"sql_rewrites[1].find: give find",
		"sql_rewrites[2].find_regex: error parsing regexp",
		`sql_rewrites[3].tables: "[a-" is not a valid pattern`,
		`sql_rewrites[4].statements: "sql": use ddl or dml`,
		"sql_rewrites[5].environments: an empty name",
	}
	_, err = cfg.Rewriter("dev")
	ps := cfg.Validate("")
	if err == nil || len(ps) != len(want) {
		t.Fatalf("Rewriter: %v\nValidate: %v", err, ps)
	}
	if !strings.HasPrefix(err.Error(), "config.yaml: ") {
		t.Errorf("error does not name the file: %v", err)
	}
	for i, w := range want {
		if !strings.Contains(err.Error(), w) || !strings.HasPrefix(ps[i].String(), w) {
			t.Errorf("missing %q:\n%v\n%v", w, err, ps[i])
		}
	}
}

// TestSQLContentModifierWarns: shift_left's Python hook cannot run here; a
// config naming it without sql_rewrites warns that the SQL goes as written.
func TestSQLContentModifierWarns(t *testing.T) {
	dir := t.TempDir()
	hook := "app:\n  sql_content_modifier: shift_left.core.utils.table_worker.ReplaceEnvInSqlContent\n"
	for _, tc := range []struct {
		name, yaml string
		warn       bool
	}{
		{"hook alone", hook, true},
		{"hook and rules", hook + "sql_rewrites:\n  - find: a\n    replace: b\n", false},
		{"no hook", "kafka:\n  cluster_type: dev\n", false},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".yaml")
		if err := os.WriteFile(p, []byte(tc.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		warned := len(cfg.Warnings) == 1 && strings.Contains(cfg.Warnings[0], "ReplaceEnvInSqlContent") && strings.Contains(cfg.Warnings[0], "sql_rewrites")
		if warned != tc.warn || (!tc.warn && len(cfg.Warnings) > 0) {
			t.Errorf("%s: warnings %v, want a warning: %v", tc.name, cfg.Warnings, tc.warn)
		}
	}
}
