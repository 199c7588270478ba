package flink_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/shiftleft-dev/shiftleft/deployers/flink"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/render/*.txtar")

// TestRenderDDL replays testdata/render: each archive has the table name,
// the input DDL, optional remove patterns, and the wanted SQL and warnings
// (rewritten by -update; review the diff).
func TestRenderDDL(t *testing.T) {
	files, err := filepath.Glob("testdata/render/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no render cases: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			sections := map[string]string{}
			for _, f := range ar.Files {
				sections[f.Name] = string(f.Data)
			}
			var remove []string
			if r := strings.TrimSpace(sections["remove"]); r != "" {
				remove = strings.Fields(r)
			}
			tg, err := flink.New(flink.Options{
				GatewayURL: "http://127.0.0.1:8083", JobManagerURL: "http://127.0.0.1:8081",
				TableOptions: map[string]string{
					"connector": "upsert-kafka", "properties.bootstrap.servers": "127.0.0.1:9092",
					"key.format": "json", "value.format": "json",
				},
				RemoveOptions: remove,
			})
			if err != nil {
				t.Fatal(err)
			}
			got, warnings, err := tg.RenderDDL(strings.TrimSpace(sections["table"]), sections["input.sql"])
			if err != nil {
				t.Fatal(err)
			}
			gotWarn := strings.Join(warnings, "\n") + "\n"
			if *update {
				var kept []txtar.File
				for _, f := range ar.Files {
					if f.Name != "want.sql" && f.Name != "warnings" {
						kept = append(kept, f)
					}
				}
				ar.Files = append(kept, txtar.File{Name: "want.sql", Data: []byte(got + "\n")}, txtar.File{Name: "warnings", Data: []byte(gotWarn)})
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := sections["want.sql"]; got+"\n" != want {
				t.Errorf("RenderDDL SQL:\n%s\nwant:\n%s", got, want)
			}
			if want := sections["warnings"]; gotWarn != want {
				t.Errorf("RenderDDL warnings:\n%s\nwant:\n%s", gotWarn, want)
			}
		})
	}
}

func TestRenderDDLErrors(t *testing.T) {
	tg, err := flink.New(flink.Options{GatewayURL: "https://h:1", JobManagerURL: "https://h:2"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, sql, want string }{
		{"not a create", "INSERT INTO t SELECT 1", "expected one CREATE TABLE statement"},
		{"two tables", "CREATE TABLE t (id INT); CREATE TABLE u (id INT)", "found 2 statements"},
		{"unterminated string", "CREATE TABLE t (id INT) WITH ('a' = 'b)", "line 1"},
		{"unclosed with", "CREATE TABLE t (id INT) WITH ('a' = 'b'", "never closed"},
		{"empty", "-- nothing\n", "t"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tg.RenderDDL("t", tc.sql)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "table t") {
				t.Fatalf("RenderDDL = %v, want an error naming table t and %q", err, tc.want)
			}
		})
	}
}
