// Package catalog builds the data catalog of a pipelines tree — its data
// products, every table with its columns, type, state class and SQL, the
// lineage between tables and the last status of the quality rules — and
// writes it as one self-contained HTML page (WriteHTML) that needs no
// network, or serves that page on a loopback address (Serve).
package catalog

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// Version is the version of the catalog's data shape (the JSON the page
// embeds); it changes when a field changes meaning or goes away.
const Version = 1

// Catalog is what the page shows. It is plain data, embedded in the page
// as JSON; every listing is sorted so the page is byte-for-byte stable for
// the same tree.
type Catalog struct {
	Version int `json:"version"`
	// Title is the name of the pipelines folder's project.
	Title string `json:"title"`
	// Products are the products, sorted by name: those with a manifest and
	// those known only as a folder name under the layers.
	Products []Product `json:"products"`
	// Tables are sorted by name; Table.Parents index this slice.
	Tables []Table `json:"tables"`
	// Quality says where the rules' statuses come from (nil without a
	// results file).
	Quality *QualityRun `json:"quality,omitempty"`
}

// Product is a data product: the folder name used under the layers and,
// when it has a manifest, what the manifest declares.
type Product struct {
	Name        string   `json:"name"`
	ID          string   `json:"id,omitempty"`
	Domain      string   `json:"domain,omitempty"`
	Team        string   `json:"team,omitempty"`
	Contact     string   `json:"contact,omitempty"`
	Description string   `json:"description,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	// Manifest is the manifest file relative to the pipelines folder, ""
	// for a product known only from its tables.
	Manifest string `json:"manifest,omitempty"`
	Ports    []Port `json:"ports,omitempty"`
	// Tables is the number of tables of the product.
	Tables int `json:"tables"`
}

// Port is an output port of a product: a table other products may read.
type Port struct {
	Table       string   `json:"table"`
	Description string   `json:"description,omitempty"`
	Consumers   []string `json:"consumers,omitempty"`
	Freshness   string   `json:"freshness,omitempty"`
	Rules       []Rule   `json:"rules,omitempty"`
	// LiveVersion is the physical name of the port's live version when a
	// promoted release renamed it (<table>_v<N>), "" otherwise.
	LiveVersion string `json:"live_version,omitempty"`
}

// Rule is a data-quality rule of a port, with its last status when a
// results file was given.
type Rule struct {
	Kind string `json:"kind"`
	// Text is the rule in words, e.g. "not_null(customer_id)".
	Text string `json:"text"`
	// Status is pass, fail or error from the results file; "" when the
	// results say nothing about this rule.
	Status string `json:"status,omitempty"`
	// Count is the number of offending rows the check found.
	Count   int64  `json:"count,omitempty"`
	Message string `json:"message,omitempty"`
}

// QualityRun describes the results file the statuses come from.
type QualityRun struct {
	File      string `json:"file"`
	CheckedAt string `json:"checked_at,omitempty"`
	Target    string `json:"target,omitempty"`
	// Unmatched counts results naming no rule of the manifests (a rule
	// removed since the check, or a results file of another tree).
	Unmatched int `json:"unmatched,omitempty"`
}

// Table is one table of the tree.
type Table struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Product string `json:"product,omitempty"`
	// Stateful is the state class; StateReason names the construct that
	// makes the DML keep state ("" when stateless).
	Stateful    bool     `json:"stateful"`
	StateReason string   `json:"state_reason,omitempty"`
	Columns     []Column `json:"columns,omitempty"`
	DDLPath     string   `json:"ddl_path,omitempty"`
	DMLPath     string   `json:"dml_path,omitempty"`
	DDL         string   `json:"ddl,omitempty"`
	DML         string   `json:"dml,omitempty"`
	// Parents are indexes in Catalog.Tables of the tables this one reads.
	Parents []int `json:"parents"`
	// External are references outside the project, as written.
	External []string `json:"external,omitempty"`
	// Port is true when the table is an output port of its product.
	Port bool `json:"port,omitempty"`
}

// Column is one column of a table's DDL.
type Column struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	NotNull bool   `json:"not_null,omitempty"`
	Key     bool   `json:"key,omitempty"`
}

// Input is what Build reads.
type Input struct {
	// Title names the catalog (the project); "" is the name of the folder
	// holding the pipelines folder (the pipelines folder's own name when
	// that one is hidden, like .demo).
	Title   string
	Project *pipeline.Project
	// Products are the products declared by manifests, in any order.
	// Ports and rules keep the manifest's order.
	Products []Product
	// Results are the last quality-check results, or nil.
	Results *Results
}

// Build turns a scanned tree into a catalog. SQL text comes from the scan
// when it kept it (ScanOptions.KeepSQL), else from the files. Columns come
// from the scan's table definitions when it read them, else from a full
// analysis of the DDL text.
//
// Cost: O(tables + edges) plus one analysis of each DDL file (linear in
// its size) when the scan did not read table definitions.
func Build(in Input) (*Catalog, error) {
	p := in.Project
	if p == nil {
		return nil, fmt.Errorf("catalog: no project")
	}
	c := &Catalog{Version: Version, Title: in.Title, Tables: make([]Table, len(p.Tables))}
	if c.Title == "" && p.Root != "" {
		c.Title = filepath.Base(filepath.Dir(p.Root))
		// A scratch or hidden folder (.demo, /) names no project.
		if strings.HasPrefix(c.Title, ".") || c.Title == string(filepath.Separator) {
			c.Title = filepath.Base(p.Root)
		}
	}
	// Tables are ordered by name whatever order the project gives, so
	// Parents indexes agree with what the page lists.
	order := append([]*pipeline.Table(nil), p.Tables...)
	sort.SliceStable(order, func(i, j int) bool { return order[i].Name < order[j].Name })
	index := make(map[string]int, len(order))
	for i, t := range order {
		index[t.Name] = i
	}
	var az flinksql.Analyzer
	count := map[string]int{}
	for i, t := range order {
		ct := Table{Name: t.Name, Type: string(t.Type), Product: t.Product, Stateful: t.Stateful,
			DDLPath: t.DDLPath, DMLPath: t.DMLPath, External: t.External, Parents: []int{}}
		if t.Product != "" {
			count[t.Product]++
		}
		if t.Stateful && t.DML != nil {
			ct.StateReason = t.DML.StatefulBecause
		}
		ddl, dml, err := sqlText(p, t)
		if err != nil {
			return nil, err
		}
		ct.DDL, ct.DML = ddl, dml
		ct.Columns = columns(&az, t, ddl)
		for _, parent := range t.Parents {
			if j, ok := index[parent]; ok {
				ct.Parents = append(ct.Parents, j)
			}
		}
		sort.Ints(ct.Parents)
		c.Tables[i] = ct
	}

	c.Products = products(in.Products, count)
	for _, pr := range c.Products {
		for _, port := range pr.Ports {
			if i, ok := index[port.Table]; ok {
				c.Tables[i].Port = true
			}
		}
	}
	if in.Results != nil {
		c.Quality = in.Results.apply(c.Products)
	}
	return c, nil
}

// products merges the manifests with the product folders the tables name.
func products(declared []Product, count map[string]int) []Product {
	byName := map[string]Product{}
	for _, pr := range declared {
		pr.Tables = count[pr.Name]
		pr.Ports = append([]Port(nil), pr.Ports...)
		for i := range pr.Ports {
			pr.Ports[i].Rules = append([]Rule(nil), pr.Ports[i].Rules...)
		}
		byName[pr.Name] = pr
	}
	for name, n := range count {
		if _, ok := byName[name]; !ok {
			byName[name] = Product{Name: name, Tables: n}
		}
	}
	out := make([]Product, 0, len(byName))
	for _, pr := range byName {
		out = append(out, pr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// sqlText is the table's DDL and DML text: the scan's copy, else the files.
func sqlText(p *pipeline.Project, t *pipeline.Table) (ddl, dml string, err error) {
	if p.SQLKept {
		return t.DDLText, t.DMLText, nil
	}
	read := func(rel string) (string, error) {
		if rel == "" {
			return "", nil
		}
		b, err := os.ReadFile(filepath.Join(p.Root, filepath.FromSlash(rel)))
		if err != nil {
			return "", fmt.Errorf("catalog: table %s: %w", t.Name, err)
		}
		return string(b), nil
	}
	if ddl, err = read(t.DDLPath); err != nil {
		return "", "", err
	}
	dml, err = read(t.DMLPath)
	return ddl, dml, err
}

// columns are the columns of the table's CREATE TABLE: the scan's
// definitions when it read them, else an analysis of the DDL text. A DDL
// that does not analyse has no columns here (the scan reported it).
func columns(az *flinksql.Analyzer, t *pipeline.Table, ddl string) []Column {
	var defs []flinksql.TableDefinition
	if t.DDL != nil {
		defs = t.DDL.Tables
	}
	if len(defs) == 0 && ddl != "" {
		if a, err := az.AnalyzeString(ddl); err == nil {
			defs = a.Tables
		}
	}
	if len(defs) == 0 {
		return nil
	}
	def := defs[0]
	for _, d := range defs {
		if d.Name.Table() == t.Name {
			def = d
			break
		}
	}
	key := map[string]bool{}
	for _, k := range def.PrimaryKey {
		key[k] = true
	}
	cols := make([]Column, len(def.Columns))
	for i, col := range def.Columns {
		// Strings are cloned: the analysis keeps the whole DDL text alive
		// through its substrings otherwise.
		cols[i] = Column{Name: clone(col.Name), Type: clone(col.Type), NotNull: col.NotNull, Key: key[col.Name]}
	}
	return cols
}

func clone(s string) string { return string(append([]byte(nil), s...)) }
