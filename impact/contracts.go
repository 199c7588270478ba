package impact

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/render"
)

// ContractPort is an output port of a data product: the table other
// products may read, whose schema is the product's contract with them.
type ContractPort struct {
	Product   string
	ProductID string
	Table     string
	// Consumers are the consumers the manifest declares.
	Consumers []string
	// ReadBy are the other products whose tables read the port, sorted.
	ReadBy []string
}

// Contract is a change to an output port, classified with the schema
// change rules of package changes.
type Contract struct {
	Product   string `json:"product"`
	ProductID string `json:"product_id,omitempty"`
	Port      string `json:"port"`
	Change    string `json:"change"`
	// Category is compatible or breaking. A deleted port is breaking, and
	// so is a DDL change that could not be classified: a gate fails closed.
	Category  string   `json:"category"`
	Reasons   []string `json:"reasons"`
	Consumers []string `json:"consumers"`
	ReadBy    []string `json:"read_by"`
}

// Breaking reports whether the change breaks the port's consumers.
func (c Contract) Breaking() bool { return c.Category == changes.Breaking }

// Contracts lists the changed tables of the report that are output ports,
// sorted by product then port; an empty (not nil) slice when no port
// changed. Only schema changes count: a DML change keeps the contract, a
// deleted port breaks it. Cost: O(changed + ports).
func Contracts(r Report, ports []ContractPort) []Contract {
	byTable := make(map[string]ContractPort, len(ports))
	for _, p := range ports {
		byTable[p.Table] = p
	}
	out := []Contract{}
	for _, c := range r.Changed {
		p, ok := byTable[c.Table]
		if !ok {
			continue
		}
		ct := Contract{Product: p.Product, ProductID: p.ProductID, Port: p.Table, Change: c.Change,
			Consumers: nonNil(p.Consumers), ReadBy: nonNil(p.ReadBy), Reasons: []string{}}
		switch {
		case c.Change == string(changes.KindDeleted):
			ct.Category = changes.Breaking
			ct.Reasons = []string{"the port's table was deleted"}
		case c.Schema != nil:
			ct.Category = c.Schema.Category
			ct.Reasons = nonNil(c.Schema.Reasons)
		case c.Change == string(changes.KindDDL):
			ct.Category = changes.Breaking
			ct.Reasons = []string{"the DDL change could not be classified"}
		default:
			continue // DML, a moved folder, a selection: the schema is the same
		}
		out = append(out, ct)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Product != out[j].Product {
			return out[i].Product < out[j].Product
		}
		return out[i].Port < out[j].Port
	})
	return out
}

// BreakingContracts returns the breaking ones.
func BreakingContracts(cs []Contract) []Contract {
	var out []Contract
	for _, c := range cs {
		if c.Breaking() {
			out = append(out, c)
		}
	}
	return out
}

// ConsumersOf names who consumes a port: the products reading it in the
// graph and the consumers its manifest declares, deduplicated and sorted.
func (c Contract) ConsumersOf() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(append([]string(nil), c.ReadBy...), c.Consumers...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// WriteContracts writes the changed ports as a table (for the table
// format, whose report does not show them): nothing when no port changed,
// so that reports of projects and changes without ports stay as they were.
func (r Report) WriteContracts(w io.Writer, style render.Style) error {
	if len(r.Contracts) == 0 {
		return nil
	}
	if _, err := io.WriteString(w, "\nContracts:\n"); err != nil {
		return err
	}
	return contractsTable(r.Contracts).Write(w, style)
}

func contractsTable(cs []Contract) render.Table {
	t := render.Table{Header: []string{"PRODUCT", "PORT", "CHANGE", "CONTRACT", "CONSUMERS", "REASONS"}}
	for _, c := range cs {
		product := c.Product
		if c.ProductID != "" {
			product = c.ProductID + " (" + c.Product + ")"
		}
		t.Add(product, c.Port, c.Change, c.Category, dash(strings.Join(c.ConsumersOf(), ", ")), dash(strings.Join(c.Reasons, "; ")))
	}
	return t
}

// writeContractsMarkdown adds the Contracts section to the markdown
// report: nothing when contracts were not computed (nil), a line when no
// port changed.
func writeContractsMarkdown(b *strings.Builder, cs []Contract) {
	if cs == nil {
		return
	}
	b.WriteString("\n#### Contracts\n\n")
	if len(cs) == 0 {
		b.WriteString("No output port of a data product changed.\n")
		return
	}
	n := len(BreakingContracts(cs))
	fmt.Fprintf(b, "**%d of %d changed output ports break their contract.**\n\n", n, len(cs))
	// A strings.Builder never fails to write.
	_ = contractsTable(cs).Write(b, render.Markdown)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
