package products

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// Finding kinds of Validate.
const (
	FindingUndeclared  = "undeclared_product" // tables of a product folder without a manifest
	FindingNoProduct   = "no_product"         // a table outside any product folder
	FindingOwner       = "owner"              // owner.team (or contact) not set
	FindingPort        = "port"               // a port naming a missing table, or another product's
	FindingRuleColumn  = "rule_column"        // a quality rule naming a column the port's DDL lacks
	FindingMesh        = "mesh"               // a read of another product's table that is not a port
	FindingProductLoop = "product_cycle"      // products that read each other in a loop
)

// Severities.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Finding is one problem Validate found, located in a SQL file or a
// manifest (File is shown as the scan shows paths: pipelines/…).
type Finding struct {
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Product  string `json:"product,omitempty"`
	Table    string `json:"table,omitempty"`
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Col      int    `json:"col,omitempty"`
	Message  string `json:"message"`
}

func (f Finding) String() string {
	loc := f.File
	if loc != "" && f.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, f.Line)
		if f.Col > 0 {
			loc = fmt.Sprintf("%s:%d", loc, f.Col)
		}
	}
	if loc == "" {
		loc = f.Table
	}
	if loc == "" {
		return f.Message
	}
	return loc + ": " + f.Message
}

// ValidateOptions tune Validate.
type ValidateOptions struct {
	// Strict makes mesh violations and cycles between products errors
	// (they are warnings otherwise).
	Strict bool
}

// Validate checks the manifests against the project: every table belongs
// to a declared product, ports name tables of their product, owners are
// set, quality rules name columns of the port (when the port's DDL
// columns are known), and the mesh rule — a table of product A reads a
// table of product B only through one of B's output ports — with each
// violation at the line of the reference in the SQL. Products that read
// each other in a loop are reported once per loop. Findings are sorted by
// file, line and message.
//
// Cost: O(tables + references) plus one read and analysis of each port's
// DDL file when the scan did not keep table definitions.
func Validate(p *pipeline.Project, ms []Manifest, opts ValidateOptions) []Finding {
	display := filepath.Base(p.Root)
	v := &validator{p: p, display: display, byProduct: map[string]*Manifest{}, opts: opts}
	for i := range ms {
		v.byProduct[ms[i].Product] = &ms[i]
	}
	v.undeclared()
	for i := range ms {
		v.manifest(&ms[i])
	}
	v.mesh()
	sort.SliceStable(v.out, func(i, j int) bool {
		a, b := v.out[i], v.out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Message < b.Message
	})
	return v.out
}

// HasErrors says whether any finding is an error.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == SeverityError {
			return true
		}
	}
	return false
}

type validator struct {
	p         *pipeline.Project
	display   string
	byProduct map[string]*Manifest
	opts      ValidateOptions
	out       []Finding
}

func (v *validator) add(f Finding) { v.out = append(v.out, f) }

func (v *validator) shown(rel string) string { return v.display + "/" + rel }

// owned lists the tables a validation is about: those of the project's
// folders (not the external tables of seeds, not retired ones).
func owned(p *pipeline.Project) []*pipeline.Table {
	var out []*pipeline.Table
	for _, t := range p.Tables {
		if !t.IsExternal && !t.Retired {
			out = append(out, t)
		}
	}
	return out
}

// undeclared reports one warning per product folder without a manifest
// (not one per table: a project without manifests would drown in them),
// and one per table outside any product folder.
func (v *validator) undeclared() {
	missing := map[string][]string{}
	for _, t := range owned(v.p) {
		switch {
		case t.Product == "":
			v.add(Finding{Kind: FindingNoProduct, Severity: SeverityWarning, Table: t.Name, File: v.shown(t.Folder),
				Message: fmt.Sprintf("table %s is in no product folder (<layer>/<product>/<table>): it belongs to no product", t.Name)})
		case v.byProduct[t.Product] == nil:
			missing[t.Product] = append(missing[t.Product], t.Name)
		}
	}
	for product, tables := range missing {
		shown := tables
		more := ""
		if len(shown) > 3 {
			shown, more = shown[:3], fmt.Sprintf(" and %d more", len(tables)-3)
		}
		v.add(Finding{Kind: FindingUndeclared, Severity: SeverityWarning, Product: product, File: v.shown(Dir + "/" + product + ".yaml"),
			Message: fmt.Sprintf("product %s has %d table(s) (%s%s) but no manifest: declare it in %s/%s.yaml", product, len(tables), strings.Join(shown, ", "), more, Dir, product)})
	}
}

func (v *validator) manifest(m *Manifest) {
	file := v.shown(m.Path)
	if strings.TrimSpace(m.Owner.Team) == "" {
		v.add(Finding{Kind: FindingOwner, Severity: SeverityError, Product: m.Product, File: file, Line: m.Line,
			Message: fmt.Sprintf("product %s has no owner.team: name the team that answers for it", m.Product)})
	} else if strings.TrimSpace(m.Owner.Contact) == "" {
		v.add(Finding{Kind: FindingOwner, Severity: SeverityWarning, Product: m.Product, File: file, Line: m.Line,
			Message: fmt.Sprintf("product %s has no owner.contact: say how consumers reach %s", m.Product, m.Owner.Team)})
	}
	for _, port := range m.OutputPorts {
		t := v.p.Table(port.Table)
		switch {
		case t == nil || t.Retired:
			v.add(Finding{Kind: FindingPort, Severity: SeverityError, Product: m.Product, Table: port.Table, File: file, Line: port.Line,
				Message: fmt.Sprintf("output port %s is not a table of the project", port.Table)})
			continue
		case t.IsExternal || t.Product != m.Product:
			owner := t.Product
			if t.IsExternal {
				owner = "none (an external table)"
			}
			v.add(Finding{Kind: FindingPort, Severity: SeverityError, Product: m.Product, Table: port.Table, File: file, Line: port.Line,
				Message: fmt.Sprintf("output port %s is not a table of product %s (its product: %s)", port.Table, m.Product, owner)})
			continue
		}
		def, _ := Definition(v.p, t)
		if def == nil {
			continue
		}
		cols := map[string]bool{}
		for _, c := range def.Columns {
			cols[strings.ToLower(c.Name)] = true
		}
		for _, r := range port.Quality {
			for _, c := range ruleColumns(r) {
				if !cols[strings.ToLower(c)] {
					v.add(Finding{Kind: FindingRuleColumn, Severity: SeverityError, Product: m.Product, Table: port.Table, File: file, Line: r.Line,
						Message: fmt.Sprintf("%s rule of port %s names column %s, which its DDL does not have", r.Kind, port.Table, c)})
				}
			}
		}
	}
}

func ruleColumns(r Rule) []string {
	if r.Column != "" {
		return append(append([]string(nil), r.Columns...), r.Column)
	}
	return r.Columns
}

// crossRead is one reference from a table of one product to a table of
// another.
type crossRead struct {
	from, to       *pipeline.Table
	file           string
	line, col      int
	port           bool
	targetDeclared bool
}

// crossReads lists the references between tables of different products,
// each with the position of its first appearance in the table's SQL (DML,
// else DDL for CREATE TABLE … AS), in table then reference order. Reads of
// tables outside any product folder are not between products.
func crossReads(p *pipeline.Project, byProduct map[string]*Manifest) []crossRead {
	var out []crossRead
	for _, t := range owned(p) {
		for _, parent := range t.Parents {
			u := p.Table(parent)
			if u == nil || u.IsExternal || u.Product == "" || u.Product == t.Product {
				continue
			}
			r := crossRead{from: t, to: u}
			r.file, r.line, r.col = position(t, parent)
			if m := byProduct[u.Product]; m != nil {
				r.targetDeclared = true
				r.port = m.Port(u.Name) != nil
			}
			out = append(out, r)
		}
	}
	return out
}

// position finds where table t's SQL names parent: the DML first (the
// statement that reads), then the DDL.
func position(t *pipeline.Table, parent string) (file string, line, col int) {
	for _, s := range []struct {
		a    *flinksql.Analysis
		path string
	}{{t.DML, t.DMLPath}, {t.DDL, t.DDLPath}} {
		if s.a == nil {
			continue
		}
		for _, r := range s.a.Reads {
			if r.Table() == parent {
				return s.path, r.Pos.Line, r.Pos.Col
			}
		}
	}
	if t.DMLPath != "" {
		return t.DMLPath, 0, 0
	}
	return t.DDLPath, 0, 0
}

func (v *validator) mesh() {
	sev := SeverityWarning
	if v.opts.Strict {
		sev = SeverityError
	}
	reads := crossReads(v.p, v.byProduct)
	for _, r := range reads {
		if r.port {
			continue
		}
		why := fmt.Sprintf("which is not one of %s's output ports", r.to.Product)
		if !r.targetDeclared {
			why = fmt.Sprintf("and product %s declares no output ports (no manifest)", r.to.Product)
		}
		v.add(Finding{Kind: FindingMesh, Severity: sev, Product: r.from.Product, Table: r.from.Name, File: v.shown(r.file), Line: r.line, Col: r.col,
			Message: fmt.Sprintf("%s (product %s) reads %s of product %s, %s: read a port, or make %s one", r.from.Name, r.from.Product, r.to.Name, r.to.Product, why, r.to.Name)})
	}
	for _, loop := range productCycles(reads) {
		v.add(Finding{Kind: FindingProductLoop, Severity: sev, Product: loop.products[0], File: v.shown(loop.file), Line: loop.line, Col: loop.col,
			Message: fmt.Sprintf("products %s read each other in a loop (%s): products must depend on each other one way", strings.Join(loop.products, ", "), strings.Join(loop.edges, "; "))})
	}
}

type productLoop struct {
	products  []string // sorted
	edges     []string // "a.t reads b.u", sorted
	file      string   // where the first edge is
	line, col int
}

// productCycles finds the strongly connected components of more than one
// product in the graph of cross-product reads (Tarjan, O(P+E) on the
// products, which are few), each with the reads that form it.
func productCycles(reads []crossRead) []productLoop {
	adj := map[string][]string{}
	var nodes []string
	seenNode := map[string]bool{}
	addNode := func(n string) {
		if !seenNode[n] {
			seenNode[n] = true
			nodes = append(nodes, n)
		}
	}
	for _, r := range reads {
		addNode(r.from.Product)
		addNode(r.to.Product)
		adj[r.from.Product] = append(adj[r.from.Product], r.to.Product)
	}
	sort.Strings(nodes)
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	var comps [][]string
	next := 0
	var strong func(n string)
	strong = func(n string) {
		index[n], low[n] = next, next
		next++
		stack = append(stack, n)
		onStack[n] = true
		for _, w := range adj[n] {
			if _, ok := index[w]; !ok {
				strong(w)
				low[n] = min(low[n], low[w])
			} else if onStack[w] {
				low[n] = min(low[n], index[w])
			}
		}
		if low[n] == index[n] {
			var comp []string
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp = append(comp, w)
				if w == n {
					break
				}
			}
			if len(comp) > 1 {
				sort.Strings(comp)
				comps = append(comps, comp)
			}
		}
	}
	for _, n := range nodes {
		if _, ok := index[n]; !ok {
			strong(n)
		}
	}
	var loops []productLoop
	for _, comp := range comps {
		in := map[string]bool{}
		for _, c := range comp {
			in[c] = true
		}
		l := productLoop{products: comp}
		first := ""
		for _, r := range reads {
			if in[r.from.Product] && in[r.to.Product] {
				e := fmt.Sprintf("%s.%s reads %s.%s", r.from.Product, r.from.Name, r.to.Product, r.to.Name)
				l.edges = append(l.edges, e)
				if first == "" || e < first {
					first, l.file, l.line, l.col = e, r.file, r.line, r.col
				}
			}
		}
		sort.Strings(l.edges)
		loops = append(loops, l)
	}
	sort.Slice(loops, func(i, j int) bool { return loops[i].products[0] < loops[j].products[0] })
	return loops
}
