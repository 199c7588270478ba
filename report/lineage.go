package report

import (
	"encoding/json"
	"io"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/render"
)

// LineageTable is a table of a lineage with its distance from the root.
type LineageTable struct {
	GraphTable `yaml:",inline"`
	Depth      int `json:"depth" yaml:"depth"`
}

// Lineage is one table with its ancestors and, optionally, descendants.
// It is flat (each table once, with its direct parents and children) so
// it stays linear in the graph's size however many diamonds it holds.
type Lineage struct {
	Table       GraphTable     `json:"table" yaml:"table"`
	Ancestors   []LineageTable `json:"ancestors" yaml:"ancestors"`
	Descendants []LineageTable `json:"descendants,omitempty" yaml:"descendants,omitempty"`

	g *dag.Graph
}

// LineageOf computes the lineage of table. One BFS each way: O(V+E).
func LineageOf(g *dag.Graph, table string, childrenToo bool) Lineage {
	l := Lineage{Table: graphTable(g, table), Ancestors: []LineageTable{}, g: g}
	l.Ancestors = lineageTables(g, g.Ancestors([]string{table}, 0))
	if childrenToo {
		l.Descendants = lineageTables(g, g.Descendants([]string{table}, 0))
	}
	return l
}

func lineageTables(g *dag.Graph, depths map[string]int) []LineageTable {
	out := make([]LineageTable, 0, len(depths))
	for n, d := range depths {
		out = append(out, LineageTable{GraphTable: graphTable(g, n), Depth: d})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Depth != out[j].Depth {
			return out[i].Depth < out[j].Depth
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// WriteJSON writes the lineage as one indented JSON object.
func (l Lineage) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(l)
}

// WriteLineages writes several lineages as one JSON array or YAML list.
func WriteLineages(w io.Writer, ls []Lineage, format string) error {
	if format == "yaml" {
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(ls); err != nil {
			return err
		}
		return enc.Close()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ls)
}

// WriteYAML writes the lineage as YAML.
func (l Lineage) WriteYAML(w io.Writer) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(l); err != nil {
		return err
	}
	return enc.Close()
}

// WriteTree draws the ancestors (and descendants) like `tree`: each line
// with type and product. A table reached a second time is printed with
// "(see above)" and not expanded again, so output stays linear.
func (l Lineage) WriteTree(w io.Writer) error {
	var b strings.Builder
	b.WriteString(l.label(l.Table.Name) + "\n")
	seen := map[string]bool{l.Table.Name: true}
	l.tree(&b, l.Table.Name, "", true, seen)
	if l.Descendants != nil {
		b.WriteString("\nDescendants of " + l.Table.Name + ":\n")
		b.WriteString(l.label(l.Table.Name) + "\n")
		l.tree(&b, l.Table.Name, "", false, map[string]bool{l.Table.Name: true})
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (l Lineage) label(n string) string {
	t := l.g.Table(n)
	parts := []string{string(t.Type)}
	if t.Product != "" {
		parts = append(parts, t.Product)
	}
	// The same word as graph's STATE column; nothing for externals.
	if st := stateForm(t.Stateful, string(t.Type)); st != "-" {
		parts = append(parts, st)
	}
	return n + "  (" + strings.Join(parts, ", ") + ")"
}

// tree draws the parents (up) or children of n below it. Only the upward
// walk lists external references.
func (l Lineage) tree(b *strings.Builder, n, indent string, up bool, seen map[string]bool) {
	kids := l.g.Children(n)
	var ext []string
	if up {
		kids, ext = l.g.Parents(n), l.g.Table(n).External
	}
	total := len(kids) + len(ext)
	for i, k := range kids {
		last := i == total-1
		branch, cont := "├── ", "│   "
		if last {
			branch, cont = "└── ", "    "
		}
		if seen[k] {
			b.WriteString(indent + branch + k + "  (see above)\n")
			continue
		}
		seen[k] = true
		b.WriteString(indent + branch + l.label(k) + "\n")
		l.tree(b, k, indent+cont, up, seen)
	}
	for i, e := range ext {
		branch := "├── "
		if len(kids)+i == total-1 {
			branch = "└── "
		}
		b.WriteString(indent + branch + e + "  (external, not in the project)\n")
	}
}

// Diagram draws the lineage with the root highlighted.
func (l Lineage) Diagram() render.Diagram {
	tables := []GraphTable{l.Table}
	for _, a := range l.Ancestors {
		tables = append(tables, a.GraphTable)
	}
	for _, d := range l.Descendants {
		tables = append(tables, d.GraphTable)
	}
	sort.Slice(tables, func(i, j int) bool { return tables[i].Name < tables[j].Name })
	dg := GraphDoc{Tables: tables}.Diagram()
	classes := map[string]string{"root": "fill:#fff59d,stroke:#f57f17,stroke-width:3px"}
	for k, v := range dg.Classes {
		classes[k] = v
	}
	dg.Classes = classes
	for i := range dg.Nodes {
		if dg.Nodes[i].ID == l.Table.Name {
			dg.Nodes[i].Class = "root"
		}
	}
	return dg
}
