package workspace_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/internal/testfs"
	"github.com/shiftleft-dev/shiftleft/products"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// openSamplesCopy opens a copy of the samples, so the catalog's default
// folder (beside the pipelines folder) is a temporary one.
func openSamplesCopy(t *testing.T) *workspace.Workspace {
	t.Helper()
	dir := t.TempDir()
	testfs.CopyTree(t, testfs.SamplesDir(), filepath.Join(dir, "pipelines"))
	return openWorkspace(t, workspace.Options{PipelinesDir: filepath.Join(dir, "pipelines"), KeepSQL: true, WorkDir: dir})
}

// TestGenerateCatalog writes the samples' catalog where docs generate
// does without --out, with both manifests in it.
func TestGenerateCatalog(t *testing.T) {
	ws := openSamplesCopy(t)
	res, err := ws.GenerateCatalog(context.Background(), workspace.CatalogRequest{})
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(filepath.Dir(ws.Project.Root), ".shiftleft", "catalog", "index.html")
	if res.Path != want {
		t.Errorf("catalog written to %s, want %s", res.Path, want)
	}
	page, err := os.ReadFile(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	if res.Bytes != len(page) || res.Tables != len(ws.Project.Tables) || res.Products != 2 {
		t.Errorf("result = %+v, page of %d bytes, %d tables", res, len(page), len(ws.Project.Tables))
	}
	for _, s := range []string{`"id":"customer.analytics.C360"`, `"team":"Customer Experience/CRM"`, `"table":"c360_customer_analytics"`,
		`"text":"accepted_values(churn_risk: LOW, MEDIUM, HIGH)"`, `"manifest":"products/saleops.yaml"`} {
		if !strings.Contains(string(page), s) {
			t.Errorf("the page lacks %s", s)
		}
	}
	out := t.TempDir()
	res, err = ws.GenerateCatalog(context.Background(), workspace.CatalogRequest{OutDir: out})
	if err != nil || res.Path != filepath.Join(out, "index.html") {
		t.Errorf("with OutDir: %+v, %v", res, err)
	}
}

func TestServeCatalog(t *testing.T) {
	ws := openSamplesCopy(t)
	var re *workspace.RequestError
	if err := ws.ServeCatalog(context.Background(), workspace.ServeCatalogRequest{Addr: "0.0.0.0:0"}); !errors.As(err, &re) {
		t.Fatalf("serving on every interface = %v, want a RequestError", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	urls, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- ws.ServeCatalog(ctx, workspace.ServeCatalogRequest{Addr: "127.0.0.1:0", Ready: func(u string) { urls <- u }})
	}()
	select {
	case u := <-urls:
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "customer.analytics.C360") {
			t.Errorf("GET %s = %d, %d bytes without the c360 product", u, resp.StatusCode, len(body))
		}
	case err := <-done:
		t.Fatalf("ServeCatalog: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("ServeCatalog did not say it was ready")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ServeCatalog after cancel = %v", err)
	}
}

func TestRuleText(t *testing.T) {
	one, ten := int64(1), int64(10)
	for _, tc := range []struct {
		rule products.Rule
		want string
	}{
		{products.Rule{Kind: products.NotNull, Columns: []string{"a", "b"}}, "not_null(a, b)"},
		{products.Rule{Kind: products.Unique, Columns: []string{"id"}}, "unique(id)"},
		{products.Rule{Kind: products.AcceptedValues, Column: "tier", Values: []string{"GOLD", "SILVER"}}, "accepted_values(tier: GOLD, SILVER)"},
		{products.Rule{Kind: products.RowCount, Min: &one}, "row_count(min 1)"},
		{products.Rule{Kind: products.RowCount, Min: &one, Max: &ten}, "row_count(min 1, max 10)"},
		{products.Rule{Kind: products.RowCount, Max: &ten}, "row_count(max 10)"},
		{products.Rule{Kind: products.Expression, Expression: "total >= 0"}, "expression(total >= 0)"},
	} {
		if got := workspace.RuleText(tc.rule); got != tc.want {
			t.Errorf("RuleText(%+v) = %q, want %q", tc.rule, got, tc.want)
		}
	}
}
