package flink_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/flink"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/render/*.txtar")

// renderTarget builds the target a render case describes. Its optional
// "config" section holds lines "key = value": schema_registry_url,
// bootstrap, remove (space-separated patterns), and table_options.KEY;
// "table_options = none" configures no table options. Without the section
// the table options are the documented local-engine ones.
func renderTarget(t *testing.T, sections map[string]string) *flink.Target {
	t.Helper()
	opts := flink.Options{
		GatewayURL: "http://127.0.0.1:8083", JobManagerURL: "http://127.0.0.1:8081",
		TableOptions: map[string]string{
			"connector": "upsert-kafka", "properties.bootstrap.servers": "127.0.0.1:9092",
			"key.format": "json", "value.format": "json",
		},
	}
	opts.RemoveOptions = strings.Fields(sections["remove"])
	for _, line := range strings.Split(sections["config"], "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case k == "table_options" && v == "none":
			opts.TableOptions = nil
		case strings.HasPrefix(k, "table_options."):
			if opts.TableOptions == nil {
				opts.TableOptions = map[string]string{}
			}
			opts.TableOptions[strings.TrimPrefix(k, "table_options.")] = v
		case k == "schema_registry_url":
			opts.SchemaRegistryURL = v
		case k == "bootstrap":
			opts.Bootstrap = v
		case k == "remove":
			opts.RemoveOptions = strings.Fields(v)
		default:
			t.Fatalf("unknown config line %q", line)
		}
	}
	tg, err := flink.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// errorLines renders a render error as one "line:col: message" per problem.
func errorLines(err error) string {
	var out []string
	var walk func(error)
	walk = func(e error) {
		var se *deployers.SQLError
		if m, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range m.Unwrap() {
				walk(x)
			}
			return
		}
		if errors.As(e, &se) {
			out = append(out, fmt.Sprintf("%d:%d: %s", se.Line, se.Col, se.Msg))
			return
		}
		out = append(out, e.Error())
	}
	walk(err)
	return strings.Join(out, "\n") + "\n"
}

// TestRenderDDL replays testdata/render: each archive has the table name,
// the input DDL, an optional config, and the wanted SQL, warnings and topic
// settings, or the wanted errors with their positions (rewritten by
// -update; review the diff). Every rendered DDL keeps the input's lines:
// the test checks that each line of the input that has a token is on the
// same line of the output when it survived.
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
			tg := renderTarget(t, sections)
			table, input := strings.TrimSpace(sections["table"]), sections["input.sql"]
			var got map[string]string
			if strings.HasPrefix(table, "dml:") {
				table = strings.TrimPrefix(table, "dml:")
				sql, warnings, err := tg.RenderDML(table, input)
				got = results(sql, warnings, err, "")
			} else {
				sql, warnings, err := tg.RenderDDL(table, input)
				got = results(sql, warnings, err, flink.TopicSettings(tg, table, input))
				if err == nil {
					checkLinesKept(t, input, sql)
				}
			}
			if *update {
				var kept []txtar.File
				for _, f := range ar.Files {
					if _, generated := got[f.Name]; !generated && f.Name != "want.sql" && f.Name != "warnings" && f.Name != "topic" && f.Name != "errors" {
						kept = append(kept, f)
					}
				}
				for _, name := range []string{"want.sql", "warnings", "topic", "errors"} {
					if v, ok := got[name]; ok {
						kept = append(kept, txtar.File{Name: name, Data: []byte(v)})
					}
				}
				ar.Files = kept
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			for _, name := range []string{"want.sql", "warnings", "topic", "errors"} {
				if got[name] != sections[name] {
					t.Errorf("%s:\n%s\nwant:\n%s", name, got[name], sections[name])
				}
			}
		})
	}
}

// results are the generated sections of a render case.
func results(sql string, warnings []string, err error, topic string) map[string]string {
	if err != nil {
		return map[string]string{"errors": errorLines(err)}
	}
	out := map[string]string{"want.sql": sql + "\n", "warnings": strings.Join(warnings, "\n") + "\n"}
	if topic != "" {
		out["topic"] = topic
	}
	return out
}

// checkLinesKept checks that the output has the input's lines and that an
// input line found whole in the output is on the same line there.
func checkLinesKept(t *testing.T, in, out string) {
	t.Helper()
	inLines := strings.Split(strings.TrimSuffix(strings.TrimRight(in, "\n"), ";"), "\n")
	outLines := strings.Split(out, "\n")
	if len(outLines) != len(inLines) {
		t.Errorf("rendered DDL has %d lines, input %d: lines moved", len(outLines), len(inLines))
		return
	}
	for i, l := range inLines {
		l = strings.TrimSpace(l)
		if l == "" || strings.Contains(outLines[i], l) {
			continue
		}
		for j, o := range outLines {
			if strings.TrimSpace(o) == l {
				t.Errorf("input line %d %q is on line %d of the output", i+1, l, j+1)
			}
		}
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
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("RenderDDL = %v, want an error with %q", err, tc.want)
			}
		})
	}
}
