package workspace

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/shiftleft-dev/shiftleft/catalog"
	"github.com/shiftleft-dev/shiftleft/internal/atomicfile"
	"github.com/shiftleft-dev/shiftleft/products"
)

// CatalogFile is the name of the catalog page in its folder.
const CatalogFile = "index.html"

// CatalogRequest asks for the data catalog of the tree.
type CatalogRequest struct {
	// OutDir is the folder the page is written to; "" is
	// DefaultCatalogDir.
	OutDir string
	// ResultsPath is a results file of `product check` whose statuses the
	// quality rules show, or "".
	ResultsPath string
}

// CatalogResult says what GenerateCatalog wrote.
type CatalogResult struct {
	// Path is the page written, absolute.
	Path     string
	Tables   int
	Products int
	Bytes    int
}

// DefaultCatalogDir is where the catalog goes without --out: .shiftleft/
// catalog beside the pipelines folder, next to the local target's state,
// so generating it never writes inside the pipelines.
func (ws *Workspace) DefaultCatalogDir() string {
	return filepath.Join(filepath.Dir(ws.Project.Root), ".shiftleft", "catalog")
}

// GenerateCatalog writes the catalog page (one self-contained HTML file,
// see package catalog) to OutDir/index.html, atomically (a reader sees the
// old page or the new one). Cost: the
// manifests, Catalog and one encoding of the page, linear in the tree.
func (ws *Workspace) GenerateCatalog(ctx context.Context, req CatalogRequest) (*CatalogResult, error) {
	page, c, err := ws.CatalogPage(ctx, req.ResultsPath)
	if err != nil {
		return nil, err
	}
	dir := req.OutDir
	if dir == "" {
		dir = ws.DefaultCatalogDir()
	}
	dir = ws.opts.abs(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("catalog folder: %w", err)
	}
	path := filepath.Join(dir, CatalogFile)
	// Atomic but not fsynced: the page is rebuilt from the tree at will,
	// and syncing 20 MB on a busy disk costs more than building it.
	if err := atomicfile.WriteWith(path, page, 0o644, atomicfile.Options{NoSync: true}); err != nil {
		return nil, fmt.Errorf("write the catalog: %w", err)
	}
	return &CatalogResult{Path: path, Tables: len(c.Tables), Products: len(c.Products), Bytes: len(page)}, nil
}

// ServeCatalogRequest asks to serve the catalog page.
type ServeCatalogRequest struct {
	// Addr is a loopback host:port (port 0 picks a free one).
	Addr        string
	ResultsPath string
	// Ready receives the page's URL once it is served.
	Ready func(url string)
}

// ServeCatalog builds the catalog page once and serves it on a loopback
// address until ctx is cancelled (see catalog.Serve). A non-loopback
// address is a RequestError, refused before anything is built.
func (ws *Workspace) ServeCatalog(ctx context.Context, req ServeCatalogRequest) error {
	if err := catalog.CheckLoopback(req.Addr); err != nil {
		return &RequestError{Msg: err.Error()}
	}
	page, _, err := ws.CatalogPage(ctx, req.ResultsPath)
	if err != nil {
		return err
	}
	return catalog.Serve(ctx, req.Addr, page, req.Ready)
}

// CatalogPage builds the catalog of the tree and its HTML page. Warnings
// of the manifests go to the logger; a malformed manifest or results file
// is an error naming the file.
func (ws *Workspace) CatalogPage(ctx context.Context, resultsPath string) ([]byte, *catalog.Catalog, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	in, err := ws.catalogInput(resultsPath)
	if err != nil {
		return nil, nil, err
	}
	live, err := ws.ProjectLive(ctx)
	if err != nil {
		return nil, nil, err
	}
	for i := range in.Products {
		for j := range in.Products[i].Ports {
			port := &in.Products[i].Ports[j]
			if n := live.Name(port.Table); n != port.Table {
				port.LiveVersion = n
			}
		}
	}
	c, err := catalog.Build(in)
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	if err := catalog.WriteHTML(&buf, c); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), c, nil
}

// catalogInput gathers what the catalog shows: the scanned tree, the
// product manifests and the quality results.
func (ws *Workspace) catalogInput(resultsPath string) (catalog.Input, error) {
	ms, warns, err := products.Load(ws.Project.Root)
	if err != nil {
		return catalog.Input{}, err
	}
	for _, w := range warns {
		ws.log.Warn(w.String())
	}
	in := catalog.Input{Project: ws.Project, Products: make([]catalog.Product, 0, len(ms))}
	for _, m := range ms {
		in.Products = append(in.Products, catalogProduct(m))
	}
	if resultsPath != "" {
		if in.Results, err = catalog.ReadResults(ws.opts.abs(resultsPath)); err != nil {
			return catalog.Input{}, err
		}
	}
	return in, nil
}

// catalogProduct is what the catalog shows of a manifest.
func catalogProduct(m products.Manifest) catalog.Product {
	p := catalog.Product{Name: m.Product, ID: m.ID, Domain: m.Domain, Team: m.Owner.Team, Contact: m.Owner.Contact,
		Description: m.Description, Tags: m.Tags, Manifest: m.Path}
	for _, port := range m.OutputPorts {
		cp := catalog.Port{Table: port.Table, Description: port.Description, Consumers: port.Consumers, Freshness: port.Freshness}
		for _, r := range port.Quality {
			cp.Rules = append(cp.Rules, catalog.Rule{Kind: r.Kind, Text: RuleText(r)})
		}
		p.Ports = append(p.Ports, cp)
	}
	return p
}

// RuleText is a quality rule in one line, as the catalog shows it:
// not_null(a, b), accepted_values(tier: GOLD, SILVER), row_count(min 1,
// max 10), expression(total >= 0).
func RuleText(r products.Rule) string {
	var args string
	switch r.Kind {
	case products.NotNull, products.Unique:
		args = strings.Join(r.Columns, ", ")
	case products.AcceptedValues:
		args = r.Column + ": " + strings.Join(r.Values, ", ")
	case products.RowCount:
		var parts []string
		if r.Min != nil {
			parts = append(parts, "min "+strconv.FormatInt(*r.Min, 10))
		}
		if r.Max != nil {
			parts = append(parts, "max "+strconv.FormatInt(*r.Max, 10))
		}
		args = strings.Join(parts, ", ")
	case products.Expression:
		args = r.Expression
	}
	return r.Kind + "(" + args + ")"
}
