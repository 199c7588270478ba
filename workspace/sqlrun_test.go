package workspace_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/deployers/flink/flinktest"
	"github.com/shiftleft-dev/shiftleft/internal/testfs"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// sqlProject writes files under a fresh pipelines folder.
func sqlProject(t *testing.T, files map[string]string) string {
	t.Helper()
	return testfs.WritePipelines(t, files)
}

// openOnStandin opens root on the flink target, talking to the stand-in
// (target "" is local).
func openOnStandin(t *testing.T, root string, srv *flinktest.Server, target string) *workspace.Workspace {
	t.Helper()
	env := map[string]string{}
	if srv != nil {
		env["SL_FLINK_GATEWAY_URL"] = srv.Gateway.URL
		env["SL_FLINK_JOBMANAGER_URL"] = srv.JobManager.URL
	}
	return openWorkspace(t, workspace.Options{
		PipelinesDir: root, ReadConfig: true, KeepSQL: true, WorkDir: filepath.Dir(root),
		Getenv: func(k string) string { return env[k] },
		Target: workspace.TargetOptions{Name: target, Environment: "dev", StateDir: t.TempDir()},
	})
}

const (
	srcDDL = "CREATE TABLE src_orders (\n  id STRING,\n  amount INT\n)"
	// the DML's statement starts on line 3, after two comment lines
	srcDML = "-- orders\n-- from the raw topic\nINSERT INTO src_orders\nSELECT id,\n  amount\nFROM raw_orders"
	rawDDL = "CREATE TABLE raw_orders (id STRING, amount INT) WITH ('connector' = 'kafka')"
)

// TestValidateMapsErrorsToFileLines: a syntax error and a type error in
// DMLs are reported at their file, line and column; a clean project
// compiles; an input defined nowhere is not compiled, and says so.
func TestValidateMapsErrorsToFileLines(t *testing.T) {
	cases := []struct {
		name     string
		dml      string
		want     string // file:line:col of the problem, "" for none
		contains string
	}{
		{"clean", srcDML, "", ""},
		{"syntax error", strings.Replace(srcDML, "SELECT id,", "SELECT id,,", 1), "sources/src_orders/sql-scripts/dml.src_orders.sql:4:11", `Encountered ","`},
		{"type error", strings.Replace(srcDML, "  amount\n", "  amount + 'x'\n", 1), "sources/src_orders/sql-scripts/dml.src_orders.sql:5:3", "Cannot apply '+'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := flinktest.New()
			defer srv.Close()
			root := sqlProject(t, map[string]string{
				"sources/src_orders/sql-scripts/ddl.src_orders.sql": srcDDL,
				"sources/src_orders/sql-scripts/dml.src_orders.sql": tc.dml,
				"sources/src_orders/tests/ddl.raw.sql":              rawDDL,
			})
			ws := openOnStandin(t, root, srv, workspace.TargetFlink)
			res, err := ws.Validate(context.Background(), workspace.ValidateRequest{Tables: []string{"src_orders"}})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("validate: %v", err)
				}
				if len(res.Statements) != 3 {
					t.Fatalf("compiled %v, want the DDL, the raw input's DDL and the DML", res.Statements)
				}
				if len(srv.Jobs()) != 0 {
					t.Errorf("validation started jobs: %v", srv.Jobs())
				}
				return
			}
			var ve *workspace.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) != 1 {
				t.Fatalf("validate: %v, want one problem", err)
			}
			p := ve.Problems[0]
			if got := fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col); got != tc.want || !strings.Contains(p.Error, tc.contains) {
				t.Errorf("problem %s, want at %s containing %q", p, tc.want, tc.contains)
			}
		})
	}

	t.Run("undefined input", func(t *testing.T) {
		srv := flinktest.New()
		defer srv.Close()
		root := sqlProject(t, map[string]string{
			"sources/src_orders/sql-scripts/ddl.src_orders.sql": srcDDL,
			"sources/src_orders/sql-scripts/dml.src_orders.sql": srcDML,
		})
		ws := openOnStandin(t, root, srv, workspace.TargetFlink)
		res, err := ws.Validate(context.Background(), workspace.ValidateRequest{Tables: []string{"src_orders"}})
		if err != nil {
			t.Fatalf("validate: %v", err)
		}
		last := res.Statements[len(res.Statements)-1]
		if !last.Skipped || !strings.Contains(last.Error, "raw_orders") {
			t.Errorf("DML reading an undefined input: %+v, want it skipped naming raw_orders", last)
		}
		// --externals-dir gives the definition: everything compiles.
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "raw.sql"), []byte(rawDDL), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err = ws.Validate(context.Background(), workspace.ValidateRequest{Tables: []string{"src_orders"}, ExternalsDirs: []string{dir}})
		if err != nil || len(res.Statements) != 3 || res.Statements[2].Skipped {
			t.Errorf("with --externals-dir: %v, %+v; want 3 statements compiled", err, res)
		}
	})

	t.Run("local target", func(t *testing.T) {
		root := sqlProject(t, map[string]string{"sources/src_orders/sql-scripts/ddl.src_orders.sql": srcDDL})
		ws := openOnStandin(t, root, nil, workspace.TargetLocal)
		_, err := ws.Validate(context.Background(), workspace.ValidateRequest{Tables: []string{"src_orders"}})
		var ue *workspace.UnsupportedError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--target flink") {
			t.Errorf("validate on local: %v, want an UnsupportedError pointing to --target flink", err)
		}
	})
}

// TestPrepareStopsAtTheBadFileAndPeekReads: prepare creates a table and
// loads rows (rows written from the job's vertices), a bad file stops the
// run at its line and nothing after it runs; peek reads the changelog and
// --latest folds it by key.
func TestPrepareStopsAtTheBadFileAndPeekReads(t *testing.T) {
	srv := flinktest.New()
	defer srv.Close()
	root := sqlProject(t, map[string]string{
		"sources/accounts/sql-scripts/ddl.accounts.sql": "CREATE TABLE accounts (\n  id STRING,\n  balance INT,\n  PRIMARY KEY (id) NOT ENFORCED\n)",
	})
	dir := filepath.Dir(root)
	files := map[string]string{
		"ddl.sql":   "CREATE TABLE IF NOT EXISTS accounts (\n  id STRING,\n  balance INT,\n  PRIMARY KEY (id) NOT ENFORCED\n);\n",
		"load.sql":  "-- two accounts\nINSERT INTO accounts VALUES ('a', 1), ('b', 2);\nINSERT INTO accounts VALUES ('a', 5);\n",
		"bad.sql":   "SET 'x' = 'y';\n\nINSERT INTO accounts\nVALUES ('c', 3),, ('d', 4);\n",
		"after.sql": "INSERT INTO accounts VALUES ('z', 99);\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	ws := openOnStandin(t, root, srv, workspace.TargetFlink)
	res, err := ws.Prepare(ctx, workspace.PrepareRequest{Files: []string{"ddl.sql", "load.sql"}})
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	var got []string
	for _, s := range res.Statements {
		got = append(got, fmt.Sprintf("%s:%d %s %s %d", s.File, s.Line, s.Kind, s.Phase, s.RowsWritten))
	}
	want := []string{"ddl.sql:1 ddl COMPLETED -1", "load.sql:2 dml COMPLETED 2", "load.sql:3 dml COMPLETED 1"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("prepared:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	_, err = ws.Prepare(ctx, workspace.PrepareRequest{Files: []string{"bad.sql", "after.sql"}})
	var pe *workspace.PrepareError
	if !errors.As(err, &pe) || pe.File != "bad.sql" || pe.Line != 4 || pe.Col != 17 {
		t.Fatalf("prepare of a bad file: %v, want a *PrepareError at bad.sql:4:17 (the engine's position in the file)", err)
	}
	for _, r := range srv.Rows("accounts") {
		if strings.Contains(r, "z") || strings.Contains(r, "c 3") {
			t.Errorf("a statement at or after the bad one ran: %v", srv.Rows("accounts"))
		}
	}

	peek, err := ws.Peek(ctx, workspace.PeekRequest{Table: "accounts", Limit: 10})
	if err != nil {
		t.Fatalf("peek: %v", err)
	}
	var rows []string
	for _, r := range peek.Rows {
		rows = append(rows, r.Op+" "+fmt.Sprint(r.Values[:2]))
	}
	if want := "+I [a 1]|+I [b 2]|-U [a 1]|+U [a 5]"; strings.Join(rows, "|") != want || !peek.Changelog {
		t.Errorf("peek rows %v (changelog %v), want %s", rows, peek.Changelog, want)
	}
	if len(peek.Columns) < 2 || peek.Columns[0].Name != "id" || peek.Columns[0].Type != "STRING" || peek.Columns[1].Type != "INTEGER" {
		t.Errorf("peek columns %v, want id STRING, balance INTEGER", peek.Columns)
	}
	latest, err := ws.Peek(ctx, workspace.PeekRequest{Table: "accounts", Limit: 10, Latest: true})
	if err != nil {
		t.Fatalf("peek --latest: %v", err)
	}
	rows = nil
	for _, r := range latest.Rows {
		rows = append(rows, fmt.Sprint(r.Values[:2]))
	}
	if want := "[a 5]|[b 2]"; strings.Join(rows, "|") != want || latest.Changelog {
		t.Errorf("peek --latest rows %v, want %s", rows, want)
	}

	local := openOnStandin(t, root, nil, workspace.TargetLocal)
	_, err = local.Peek(ctx, workspace.PeekRequest{Table: "accounts"})
	var ue *workspace.UnsupportedError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "keeps no data") {
		t.Errorf("peek on local: %v, want an UnsupportedError saying it keeps no data", err)
	}
}
