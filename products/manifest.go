// Package products reads the data-product manifests of a pipelines tree
// (pipelines/products/<product>.yaml) and checks them against the tables
// the tree holds: ownership, output ports, the mesh rule between products.
package products

import (
	"fmt"
	"strings"
	"time"

	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// Dir is the folder of the manifests, relative to the pipelines root. The
// scan skips it: it holds no tables.
const Dir = pipeline.ProductsDir

// Manifest is one data product: what pipelines/products/<product>.yaml
// declares about the tables under the layer folders named <product>.
type Manifest struct {
	// Product is the folder name used under the layers (facts/<product>/…).
	Product     string   `json:"product"`
	ID          string   `json:"id,omitempty"` // the product's address, e.g. customer.analytics.C360
	Domain      string   `json:"domain,omitempty"`
	Owner       Owner    `json:"owner"`
	Description string   `json:"description,omitempty"`
	OutputPorts []Port   `json:"output_ports"`
	Tags        []string `json:"tags"`
	// Path is the manifest file, relative to the pipelines root
	// (products/c360.yaml).
	Path string `json:"path"`
	// Line is where the manifest's "product" key is (1 when absent).
	Line int `json:"-"`
}

// Owner is who answers for a product.
type Owner struct {
	Team    string `json:"team,omitempty"`
	Contact string `json:"contact,omitempty"`
}

// Port is a table other products may read.
type Port struct {
	Table       string   `json:"table"`
	Description string   `json:"description,omitempty"`
	Consumers   []string `json:"consumers"`
	// Freshness is how stale the port may be, as written (15m, 1h30m);
	// FreshnessDuration is its value, 0 when not set.
	Freshness         string        `json:"freshness,omitempty"`
	FreshnessDuration time.Duration `json:"-"`
	Quality           []Rule        `json:"quality"`
	// Line is the line of the port's "table" key in the manifest.
	Line int `json:"line,omitempty"`
}

// Rule kinds.
const (
	NotNull        = "not_null"
	Unique         = "unique"
	AcceptedValues = "accepted_values"
	RowCount       = "row_count"
	Expression     = "expression"
)

// RuleKinds are the rule kinds a manifest may use, sorted.
var ruleKinds = []string{AcceptedValues, Expression, NotNull, RowCount, Unique}

// RuleKinds returns the rule kinds a manifest may use, sorted.
func RuleKinds() []string { return append([]string(nil), ruleKinds...) }

// Rule is one data-quality rule of a port. Which fields are set depends
// on Kind: Columns for not_null and unique; Column and Values for
// accepted_values; Min and/or Max for row_count; Expression for
// expression (a SQL boolean expression every row must satisfy).
type Rule struct {
	Kind       string   `json:"kind"`
	Columns    []string `json:"columns,omitempty"`
	Column     string   `json:"column,omitempty"`
	Values     []string `json:"values,omitempty"`
	Min        *int64   `json:"min,omitempty"`
	Max        *int64   `json:"max,omitempty"`
	Expression string   `json:"expression,omitempty"`
	// Line is the rule's line in the manifest.
	Line int `json:"line,omitempty"`
}

// Warning is a problem that does not stop a command (an unknown key, a
// table outside every product, a read that bypasses a port).
type Warning = pipeline.Warning

// Port returns the port of the product on table, or nil.
func (m *Manifest) Port(table string) *Port {
	for i := range m.OutputPorts {
		if m.OutputPorts[i].Table == table {
			return &m.OutputPorts[i]
		}
	}
	return nil
}

// Find returns the manifest whose ID or product name is key, or nil.
func Find(ms []Manifest, key string) *Manifest {
	for i := range ms {
		if ms[i].ID == key || ms[i].Product == key {
			return &ms[i]
		}
	}
	return nil
}

// String is the rule in one line, e.g. "accepted_values: churn_risk in
// (LOW, HIGH)" or "row_count: 1..100".
func (r Rule) String() string {
	switch r.Kind {
	case NotNull, Unique:
		return r.Kind + ": " + strings.Join(r.Columns, ", ")
	case AcceptedValues:
		return fmt.Sprintf("%s: %s in (%s)", r.Kind, r.Column, strings.Join(r.Values, ", "))
	case RowCount:
		switch {
		case r.Min != nil && r.Max != nil:
			return fmt.Sprintf("%s: between %d and %d", r.Kind, *r.Min, *r.Max)
		case r.Min != nil:
			return fmt.Sprintf("%s: at least %d", r.Kind, *r.Min)
		case r.Max != nil:
			return fmt.Sprintf("%s: at most %d", r.Kind, *r.Max)
		}
	case Expression:
		return r.Kind + ": " + r.Expression
	}
	return r.Kind
}
