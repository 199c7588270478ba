package products

import (
	"context"
	"reflect"
	"testing"

	"github.com/shiftleft-dev/shiftleft/internal/testfs"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

func scanAndLoad(t *testing.T, root string) (*pipeline.Project, []Manifest) {
	t.Helper()
	p, err := pipeline.Scan(context.Background(), root, pipeline.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ms, _, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	return p, ms
}

func TestValidateMesh(t *testing.T) {
	p, ms := scanAndLoad(t, "testdata/mesh/pipelines")
	for _, strict := range []bool{false, true} {
		got := Validate(p, ms, ValidateOptions{Strict: strict})
		var lines []string
		for _, f := range got {
			lines = append(lines, f.Severity+" "+f.Kind+" "+f.String())
		}
		mesh := "warning"
		if strict {
			mesh = "error"
		}
		want := []string{
			// the read of the port fct_orders (line 4) is legal; the read of
			// src_orders (line 5) is not; src_shared is in no product; v_ledger
			// reads the port fct_campaign (legal)
			mesh + " mesh pipelines/facts/marketing/fct_campaign/sql-scripts/dml.fct_campaign.sql:5:6: fct_campaign (product marketing) reads src_orders of product sales, which is not one of sales's output ports: read a port, or make src_orders one",
			"warning undeclared_product pipelines/products/finance.yaml: product finance has 1 table(s) (v_ledger) but no manifest: declare it in products/finance.yaml",
			"error owner pipelines/products/marketing.yaml:1: product marketing has no owner.team: name the team that answers for it",
			"error port pipelines/products/marketing.yaml:7: output port fct_missing is not a table of the project",
			"error port pipelines/products/marketing.yaml:8: output port fct_orders is not a table of product marketing (its product: sales)",
			"error rule_column pipelines/products/sales.yaml:10: accepted_values rule of port fct_orders names column state, which its DDL does not have",
			"warning no_product pipelines/sources/src_shared: table src_shared is in no product folder (<layer>/<product>/<table>): it belongs to no product",
		}
		if !reflect.DeepEqual(lines, want) {
			t.Errorf("strict=%v findings:\n%s\nwant:\n%s", strict, join(lines), join(want))
		}
		if !HasErrors(got) {
			t.Error("HasErrors false")
		}
	}
}

func join(ss []string) string {
	out := ""
	for _, s := range ss {
		out += "  " + s + "\n"
	}
	return out
}

func TestValidateSamplesClean(t *testing.T) {
	p, ms := scanAndLoad(t, "../flink_data_products/pipelines")
	if got := Validate(p, ms, ValidateOptions{Strict: true}); len(got) != 0 {
		t.Errorf("findings on the samples: %v", got)
	}
}

func TestValidateProductCycle(t *testing.T) {
	root := testfs.WritePipelines(t, map[string]string{
		"facts/a/a1/sql-scripts/ddl.a1.sql": "CREATE TABLE a1 (id INT);",
		"facts/a/a1/sql-scripts/dml.a1.sql": "INSERT INTO a1 SELECT id FROM b2;",
		"facts/a/a2/sql-scripts/ddl.a2.sql": "CREATE TABLE a2 (id INT);",
		"facts/b/b1/sql-scripts/ddl.b1.sql": "CREATE TABLE b1 (id INT);",
		"facts/b/b1/sql-scripts/dml.b1.sql": "INSERT INTO b1\nSELECT id FROM a2;",
		"facts/b/b2/sql-scripts/ddl.b2.sql": "CREATE TABLE b2 (id INT);",
		"products/a.yaml":                   "product: a\nowner: {team: A, contact: a@x}\noutput_ports: [{table: a2}]\n",
		"products/b.yaml":                   "product: b\nowner: {team: B, contact: b@x}\noutput_ports: [{table: b2}]\n",
	})
	p, ms := scanAndLoad(t, root)
	got := Validate(p, ms, ValidateOptions{})
	want := []Finding{{Kind: FindingProductLoop, Severity: SeverityWarning, Product: "a",
		File: "pipelines/facts/a/a1/sql-scripts/dml.a1.sql", Line: 1, Col: 31,
		Message: "products a, b read each other in a loop (a.a1 reads b.b2; b.b1 reads a.a2): products must depend on each other one way"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings\n got %+v\nwant %+v", got, want)
	}
}

// TestScanSkipsProducts: the manifests' folder is not a layer, even when
// it holds something that looks like a table.
func TestScanSkipsProducts(t *testing.T) {
	root := testfs.WritePipelines(t, map[string]string{
		"facts/a/a1/sql-scripts/ddl.a1.sql": "CREATE TABLE a1 (id INT);",
		"products/a.yaml":                   "product: a\nowner: {team: A}\n",
		"products/x/sql-scripts/ddl.x.sql":  "CREATE TABLE x (id INT);",
	})
	p, err := pipeline.Scan(context.Background(), root, pipeline.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tables) != 1 || len(p.Warnings) != 0 {
		t.Errorf("tables %d, warnings %v", len(p.Tables), p.Warnings)
	}
}
