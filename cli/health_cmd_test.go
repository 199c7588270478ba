package cli

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/local"
	"github.com/shiftleft-dev/shiftleft/internal/testfs"
)

// TestHealthcheckOutOfOrder: a table created again (CREATE OR REPLACE)
// after a running child started leaves that child reading a replaced topic:
// healthcheck lists it and, with --fail-on-unhealthy, exits 3.
func TestHealthcheckOutOfOrder(t *testing.T) {
	dir := t.TempDir()
	testfs.CopyTree(t, testfs.SamplesDir(), filepath.Join(dir, "pipelines"))
	if code, out, errs := runCLI(t, dir, nil, "pipeline", "deploy", "--select", "product:saleops"); code != 0 {
		t.Fatalf("deploy: exit %d\n%s%s", code, out, errs)
	}
	ddl, err := os.ReadFile(filepath.Join(dir, "pipelines", "sources", "saleops", "src_saleops_product_catalog", "sql-scripts", "ddl.src_saleops_product_catalog.sql"))
	if err != nil {
		t.Fatal(err)
	}
	lt, err := local.Open(filepath.Join(dir, local.DefaultStateDir), "dev", local.Options{ExternalTables: []string{"raw_product_catalog"}})
	if err != nil {
		t.Fatal(err)
	}
	replace := regexp.MustCompile(`CREATE TABLE IF NOT EXISTS`).ReplaceAllString(string(ddl), "CREATE OR REPLACE TABLE")
	if s, err := lt.CreateTable(context.Background(), deployers.StatementRequest{Name: "by-hand", SQL: replace}); err != nil || s.Phase != deployers.PhaseCompleted {
		t.Fatalf("replace the table by hand: %v %+v", err, s)
	}
	if err := lt.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, dir, nil, "pipeline", "healthcheck", "--select", "product:saleops", "--fail-on-unhealthy")
	if code != ExitUnhealthy {
		t.Fatalf("exit %d, want %d\n%s%s", code, ExitUnhealthy, out, errs)
	}
	for _, want := range []string{
		`(?m)^saleops +7 +7 +0 +1$`,
		`(?m)^Started before a table it reads was created again \(1\)`,
		`(?m)^saleops_dim_product +\S+ +src_saleops_product_catalog +\S+$`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}
