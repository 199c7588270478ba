package workspace_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/impact"
	"github.com/shiftleft-dev/shiftleft/internal/testfs"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

func openProductSamples(t *testing.T) *workspace.Workspace {
	t.Helper()
	return openWorkspace(t, workspace.Options{PipelinesDir: testfs.SamplesDir(), WorkDir: t.TempDir()})
}

func TestProductUseCases(t *testing.T) {
	ws := openProductSamples(t)
	ctx := context.Background()
	list, err := ws.ListProducts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Products) != 2 || list.Products[0].ID != "customer.analytics.C360" || list.Products[1].Product != "saleops" {
		t.Errorf("list %+v", list.Products)
	}
	d, err := ws.DescribeProduct(ctx, "customer.analytics.C360")
	if err != nil {
		t.Fatal(err)
	}
	if d.Product != "c360" || len(d.Ports) != 2 || len(d.Ports[0].Columns) == 0 {
		t.Errorf("describe %+v", d)
	}
	_, err = ws.DescribeProduct(ctx, "customer.analytics.Nope")
	var re *workspace.RequestError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "customer.analytics.C360 (c360), sales.operations.Revenue (saleops)") {
		t.Errorf("unknown product: %v", err)
	}
	v, err := ws.ValidateProducts(ctx, workspace.ValidateProductsRequest{Strict: true})
	if err != nil || v.Products != 2 || v.Errors != 0 || v.Warnings != 0 {
		t.Errorf("validate the samples: %+v %v", v, err)
	}
}

func TestAddContracts(t *testing.T) {
	ws := openProductSamples(t)
	rep := impact.Report{Changed: []impact.ChangedTable{
		{Table: "saleops_fct_revenue", Change: "ddl", Schema: &changes.SchemaChange{Category: changes.Breaking, Reasons: []string{"column currency removed"}}},
		{Table: "saleops_dim_time", Change: "ddl", Schema: &changes.SchemaChange{Category: changes.Breaking}},
	}}
	if err := ws.AddContracts(context.Background(), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Contracts) != 1 {
		t.Fatalf("contracts %+v", rep.Contracts)
	}
	c := rep.Contracts[0]
	if c.Port != "saleops_fct_revenue" || !c.Breaking() || strings.Join(c.ConsumersOf(), ",") != "finance,product" {
		t.Errorf("contract %+v", c)
	}
}
