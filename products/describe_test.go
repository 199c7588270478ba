package products

import (
	"reflect"
	"testing"
)

func TestDescribe(t *testing.T) {
	p, ms := scanAndLoad(t, "testdata/mesh/pipelines")
	if Describe(p, ms, "nope") != nil {
		t.Error("an unknown product is described")
	}
	d := Describe(p, ms, "sales.orders.Orders")
	if d == nil {
		t.Fatal("not found by id")
	}
	if !reflect.DeepEqual(d.Tables, []string{"fct_orders", "src_orders"}) {
		t.Errorf("tables %v", d.Tables)
	}
	if !reflect.DeepEqual(d.Downstream, []string{"marketing"}) || len(d.Upstream) != 0 {
		t.Errorf("upstream %v downstream %v", d.Upstream, d.Downstream)
	}
	wantReads := []Link{
		{Reader: "fct_campaign", ReaderProduct: "marketing", Read: "fct_orders", ReadProduct: "sales", Port: true},
		{Reader: "fct_campaign", ReaderProduct: "marketing", Read: "src_orders", ReadProduct: "sales"},
	}
	if !reflect.DeepEqual(d.DownstreamReads, wantReads) {
		t.Errorf("downstream reads %+v", d.DownstreamReads)
	}
	if len(d.Ports) != 1 {
		t.Fatalf("ports %+v", d.Ports)
	}
	port := d.Ports[0]
	wantCols := []Column{
		{Name: "order_id", Type: "STRING", Nullable: false, Key: true},
		{Name: "amount", Type: "DECIMAL(10, 2)", Nullable: true},
		{Name: "status", Type: "STRING", Nullable: false},
	}
	if !reflect.DeepEqual(port.Columns, wantCols) || port.ColumnsError != "" {
		t.Errorf("columns %+v (%s)", port.Columns, port.ColumnsError)
	}
	if !reflect.DeepEqual(port.ReadBy, []string{"fct_campaign"}) || len(port.Quality) != 2 {
		t.Errorf("port %+v", port)
	}

	m := Describe(p, ms, "marketing")
	if !reflect.DeepEqual(m.Upstream, []string{"sales"}) || !reflect.DeepEqual(m.Downstream, []string{"finance"}) {
		t.Errorf("marketing upstream %v downstream %v", m.Upstream, m.Downstream)
	}
	if len(m.Ports) != 3 || m.Ports[1].ColumnsError != "fct_missing is not a table of the project" || m.Ports[1].Columns != nil {
		t.Errorf("marketing ports %+v", m.Ports)
	}
}

func TestSummaries(t *testing.T) {
	p, ms := scanAndLoad(t, "../flink_data_products/pipelines")
	got := Summaries(p, ms)
	want := []Summary{
		{Product: "c360", ID: "customer.analytics.C360", Domain: "Customer", Owner: "Customer Experience/CRM", Ports: 2, Tables: 10, Path: "products/c360.yaml"},
		{Product: "saleops", ID: "sales.operations.Revenue", Domain: "Sales", Owner: "Finance/Sales Operations", Ports: 1, Tables: 7, Path: "products/saleops.yaml"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("summaries\n got %+v\nwant %+v", got, want)
	}
}
