package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/internal/testfs"
	"github.com/shiftleft-dev/shiftleft/selector"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// openFlink opens the samples at root as a workspace on the real engine,
// with its state under a temporary folder.
func openFlink(t *testing.T, ctx context.Context, e engine, root, env string) *workspace.Workspace {
	t.Helper()
	ws, err := workspace.Open(ctx, workspace.Options{
		PipelinesDir: root, ReadConfig: true, KeepSQL: true, WorkDir: t.TempDir(),
		Getenv: e.env,
		Target: workspace.TargetOptions{Name: workspace.TargetFlink, Environment: env, StateDir: t.TempDir()},
	})
	if err != nil {
		t.Fatalf("open workspace: %v", err)
	}
	t.Cleanup(func() { _ = ws.Close(context.Background()) })
	return ws
}

// TestValidateSamplesOnRealFlink compiles every table of the sample
// products on the engine (fresh session, EXPLAIN for each DML): they all
// compile, no topic and no job is left, and it takes under 20 s. Then a
// DML broken twice (a syntax error, a type error) is reported at its
// file:line.
func TestValidateSamplesOnRealFlink(t *testing.T) {
	e := needEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	root := filepath.Join(t.TempDir(), "pipelines")
	testfs.CopyTree(t, testfs.SamplesDir(), root)
	before := runningJobs(t, ctx, e)
	ws := openFlink(t, ctx, e, root, "h14validate")
	start := time.Now()
	res, err := ws.Validate(ctx, workspace.ValidateRequest{Selection: workspace.Selection{Selection: selector.Selection{Select: []string{"path:*"}}}})
	took := time.Since(start)
	if err != nil {
		t.Fatalf("validate the samples: %v", err)
	}
	n, skipped := len(res.Statements), 0
	for _, s := range res.Statements {
		if s.Skipped {
			skipped++
		}
	}
	compiled := n - skipped
	t.Logf("validated the sample products in %s: %d statements compiled on the engine (%s each), %d DMLs not compiled as they read raw inputs the samples do not define",
		took.Round(time.Millisecond), compiled, (took / time.Duration(max(compiled, 1))).Round(time.Millisecond), skipped)
	if took > 20*time.Second {
		t.Errorf("validating the samples took %s, want under 20 s", took)
	}
	if compiled < 20 {
		t.Errorf("only %d statements compiled: the samples have more", compiled)
	}
	if after := runningJobs(t, ctx, e); len(after) > len(before) {
		t.Errorf("validation left jobs running: before %v, after %v", before, after)
	}

	// Break one DML: a syntax error, then a type error, each reported at
	// its line of the file (the comment lines above the INSERT count).
	dml := ws.Project.Table("saleops_fct_revenue").DMLPath
	path := filepath.Join(root, filepath.FromSlash(dml))
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, from, to, want string
		line, col            int
	}{
		{"syntax", "  t.quantity,\n", "  t.quantity,,\n", "Encountered \",\"", 14, 14},
		{"type", "  t.channel,\n", "  t.channel + 1,\n", "Cannot apply '+'", 12, 3},
	} {
		broken := strings.Replace(string(orig), tc.from, tc.to, 1)
		if broken == string(orig) {
			t.Fatalf("%s: %q is not in %s", tc.name, tc.from, dml)
		}
		if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
			t.Fatal(err)
		}
		ws := openFlink(t, ctx, e, root, "h14validate")
		_, err := ws.Validate(ctx, workspace.ValidateRequest{Tables: []string{"saleops_fct_revenue"}})
		var ve *workspace.ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) != 1 {
			t.Fatalf("%s: validate a broken DML: %v, want one problem", tc.name, err)
		}
		p := ve.Problems[0]
		t.Logf("%s error: %s", tc.name, p)
		if p.File != dml || p.Line != tc.line || p.Col != tc.col || !strings.Contains(p.Error, tc.want) {
			t.Errorf("%s error reported as %s, want %s:%d:%d and %q", tc.name, p, dml, tc.line, tc.col, tc.want)
		}
	}
	if err := os.WriteFile(path, orig, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPrepareAndPeekOnRealFlink creates a table with prepare (its topic
// too), loads rows with a bounded INSERT … VALUES (FINISHED, rows written
// from the job's metrics), peeks them as JSON rows, stops at a broken
// file without running what follows, and cleans up.
func TestPrepareAndPeekOnRealFlink(t *testing.T) {
	e := needEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	root := filepath.Join(t.TempDir(), "pipelines")
	testfs.CopyTree(t, testfs.SamplesDir(), root)
	table := "h14e2e_peek_" + time.Now().UTC().Format("150405")
	dir := t.TempDir()
	ddl := filepath.Join(dir, "ddl.sql")
	ins := filepath.Join(dir, "insert.sql")
	bad := filepath.Join(dir, "bad.sql")
	after := filepath.Join(dir, "after.sql")
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(ddl, "CREATE TABLE IF NOT EXISTS "+table+" (\n  id STRING,\n  amount INT,\n  PRIMARY KEY (id) NOT ENFORCED\n) WITH ('connector' = 'upsert-kafka', 'key.format' = 'json', 'value.format' = 'json');\n")
	write(ins, "-- three rows, one key updated\nINSERT INTO "+table+" VALUES ('a', 1), ('b', 2);\nINSERT INTO "+table+" VALUES ('a', 10);\n")
	write(bad, "INSERT INTO "+table+"\nSELCT 'c', 3;\n")
	write(after, "INSERT INTO "+table+" VALUES ('z', 99);\n")

	ws := openFlink(t, ctx, e, root, "h14prepare")
	defer func() {
		// The same workspace knows the table: the drop deletes its topic too.
		if _, err := ws.Prepare(context.Background(), workspace.PrepareRequest{Files: []string{writeTemp(t, "DROP TABLE IF EXISTS "+table+";")}}); err != nil {
			t.Errorf("drop %s: %v", table, err)
		}
	}()
	res, err := ws.Prepare(ctx, workspace.PrepareRequest{Files: []string{ddl, ins}, Timeout: 2 * time.Minute})
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	for _, s := range res.Statements {
		t.Logf("%s:%d %s %s %s rows=%d (%s)", filepath.Base(s.File), s.Line, s.Kind, s.Table, s.Phase, s.RowsWritten, s.Duration.Round(time.Millisecond))
	}
	if len(res.Statements) != 3 || res.Statements[1].Phase != "COMPLETED" || res.Statements[1].RowsWritten != 2 {
		t.Fatalf("prepare ran %+v, want 3 statements, the first INSERT COMPLETED with 2 rows written", res.Statements)
	}

	_, err = ws.Prepare(ctx, workspace.PrepareRequest{Files: []string{bad, after}, Timeout: time.Minute})
	var pe *workspace.PrepareError
	if !errors.As(err, &pe) || pe.File != bad || pe.Line != 1 {
		t.Fatalf("prepare of a broken file: %v, want a *PrepareError at %s:1", err, bad)
	}

	peek, err := ws.Peek(ctx, workspace.PeekRequest{Table: table, Limit: 20, Timeout: time.Minute})
	if err != nil {
		t.Fatalf("peek: %v", err)
	}
	var got []string
	for _, r := range peek.Rows {
		got = append(got, r.Op+" "+fmt.Sprint(r.Values))
	}
	t.Logf("peek %s: columns %v, rows %v", table, peek.Columns, got)
	for _, r := range peek.Rows {
		if fmt.Sprint(r.Values) == "[z 99]" {
			t.Errorf("the statement after the broken file ran: %v", got)
		}
	}
	latest, err := ws.Peek(ctx, workspace.PeekRequest{Table: table, Limit: 20, Timeout: time.Minute, Latest: true})
	if err == nil {
		t.Errorf("--latest on a table outside the project should say it knows no primary key, got %d rows", len(latest.Rows))
	}
	if len(peek.Rows) < 2 {
		t.Errorf("peek read %d rows, want the rows prepare wrote", len(peek.Rows))
	}
}

func writeTemp(t *testing.T, sql string) string {
	p := filepath.Join(t.TempDir(), "cleanup.sql")
	if err := os.WriteFile(p, []byte(sql), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
