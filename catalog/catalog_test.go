package catalog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/catalog"
	"github.com/shiftleft-dev/shiftleft/internal/testfs"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const treeDir = "testdata/tree/pipelines"

// shop is the fixture's manifest as the workspace hands it over.
var shop = catalog.Product{
	Name: "shop", ID: "sales.shop.Orders", Domain: "Sales", Team: "Shop Team", Contact: "shop@example.com",
	Description: "Orders of the web shop, joined with their customers.", Tags: []string{"orders"},
	Manifest: "products/shop.yaml",
	// A promoted release made shop_fct_orders_v2 the port's live version.
	Ports: []catalog.Port{{Table: "shop_fct_orders", LiveVersion: "shop_fct_orders_v2", Description: "one row per order", Consumers: []string{"crm"}, Freshness: "5m",
		Rules: []catalog.Rule{{Kind: "not_null", Text: "not_null(order_id)"}, {Kind: "unique", Text: "unique(order_id)"}, {Kind: "row_count", Text: "row_count(min 1)"}}}},
}

func scan(t testing.TB, root string, opts pipeline.ScanOptions) *pipeline.Project {
	t.Helper()
	p, err := pipeline.Scan(context.Background(), root, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func build(t *testing.T, results *catalog.Results) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Build(catalog.Input{Title: "fixture", Project: scan(t, treeDir, pipeline.ScanOptions{KeepSQL: true}),
		Products: []catalog.Product{shop}, Results: results})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testfs.Golden(t, filepath.Join("testdata", name), got, *update)
}

// TestCatalogJSON pins the data the page embeds for the fixture tree,
// with the quality results applied.
func TestCatalogJSON(t *testing.T) {
	res, err := catalog.ReadResults("testdata/results.json")
	if err != nil {
		t.Fatal(err)
	}
	res.File = "results.json" // the golden file does not depend on where the test runs
	data, err := catalog.JSON(build(t, res))
	if err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, data, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	golden(t, "catalog.golden.json", pretty.Bytes())
}

func TestBuild(t *testing.T) {
	c := build(t, nil)
	idx := map[string]int{}
	for i, tb := range c.Tables {
		idx[tb.Name] = i
		if i > 0 && c.Tables[i-1].Name >= tb.Name {
			t.Errorf("tables not sorted: %s before %s", c.Tables[i-1].Name, tb.Name)
		}
	}
	fct := c.Tables[idx["shop_fct_orders"]]
	var parents []string
	for _, p := range fct.Parents {
		parents = append(parents, c.Tables[p].Name)
	}
	if got := strings.Join(parents, ","); got != "src_shop_customers,src_shop_orders" {
		t.Errorf("parents of shop_fct_orders = %s", got)
	}
	if !fct.Stateful || !strings.Contains(strings.ToUpper(fct.StateReason), "JOIN") {
		t.Errorf("shop_fct_orders state = %v %q, want stateful because of the join", fct.Stateful, fct.StateReason)
	}
	if !fct.Port {
		t.Error("shop_fct_orders is the shop's port")
	}
	if len(fct.Columns) != 3 || fct.Columns[0] != (catalog.Column{Name: "order_id", Type: "STRING", NotNull: true, Key: true}) {
		t.Errorf("columns = %+v", fct.Columns)
	}
	if !strings.Contains(fct.DML, "JOIN src_shop_customers") || fct.DMLPath != "facts/shop/shop_fct_orders/sql-scripts/dml.shop_fct_orders.sql" {
		t.Errorf("DML %q at %q", fct.DML, fct.DMLPath)
	}
	if dim := c.Tables[idx["crm_dim_customers"]]; dim.Stateful || dim.StateReason != "" {
		t.Errorf("crm_dim_customers = stateful %v %q, want stateless", dim.Stateful, dim.StateReason)
	}
	var names []string
	for _, p := range c.Products {
		names = append(names, p.Name)
	}
	// crm has no manifest: it is still a product of the catalog.
	if got := strings.Join(names, ","); got != "crm,shop" {
		t.Errorf("products = %s", got)
	}
	if c.Products[0].Tables != 2 || c.Products[1].Tables != 3 || c.Products[0].Manifest != "" {
		t.Errorf("products = %+v", c.Products)
	}
}

// TestBuildWithoutKeptSQL reads the SQL and the columns from the files
// when the scan kept neither.
func TestBuildWithoutKeptSQL(t *testing.T) {
	kept := build(t, nil)
	c, err := catalog.Build(catalog.Input{Title: "fixture", Project: scan(t, treeDir, pipeline.ScanOptions{}), Products: []catalog.Product{shop}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := catalog.JSON(kept)
	b, _ := catalog.JSON(c)
	if !bytes.Equal(a, b) {
		t.Error("the catalog differs when the scan did not keep the SQL")
	}
	// With table definitions from the scan, the columns are the same.
	c, err = catalog.Build(catalog.Input{Title: "fixture", Project: scan(t, treeDir, pipeline.ScanOptions{KeepSQL: true, TableDefinitions: true}), Products: []catalog.Product{shop}})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ = catalog.JSON(c); !bytes.Equal(a, b) {
		t.Error("the catalog differs when the scan read table definitions")
	}
}

func TestBuildNoProject(t *testing.T) {
	if _, err := catalog.Build(catalog.Input{}); err == nil {
		t.Error("Build without a project must fail")
	}
}

func page(t *testing.T, c *catalog.Catalog) string {
	t.Helper()
	var buf bytes.Buffer
	if err := catalog.WriteHTML(&buf, c); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestHTMLSelfContained: nothing in the page is fetched from the network,
// and the SQL of the fixture (which holds "</script>" and "<!--") cannot
// end the data element.
func TestHTMLSelfContained(t *testing.T) {
	c := build(t, nil)
	html := page(t, c)
	for _, s := range []string{"{{TITLE}}", "{{STYLE}}", "{{SCRIPT}}", "{{DATA}}"} {
		if strings.Contains(html, s) {
			t.Errorf("placeholder %s left in the page", s)
		}
	}
	// The only URL allowed is the SVG namespace, a name and not a resource.
	urls := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s"'<>)]*`).FindAllString(html, -1)
	for _, u := range urls {
		if u != "http://www.w3.org/2000/svg" {
			t.Errorf("page refers to %s: it must need no network", u)
		}
	}
	for _, re := range []string{`(?i)<script[^>]+src=`, `(?i)<link[^>]+rel="?stylesheet`, `(?i)@import`, `(?i)url\(\s*['"]?(https?:)?//`} {
		if regexp.MustCompile(re).MatchString(html) {
			t.Errorf("page loads a resource (%s)", re)
		}
	}
	if n := strings.Count(strings.ToLower(html), "</script"); n != 2 {
		t.Errorf("page has %d </script (want 2: the data and the script elements); the SQL escaped its element", n)
	}
	if strings.Contains(html, "<!-- a comment") || strings.Contains(html, "<script>alert") {
		t.Error("SQL text is in the page unescaped")
	}
	// The data element still holds the whole catalog, parseable as JSON.
	m := regexp.MustCompile(`(?s)<script type="application/json" id="catalog-data">(.*?)</script>`).FindStringSubmatch(html)
	if m == nil {
		t.Fatal("no data element")
	}
	var back catalog.Catalog
	if err := json.Unmarshal([]byte(m[1]), &back); err != nil {
		t.Fatalf("embedded data: %v", err)
	}
	if len(back.Tables) != len(c.Tables) || !strings.Contains(back.Tables[2].DDL, "</script><script>alert(1)</script> <!--") {
		t.Errorf("embedded data lost the SQL: %q", back.Tables[2].DDL)
	}
}

func TestHTMLTitleEscaped(t *testing.T) {
	c := build(t, nil)
	c.Title = `<b>"x"</b>`
	html := page(t, c)
	if strings.Contains(html, "<b>") || !strings.Contains(html, "&lt;b&gt;&#34;x&#34;&lt;/b&gt;") {
		t.Error("the title is not escaped in the page")
	}
}

// TestHTMLDeterministic: the same tree gives the same bytes.
func TestHTMLDeterministic(t *testing.T) {
	if page(t, build(t, nil)) != page(t, build(t, nil)) {
		t.Error("two pages of the same tree differ")
	}
}

// TestDefaultTitle: the catalog is named after the folder holding the
// pipelines, unless that folder is a hidden scratch one.
func TestDefaultTitle(t *testing.T) {
	for root, want := range map[string]string{
		"/work/shop/pipelines":  "shop",
		"/work/.demo/pipelines": "pipelines",
		"/pipelines":            "pipelines",
	} {
		c, err := catalog.Build(catalog.Input{Project: &pipeline.Project{Root: filepath.FromSlash(root)}})
		if err != nil {
			t.Fatal(err)
		}
		if c.Title != want {
			t.Errorf("title for %s = %q, want %q", root, c.Title, want)
		}
	}
}
