package workspace_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/workspace"
)

// After a promoted release, every use case maps the files' tables to their
// live versions: plans compare against them, a new reader of a versioned
// table reads its live version, the statements report names it, and a
// change to a versioned table is refused with the way to release it.
func TestLiveVersionsAfterPromote(t *testing.T) {
	ctx := context.Background()
	e := newReleaseEnv(t)
	e.breakDimension()
	ws := e.open()
	if live, err := ws.LiveVersions(ctx); err != nil || live.Versioned() {
		t.Fatalf("before any release: versioned=%v err=%v", live.Versioned(), err)
	}
	if _, err := ws.ReleaseStart(ctx, workspace.ReleaseRequest{Name: "r1", Selection: e.sel("saleops_dim_customer")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ws.ReleasePromote(ctx, workspace.ReleaseRequest{Force: true}); err != nil {
		t.Fatal(err)
	}

	// A new table reading the fact, added after the promote.
	dir := filepath.Join(e.dir, "pipelines", "facts", "saleops", "saleops_fct_revenue_total", "sql-scripts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"ddl.saleops_fct_revenue_total.sql": "CREATE TABLE IF NOT EXISTS saleops_fct_revenue_total (\n  order_id STRING NOT NULL,\n  total DECIMAL(12, 2),\n  PRIMARY KEY (order_id) NOT ENFORCED\n);\n",
		"dml.saleops_fct_revenue_total.sql": "INSERT INTO saleops_fct_revenue_total\nSELECT r.order_id, SUM(r.net_revenue) AS total\nFROM saleops_fct_revenue r\nGROUP BY r.order_id;\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ws = e.open()
	live, err := ws.LiveVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{"saleops_fct_revenue": "saleops_fct_revenue_v2", "saleops_dim_customer": "saleops_dim_customer_v2", "saleops_dim_product": "saleops_dim_product"} {
		if got := live.Name(file); got != want {
			t.Errorf("live name of %s = %s, want %s", file, got, want)
		}
		if got := live.File(want); got != file {
			t.Errorf("file of %s = %s, want %s", want, got, file)
		}
	}

	res, err := ws.Deploy(ctx, workspace.DeployRequest{Selection: e.sel("saleops_fct_revenue_total"), Release: "r1"})
	if err != nil {
		t.Fatalf("deploy the new reader: %v", err)
	}
	if !res.Result.OK() {
		t.Fatalf("deploy the new reader: %v", res.Result.Err())
	}
	var dml string
	for name, s := range e.state().Statements {
		if strings.Contains(name, "revenue-total") && s.Kind == "dml" {
			dml = s.SQL
		}
	}
	if !strings.Contains(dml, "FROM saleops_fct_revenue_v2 r") {
		t.Errorf("the new reader does not read the live version:\n%s", dml)
	}
	// Planned again, nothing changed: the deployed SQL compares with the
	// files under their names.
	pr, err := ws.Plan(ctx, workspace.DeployRequest{Selection: e.sel("product:saleops")}, false)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Plan.HasChanges() {
		t.Errorf("a second plan acts: %+v", pr.Plan.Summary)
	}
	rows, err := ws.RunningStatements(ctx, workspace.StatementsRequest{Selection: e.sel("saleops_fct_revenue")})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Table != "saleops_fct_revenue_v2" || rows[0].Statement.Name != "dev-usw2-saleops-dml-saleops-fct-revenue-v2" {
		t.Errorf("statements of the fact = %+v, want its live version's DML", rows)
	}
	d, err := ws.DescribeProduct(ctx, "saleops")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Ports) != 1 || d.Ports[0].Table != "saleops_fct_revenue" || d.Ports[0].LiveVersion != "saleops_fct_revenue_v2" {
		t.Errorf("product describe ports = %+v, want saleops_fct_revenue live as saleops_fct_revenue_v2", d.Ports)
	}
	_, cat, err := ws.CatalogPage(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var catLive string
	for _, p := range cat.Products {
		for _, port := range p.Ports {
			if port.Table == "saleops_fct_revenue" {
				catLive = port.LiveVersion
			}
		}
	}
	if catLive != "saleops_fct_revenue_v2" {
		t.Errorf("catalog live version of the port = %q, want saleops_fct_revenue_v2", catLive)
	}
	h, err := ws.Health(ctx, e.sel("saleops_fct_revenue"))
	if err != nil {
		t.Fatal(err)
	}
	if !h.Report.Healthy() {
		t.Errorf("health after promote is not OK: %+v", h.Report)
	}
	// The local target reports its running statements caught up, writing
	// nothing: the reports carry it.
	if l, ok := h.Throughput["saleops_fct_revenue"]; !ok || !l.Known || l.Pending != 0 || l.RowsPerSecond != 0 {
		t.Errorf("health throughput of the fact = %+v (found %v)", l, ok)
	}
	if len(rows) == 1 && (rows[0].Throughput == nil || !rows[0].Throughput.Known) {
		t.Errorf("statement row of the fact has no throughput: %+v", rows[0])
	}

	// A change to the versioned fact is refused, naming the release command.
	p := filepath.Join(e.dir, "pipelines", "facts", "saleops", "saleops_fct_revenue", "sql-scripts", "dml.saleops_fct_revenue.sql")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), "SELECT", "SELECT DISTINCT", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	ws = e.open()
	_, err = ws.Deploy(ctx, workspace.DeployRequest{Selection: e.sel("saleops_fct_revenue"), Release: "r1"})
	if err == nil || !strings.Contains(err.Error(), "saleops_fct_revenue (live: saleops_fct_revenue_v2)") || !strings.Contains(err.Error(), "release start") {
		t.Errorf("deploy of a changed versioned table: err = %v", err)
	}
}
