package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/internal/testfs"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/shiftleft-dev/shiftleft/cli"
	"github.com/shiftleft-dev/shiftleft/impact"
)

// sampleRepo copies the sample pipelines into a new git repository (made
// with go-git) and commits them.
func sampleRepo(t *testing.T) (dir string, commit func(msg string)) {
	t.Helper()
	dir = t.TempDir()
	testfs.CopyTree(t, testfs.SamplesDir(), filepath.Join(dir, "pipelines"))
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	commit = func(msg string) {
		t.Helper()
		if err := wt.AddGlob("pipelines"); err != nil {
			t.Fatal(err)
		}
		when = when.Add(time.Hour)
		sig := &object.Signature{Name: "test", Email: "test@example.com", When: when}
		if _, err := wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true}); err != nil {
			t.Fatal(err)
		}
	}
	commit("samples")
	return dir, commit
}

func edit(t *testing.T, file, old, new string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	if err := os.WriteFile(file, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cli.Run(context.Background(), append([]string{"shiftleft"}, args...), cli.Env{Stdout: &out, Stderr: &errOut, Dir: dir})
	return code, out.String(), errOut.String()
}

// TestImpactSince runs `pipeline impact --since` on a real repository: a
// committed breaking DDL change, then an uncommitted DML edit.
func TestImpactSince(t *testing.T) {
	dir, commit := sampleRepo(t)
	timeDDL := filepath.Join(dir, "pipelines", "dimensions", "saleops", "saleops_dim_time", "sql-scripts", "ddl.saleops_dim_time.sql")
	edit(t, timeDDL, "  day_name STRING,\n", "")
	commit("drop day_name")

	code, out, errOut := run(t, dir, "pipeline", "impact", "--since", "HEAD~1", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep impact.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rep.Changed) != 1 || rep.Changed[0].Table != "saleops_dim_time" || rep.Changed[0].Change != "ddl" ||
		rep.Changed[0].Schema == nil || rep.Changed[0].Schema.Category != "breaking" {
		t.Fatalf("changed = %+v, want saleops_dim_time ddl breaking\n%s", rep.Changed, out)
	}
	if len(rep.Impacted) != 1 || rep.Impacted[0].Table != "saleops_fct_revenue" || rep.Impacted[0].Action != "recreate" {
		t.Fatalf("impacted = %+v, want saleops_fct_revenue recreate", rep.Impacted)
	}

	// An uncommitted comment and layout edit of a source is listed, but
	// impacts no one (and --fail-on-impact does not fire).
	srcDML := filepath.Join(dir, "pipelines", "sources", "saleops", "src_saleops_product_catalog", "sql-scripts", "dml.src_saleops_product_catalog.sql")
	edit(t, srcDML, "INSERT INTO", "-- reviewed\ninsert   into")
	code, out, errOut = run(t, dir, "pipeline", "impact", "--include-uncommitted", "--fail-on-impact")
	if code != 0 || !strings.Contains(out, "src_saleops_product_catalog  dml (formatting only)") || !strings.Contains(out, "1 table changed, 0 impacted.") {
		t.Fatalf("formatting-only edit: exit %d: %s\n%s", code, errOut, out)
	}

	// A real uncommitted DML edit of the same source, on top of HEAD only.
	edit(t, srcDML, "'Uncategorized') AS category", "'Other') AS category")
	code, out, errOut = run(t, dir, "pipeline", "impact", "--include-uncommitted", "--fail-on-impact")
	if code != cli.ExitImpact {
		t.Fatalf("exit %d, want %d: %s\n%s", code, cli.ExitImpact, errOut, out)
	}
	// The deploy restarts the source alone: its readers are not redeployed.
	for _, want := range []string{"src_saleops_product_catalog  dml     -       restart", "saleops_dim_product ", "saleops_fct_revenue ", "1 table changed, 2 impacted (2 not redeployed)."} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "saleops_dim_time") {
		t.Errorf("committed change listed without --since:\n%s", out)
	}

	// Both, filtered by a state selector: only the DDL change remains.
	code, out, errOut = run(t, dir, "pipeline", "impact", "--since", "HEAD~1", "--include-uncommitted", "--select", "state:modified.ddl", "--format", "markdown")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "**1 table changed, 1 impacted (1 recreate)**") || !strings.Contains(out, "| saleops_dim_time | ddl | breaking: ") {
		t.Errorf("markdown:\n%s", out)
	}

	// An unknown revision is an error naming it.
	code, _, errOut = run(t, dir, "pipeline", "impact", "--since", "no-such-branch")
	if code != 1 || !strings.Contains(errOut, "no-such-branch") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
