package products

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// Description is what `product describe` shows of one product: its
// manifest, the columns of each port from its DDL, its tables, and the
// products it reads and that read it, from the project's dependencies.
type Description struct {
	Product     string            `json:"product"`
	ID          string            `json:"id,omitempty"`
	Domain      string            `json:"domain,omitempty"`
	Owner       Owner             `json:"owner"`
	Description string            `json:"description,omitempty"`
	Tags        []string          `json:"tags"`
	Path        string            `json:"path"`
	Ports       []PortDescription `json:"output_ports"`
	// Tables are the product's tables, sorted.
	Tables []string `json:"tables"`
	// Upstream are the products this one reads, sorted; UpstreamReads the
	// reads themselves.
	Upstream      []string `json:"upstream"`
	UpstreamReads []Link   `json:"upstream_reads"`
	// Downstream are the products that read this one, sorted;
	// DownstreamReads the reads themselves.
	Downstream      []string `json:"downstream"`
	DownstreamReads []Link   `json:"downstream_reads"`
}

// PortDescription is a port with the columns of its table.
type PortDescription struct {
	Port
	// Columns are from the port's DDL; nil when the table has no DDL
	// (ColumnsError then says why).
	Columns      []Column `json:"columns"`
	ColumnsError string   `json:"columns_error,omitempty"`
	// ReadBy are the tables of other products that read the port, sorted.
	ReadBy []string `json:"read_by"`
	// LiveVersion is the physical name of the port's live version when a
	// promoted release renamed it (<table>_v<N>), "" otherwise. The
	// workspace sets it from the target's release document.
	LiveVersion string `json:"live_version,omitempty"`
}

// Column is a column of a port's DDL.
type Column struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
	Key      bool   `json:"key"` // part of the primary key
}

// Link is one read between tables of two products.
type Link struct {
	Reader        string `json:"reader"`
	ReaderProduct string `json:"reader_product"`
	Read          string `json:"read"`
	ReadProduct   string `json:"read_product"`
	// Port says the read table is an output port of its product.
	Port bool `json:"port"`
}

// Describe describes the product whose id or name is key; nil when no
// manifest has that key. Cost: O(tables + references), plus reading and
// analysing each port's DDL when the scan did not keep table definitions.
func Describe(p *pipeline.Project, ms []Manifest, key string) *Description {
	m := Find(ms, key)
	if m == nil {
		return nil
	}
	byProduct := map[string]*Manifest{}
	for i := range ms {
		byProduct[ms[i].Product] = &ms[i]
	}
	d := &Description{Product: m.Product, ID: m.ID, Domain: m.Domain, Owner: m.Owner, Description: m.Description,
		Tags: nonNil(m.Tags), Path: m.Path, Tables: []string{}, Upstream: []string{}, UpstreamReads: []Link{},
		Downstream: []string{}, DownstreamReads: []Link{}, Ports: []PortDescription{}}
	for _, t := range owned(p) {
		if t.Product == m.Product {
			d.Tables = append(d.Tables, t.Name)
		}
	}
	readBy := map[string][]string{}
	up, down := map[string]bool{}, map[string]bool{}
	for _, r := range crossReads(p, byProduct) {
		l := Link{Reader: r.from.Name, ReaderProduct: r.from.Product, Read: r.to.Name, ReadProduct: r.to.Product, Port: r.port}
		if r.from.Product == m.Product {
			d.UpstreamReads = append(d.UpstreamReads, l)
			up[r.to.Product] = true
		}
		if r.to.Product == m.Product {
			d.DownstreamReads = append(d.DownstreamReads, l)
			down[r.from.Product] = true
			readBy[r.to.Name] = append(readBy[r.to.Name], r.from.Name)
		}
	}
	d.Upstream, d.Downstream = sortedKeys(up), sortedKeys(down)
	for _, port := range m.OutputPorts {
		pd := PortDescription{Port: port, ReadBy: nonNil(readBy[port.Table])}
		pd.Consumers, pd.Quality = nonNil(pd.Consumers), nonNilRules(pd.Quality)
		sort.Strings(pd.ReadBy)
		t := p.Table(port.Table)
		def, err := Definition(p, t)
		switch {
		case t == nil:
			pd.ColumnsError = fmt.Sprintf("%s is not a table of the project", port.Table)
		case err != nil:
			pd.ColumnsError = err.Error()
		case def == nil:
			pd.ColumnsError = fmt.Sprintf("table %s has no CREATE TABLE", port.Table)
		default:
			pd.Columns = columns(def)
		}
		d.Ports = append(d.Ports, pd)
	}
	return d
}

func columns(def *flinksql.TableDefinition) []Column {
	key := map[string]bool{}
	for _, k := range def.PrimaryKey {
		key[strings.ToLower(k)] = true
	}
	out := make([]Column, 0, len(def.Columns))
	for _, c := range def.Columns {
		k := key[strings.ToLower(c.Name)]
		// A primary key column is NOT NULL in Flink even when not written so.
		out = append(out, Column{Name: c.Name, Type: c.Type, Nullable: !c.NotNull && !k, Key: k})
	}
	return out
}

// Definition returns the CREATE TABLE of t from its DDL: from the scan when
// it kept table definitions, else by reading and analysing the DDL file
// (one file: ports are few). nil, nil when t is nil or has no DDL
// defining it.
func Definition(p *pipeline.Project, t *pipeline.Table) (*flinksql.TableDefinition, error) {
	if t == nil || t.DDLPath == "" {
		return nil, nil
	}
	a := t.DDL
	if a == nil || len(a.Tables) == 0 {
		path := filepath.Join(p.Root, filepath.FromSlash(t.DDLPath))
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read the DDL of %s: %w", t.Name, err)
		}
		var az flinksql.Analyzer
		if a, err = az.Analyze(src); err != nil {
			return nil, fmt.Errorf("%s/%s: %w", filepath.Base(p.Root), t.DDLPath, err)
		}
	}
	for i := range a.Tables {
		if a.Tables[i].Name.Table() == t.Name {
			return &a.Tables[i], nil
		}
	}
	if len(a.Tables) == 1 {
		return &a.Tables[0], nil
	}
	return nil, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilRules(r []Rule) []Rule {
	if r == nil {
		return []Rule{}
	}
	return r
}

// Summary is one row of `product list`.
type Summary struct {
	Product string `json:"product"`
	ID      string `json:"id,omitempty"`
	Domain  string `json:"domain,omitempty"`
	Owner   string `json:"owner,omitempty"`
	Ports   int    `json:"ports"`
	Tables  int    `json:"tables"`
	Path    string `json:"path"`
}

// Summaries lists the products of the manifests with the number of their
// ports and of their tables in the project, sorted by product.
func Summaries(p *pipeline.Project, ms []Manifest) []Summary {
	count := map[string]int{}
	for _, t := range owned(p) {
		count[t.Product]++
	}
	out := make([]Summary, 0, len(ms))
	for _, m := range ms {
		out = append(out, Summary{Product: m.Product, ID: m.ID, Domain: m.Domain, Owner: m.Owner.Team,
			Ports: len(m.OutputPorts), Tables: count[m.Product], Path: m.Path})
	}
	return out
}
