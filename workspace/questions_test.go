package workspace_test

import (
	"context"
	"slices"
	"testing"

	"github.com/shiftleft-dev/shiftleft/executor"
	"github.com/shiftleft-dev/shiftleft/internal/testfs"
	"github.com/shiftleft-dev/shiftleft/selector"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// openSamplesLocal opens the samples with the built-in local target, its
// state in a temporary folder.
func openSamplesLocal(t *testing.T) *workspace.Workspace {
	t.Helper()
	return openWorkspace(t, workspace.Options{
		PipelinesDir: testfs.SamplesDir(), KeepSQL: true, ReadConfig: true, WorkDir: t.TempDir(),
		Target: workspace.TargetOptions{Name: workspace.TargetLocal, Environment: "dev", StateDir: t.TempDir()},
	})
}

func product(name string) workspace.Selection {
	return workspace.Selection{Selection: selector.Selection{Select: []string{"product:" + name}, Root: testfs.SamplesDir()}}
}

// TestHealthAndRunningStatements asks the read-only questions of a target
// before and after a deploy of one product.
func TestHealthAndRunningStatements(t *testing.T) {
	ws := openSamplesLocal(t)
	ctx := context.Background()
	before, err := ws.Health(ctx, product("saleops"))
	if err != nil {
		t.Fatal(err)
	}
	if before.Healthy() || len(before.NotRunning) == 0 {
		t.Fatalf("nothing deployed yet, yet healthy: %+v", before.Report)
	}
	res, err := ws.Deploy(ctx, workspace.DeployRequest{Selection: product("saleops"), Run: executor.Options{MaxParallel: 4}})
	if err != nil || !res.Result.OK() {
		t.Fatalf("deploy: %v %v", err, res.Result.Err())
	}
	after, err := ws.Health(ctx, product("saleops"))
	if err != nil {
		t.Fatal(err)
	}
	if !after.Healthy() || after.Target.Target != workspace.TargetLocal || after.Target.Environment != "dev" {
		t.Errorf("after the deploy: healthy %v on %s: %+v", after.Healthy(), after.Target, after.Report)
	}
	other, err := ws.Health(ctx, product("c360"))
	if err != nil {
		t.Fatal(err)
	}
	if other.Healthy() {
		t.Error("c360 was not deployed, yet healthy")
	}

	rows, err := ws.RunningStatements(ctx, workspace.StatementsRequest{Selection: product("saleops")})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("no statements for saleops")
	}
	for _, r := range rows {
		if r.NoDML || r.Statement.Phase != "RUNNING" {
			t.Errorf("%s: %+v, want a RUNNING DML", r.Table, r)
		}
	}
	all, err := ws.RunningStatements(ctx, workspace.StatementsRequest{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < len(rows) {
		t.Errorf("every statement (%d) lists fewer than the product's DMLs (%d)", len(all), len(rows))
	}
	for _, r := range all {
		if r.Table == "" {
			t.Errorf("statement %s is not mapped to its table", r.Statement.Name)
		}
	}
}

// TestImpactOfASelection: the tables downstream of a selected source are
// impacted, and the source itself is the change.
func TestImpactOfASelection(t *testing.T) {
	ws := openSamplesLocal(t)
	rep, err := ws.Impact(context.Background(), workspace.ImpactRequest{Selection: workspace.Selection{
		Selection: selector.Selection{TableNames: []string{"src_saleops_product_catalog"}, Root: testfs.SamplesDir()}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Changed) != 1 || rep.Changed[0].Table != "src_saleops_product_catalog" {
		t.Fatalf("changed = %+v", rep.Changed)
	}
	var impacted []string
	for _, i := range rep.Impacted {
		impacted = append(impacted, i.Table)
	}
	for _, want := range []string{"saleops_dim_product", "saleops_fct_revenue"} {
		if !slices.Contains(impacted, want) {
			t.Errorf("impacted %v, want %s among them", impacted, want)
		}
	}
	if slices.Contains(impacted, "c360_fct_customer_profile") {
		t.Errorf("impacted %v reaches another product's fact", impacted)
	}
	deep, err := ws.Impact(context.Background(), workspace.ImpactRequest{MaxDepth: 1, Selection: workspace.Selection{
		Selection: selector.Selection{TableNames: []string{"src_saleops_product_catalog"}, Root: testfs.SamplesDir()}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range deep.Impacted {
		if i.Depth > 1 {
			t.Errorf("--max-depth 1 lists %s at depth %d", i.Table, i.Depth)
		}
	}
}
