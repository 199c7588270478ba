package flinkdataproducts

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// TestScan scans the samples with the real scanner (strict: every reference
// must be a table of the project or of seeds/external_tables.json) and
// checks the graph the README describes, the state of each table and that
// pipelines/inventory.json is what `table build-inventory` writes.
func TestScan(t *testing.T) {
	p, err := pipeline.Scan(context.Background(), root, pipeline.ScanOptions{Strict: true, TableDefinitions: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Warnings) > 0 {
		t.Errorf("warnings: %v", p.Warnings)
	}
	want := []struct {
		name     string
		parents  string
		stateful bool
	}{
		{"src_saleops_sales_transactions", "raw_sales_transactions", true},
		{"src_saleops_customer_history", "raw_customer_history", false},
		{"src_saleops_product_catalog", "raw_product_catalog", true},
		{"saleops_dim_customer", "src_saleops_customer_history", true},
		{"saleops_dim_product", "src_saleops_product_catalog", false},
		{"saleops_dim_time", "src_saleops_sales_transactions", true},
		{"saleops_fct_revenue", "saleops_dim_customer,saleops_dim_product,saleops_dim_time,src_saleops_sales_transactions", true},
		{"src_c360_customers", "raw_c360_customers", true},
		{"src_c360_transactions", "raw_c360_transactions", true},
		{"src_c360_transaction_items", "raw_c360_transaction_items", true},
		{"src_c360_products", "raw_c360_products", true},
		{"src_c360_loyalty_program", "raw_c360_loyalty_program", true},
		{"src_c360_support_tickets", "raw_c360_support_tickets", true},
		{"src_c360_app_usage", "raw_c360_app_usage", false},
		{"int_c360_customer_transactions", "src_c360_products,src_c360_transaction_items,src_c360_transactions", true},
		{"c360_fct_customer_profile", "int_c360_customer_transactions,src_c360_app_usage,src_c360_customers,src_c360_loyalty_program,src_c360_support_tickets", true},
		{"c360_customer_analytics", "c360_fct_customer_profile,src_c360_customers", true},
	}
	deployable := 0
	for _, tb := range p.Tables {
		if tb.Deployable() {
			deployable++
		}
	}
	if deployable != len(want) {
		t.Errorf("%d deployable tables, want %d", deployable, len(want))
	}
	for _, w := range want {
		tb := p.Table(w.name)
		if tb == nil {
			t.Errorf("scan did not find %s", w.name)
			continue
		}
		if got := strings.Join(tb.Parents, ","); got != w.parents || len(tb.External) != 0 || tb.Stateful != w.stateful {
			t.Errorf("%s: parents %s, external %v, stateful %v; want parents %s, stateful %v",
				w.name, got, tb.External, tb.Stateful, w.parents, w.stateful)
		}
		if tb.DDL == nil || len(tb.DDL.Tables) != 1 || len(tb.DDL.Tables[0].PrimaryKey) == 0 || len(tb.DDL.Tables[0].DistributedBy) == 0 {
			t.Errorf("%s: DDL without a primary key or DISTRIBUTED BY", w.name)
		}
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p.Inventory()); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, pipeline.InventoryFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Errorf("pipelines/inventory.json differs from the scanner's inventory:\n%s", buf.String())
	}
}
