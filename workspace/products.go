package workspace

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/impact"
	"github.com/shiftleft-dev/shiftleft/products"
)

// Manifests reads the data-product manifests of the pipelines folder
// (products/<product>.yaml); their warnings (unknown keys) join the
// workspace's. Cost: one read and parse per manifest.
func (ws *Workspace) Manifests(ctx context.Context) ([]products.Manifest, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ms, warns, err := products.Load(ws.Project.Root)
	ws.mu.Lock()
	ws.Warnings = append(ws.Warnings, warns...)
	ws.mu.Unlock()
	return ms, err
}

// ProductList is the result of ListProducts.
type ProductList struct {
	Products []products.Summary `json:"products"`
}

// ListProducts lists the declared products with their ports and tables.
func (ws *Workspace) ListProducts(ctx context.Context) (*ProductList, error) {
	ms, err := ws.Manifests(ctx)
	if err != nil {
		return nil, err
	}
	return &ProductList{Products: products.Summaries(ws.Project, ms)}, nil
}

// DescribeProduct describes the product whose id or name is key. An
// unknown key is a RequestError listing the known products.
func (ws *Workspace) DescribeProduct(ctx context.Context, key string) (*products.Description, error) {
	ms, err := ws.Manifests(ctx)
	if err != nil {
		return nil, err
	}
	d := products.Describe(ws.Project, ms, key)
	if d == nil {
		return nil, &RequestError{Msg: unknownProduct(key, ms)}
	}
	ws.WorkOn(d.Tables...)
	live, err := ws.ProjectLive(ctx)
	if err != nil {
		return nil, err
	}
	for i := range d.Ports {
		if n := live.Name(d.Ports[i].Table); n != d.Ports[i].Table {
			d.Ports[i].LiveVersion = n
		}
	}
	return d, nil
}

func unknownProduct(key string, ms []products.Manifest) string {
	if len(ms) == 0 {
		return fmt.Sprintf("no product %q: the pipelines folder declares no product (add %s/<product>.yaml)", key, products.Dir)
	}
	known := make([]string, 0, len(ms))
	for _, m := range ms {
		k := m.Product
		if m.ID != "" {
			k = m.ID + " (" + m.Product + ")"
		}
		known = append(known, k)
	}
	return fmt.Sprintf("no product %q: the declared products are %s", key, strings.Join(known, ", "))
}

// ValidateProductsRequest asks ValidateProducts for the mesh rule's
// severity.
type ValidateProductsRequest struct {
	// Strict makes mesh violations and cycles between products errors.
	Strict bool
}

// ProductValidation is the result of ValidateProducts.
type ProductValidation struct {
	Products int                `json:"products"`
	Findings []products.Finding `json:"findings"`
	Errors   int                `json:"errors"`
	Warnings int                `json:"warnings"`
}

// ValidateProducts checks the manifests against the project (see
// products.Validate). Findings are values, not an error: the caller
// decides how an error finding ends the command.
func (ws *Workspace) ValidateProducts(ctx context.Context, req ValidateProductsRequest) (*ProductValidation, error) {
	ms, err := ws.Manifests(ctx)
	if err != nil {
		return nil, err
	}
	fs := products.Validate(ws.Project, ms, products.ValidateOptions{Strict: req.Strict})
	v := &ProductValidation{Products: len(ms), Findings: fs}
	if v.Findings == nil {
		v.Findings = []products.Finding{}
	}
	for _, f := range fs {
		if f.Severity == products.SeverityError {
			v.Errors++
		} else {
			v.Warnings++
		}
	}
	return v, nil
}

// AddContracts sets rep.Contracts: the changed tables of the report that
// are output ports of the declared products, classified by the schema
// change rules, each with the products that read the port and the
// consumers its manifest declares. A project without manifests has no
// contracts: rep.Contracts stays nil.
func (ws *Workspace) AddContracts(ctx context.Context, rep *impact.Report) error {
	ms, err := ws.Manifests(ctx)
	if err != nil || len(ms) == 0 {
		return err
	}
	// Who reads each table, by product. A deleted port is no longer a
	// table of the project: its readers now name it as an external
	// reference, which counts too.
	readBy := map[string]map[string]bool{}
	addReader := func(table, product string) {
		if product == "" {
			return
		}
		if readBy[table] == nil {
			readBy[table] = map[string]bool{}
		}
		readBy[table][product] = true
	}
	for _, t := range ws.Project.Tables {
		for _, parent := range t.Parents {
			addReader(parent, t.Product)
		}
		for _, ext := range t.External {
			addReader(ext[strings.LastIndexByte(ext, '.')+1:], t.Product)
		}
	}
	var ports []impact.ContractPort
	for _, m := range ms {
		for _, p := range m.OutputPorts {
			var readers []string
			for prod := range readBy[p.Table] {
				if prod != m.Product {
					readers = append(readers, prod)
				}
			}
			sort.Strings(readers)
			ports = append(ports, impact.ContractPort{Product: m.Product, ProductID: m.ID, Table: p.Table, Consumers: p.Consumers, ReadBy: readers})
		}
	}
	rep.Contracts = impact.Contracts(*rep, ports)
	return nil
}
