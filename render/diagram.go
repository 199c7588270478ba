package render

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Diagram is a directed graph to draw as DOT or Mermaid. Nodes and edges
// are drawn in the order given: callers sort them, so output is stable
// (dominikbraun/graph's draw.DOT iterates maps and is not).
type Diagram struct {
	Nodes []DiagramNode
	Edges [][2]string // from, to (node IDs)
	// Classes maps a class name to its style, e.g. "changed" → "fill:#f66".
	Classes map[string]string
	// LeftToRight lays the graph out horizontally.
	LeftToRight bool
}

// DiagramNode is one node; Class picks a style from Diagram.Classes.
type DiagramNode struct {
	ID    string
	Label string
	Class string
}

// DOT writes the diagram in Graphviz syntax.
func (d Diagram) DOT(w io.Writer) error {
	var b strings.Builder
	b.WriteString("digraph pipelines {\n")
	if d.LeftToRight {
		b.WriteString("  rankdir=LR;\n")
	}
	b.WriteString("  node [shape=box, fontname=\"Helvetica\"];\n")
	for _, n := range d.Nodes {
		attrs := fmt.Sprintf("label=%s", dotQuote(n.Label))
		if style, ok := d.Classes[n.Class]; ok && n.Class != "" {
			attrs += ", style=filled, fillcolor=" + dotQuote(dotColor(style))
		}
		fmt.Fprintf(&b, "  %s [%s];\n", dotQuote(n.ID), attrs)
	}
	for _, e := range d.Edges {
		fmt.Fprintf(&b, "  %s -> %s;\n", dotQuote(e[0]), dotQuote(e[1]))
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// dotColor takes the fill colour out of a Mermaid style string.
func dotColor(style string) string {
	for _, part := range strings.Split(style, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "fill:"); ok {
			return v
		}
	}
	return "white"
}

func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// Mermaid writes the diagram as a Mermaid flowchart.
func (d Diagram) Mermaid(w io.Writer) error {
	var b strings.Builder
	if d.LeftToRight {
		b.WriteString("flowchart LR\n")
	} else {
		b.WriteString("flowchart TD\n")
	}
	ids := make(map[string]string, len(d.Nodes))
	for i, n := range d.Nodes {
		ids[n.ID] = mermaidID(n.ID, i)
		fmt.Fprintf(&b, "  %s[\"%s\"]\n", ids[n.ID], mermaidLabel(n.Label))
	}
	for _, e := range d.Edges {
		fmt.Fprintf(&b, "  %s --> %s\n", ids[e[0]], ids[e[1]])
	}
	classes := make([]string, 0, len(d.Classes))
	for c := range d.Classes {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	for _, c := range classes {
		var members []string
		for _, n := range d.Nodes {
			if n.Class == c {
				members = append(members, ids[n.ID])
			}
		}
		if len(members) == 0 {
			continue
		}
		fmt.Fprintf(&b, "  classDef %s %s\n", c, d.Classes[c])
		fmt.Fprintf(&b, "  class %s %s\n", strings.Join(members, ","), c)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidID keeps table names readable when they are plain identifiers
// and falls back to a positional id otherwise.
func mermaidID(id string, i int) string {
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return fmt.Sprintf("n%d", i)
		}
	}
	switch id {
	case "end", "graph", "subgraph", "flowchart", "class", "classDef", "style", "click":
		return "t_" + id
	}
	return id
}

func mermaidLabel(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;").Replace(s)
}
