// Package report turns the dependency graph into documents: the whole
// graph (the stable JSON other tools read), and the lineage of one table
// (its ancestors and descendants) as a tree, JSON/YAML, DOT or Mermaid.
package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/render"
)

// GraphTable is one table of the graph document. The JSON field names are
// a public contract (`shiftleft pipeline graph --format json`): add fields,
// never rename them.
type GraphTable struct {
	Name     string   `json:"name" yaml:"name"`
	Type     string   `json:"type" yaml:"type"`
	Product  string   `json:"product" yaml:"product"`
	Folder   string   `json:"folder" yaml:"folder"`
	DDL      string   `json:"ddl" yaml:"ddl"`
	DML      string   `json:"dml" yaml:"dml"`
	Parents  []string `json:"parents" yaml:"parents"`
	Children []string `json:"children" yaml:"children"`
	External []string `json:"external" yaml:"external"`
	Stateful bool     `json:"stateful" yaml:"stateful"`
}

// GraphDoc is the whole graph: tables sorted by name, every list sorted.
type GraphDoc struct {
	Tables []GraphTable `json:"tables" yaml:"tables"`
}

// Graph builds the document for the given tables (all when only is nil).
// Parents and children outside `only` are still listed: they are facts
// about the table, not about the selection.
func Graph(g *dag.Graph, only map[string]bool) GraphDoc {
	doc := GraphDoc{Tables: []GraphTable{}}
	for _, n := range g.Names() {
		if only != nil && !only[n] {
			continue
		}
		doc.Tables = append(doc.Tables, graphTable(g, n))
	}
	return doc
}

func graphTable(g *dag.Graph, n string) GraphTable {
	t := g.Table(n)
	ext := t.External
	if ext == nil {
		ext = []string{}
	}
	return GraphTable{
		Name: n, Type: string(t.Type), Product: t.Product, Folder: t.Folder,
		DDL: t.DDLPath, DML: t.DMLPath,
		Parents: nonNil(g.Parents(n)), Children: nonNil(g.Children(n)),
		External: ext, Stateful: t.Stateful,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// WriteJSON writes the document as one indented JSON object, the bytes
// json.Encoder with SetIndent("", "  ") would write. It encodes one table at
// a time into a reused buffer: indenting the whole document at once copies
// it through growing slices, which cost as much as the encoding (10,000
// tables: 52 MB allocated per call).
func (d GraphDoc) WriteJSON(w io.Writer) error {
	switch {
	case d.Tables == nil:
		_, err := io.WriteString(w, "{\n  \"tables\": null\n}\n")
		return err
	case len(d.Tables) == 0:
		_, err := io.WriteString(w, "{\n  \"tables\": []\n}\n")
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("{\n  \"tables\": [\n    ")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("    ", "  ")
	for i := range d.Tables {
		if i > 0 {
			bw.WriteString(",\n    ")
		}
		buf.Reset()
		if err := enc.Encode(&d.Tables[i]); err != nil {
			return err
		}
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	bw.WriteString("\n  ]\n}\n")
	return bw.Flush()
}

// WriteTable writes one row per table.
func (d GraphDoc) WriteTable(w io.Writer, style render.Style) error {
	t := render.Table{Header: []string{"TABLE", "TYPE", "PRODUCT", "STATE", "PARENTS", "CHILDREN"}}
	for _, r := range d.Tables {
		t.Add(r.Name, r.Type, dash(r.Product), stateForm(r.Stateful, r.Type), list(r.Parents, r.External), list(r.Children, nil))
	}
	if err := t.Write(w, style); err != nil {
		return err
	}
	edges := 0
	for _, r := range d.Tables {
		edges += len(r.Parents)
	}
	_, err := fmt.Fprintf(w, "\n%s, %s.\n", plural(len(d.Tables), "table"), plural(edges, "dependency"))
	return err
}

// Diagram draws the graph's tables and the edges between them.
func (d GraphDoc) Diagram() render.Diagram {
	in := make(map[string]bool, len(d.Tables))
	for _, t := range d.Tables {
		in[t.Name] = true
	}
	dg := render.Diagram{LeftToRight: true, Classes: typeClasses}
	for _, t := range d.Tables {
		dg.Nodes = append(dg.Nodes, render.DiagramNode{ID: t.Name, Label: t.Name, Class: t.Type})
	}
	for _, t := range d.Tables {
		for _, c := range t.Children {
			if in[c] {
				dg.Edges = append(dg.Edges, [2]string{t.Name, c})
			}
		}
	}
	return dg
}

// typeClasses colour nodes by layer, as shift_left's HTML graph does.
var typeClasses = map[string]string{
	string(pipeline.TypeSource):       "fill:#c8e6c9,stroke:#2e7d32",
	string(pipeline.TypeIntermediate): "fill:#eeeeee,stroke:#616161",
	string(pipeline.TypeDimension):    "fill:#bbdefb,stroke:#1565c0",
	string(pipeline.TypeFact):         "fill:#ffe0b2,stroke:#ef6c00",
	string(pipeline.TypeView):         "fill:#e1bee7,stroke:#6a1b9a",
	string(pipeline.TypeExternal):     "fill:#ffffff,stroke:#9e9e9e,stroke-dasharray:4",
}

func stateForm(stateful bool, typ string) string {
	if typ == string(pipeline.TypeExternal) {
		return "-"
	}
	if stateful {
		return "stateful"
	}
	return "stateless"
}

func list(names, external []string) string {
	parts := append([]string(nil), names...)
	for _, e := range external {
		parts = append(parts, e+" (external)")
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "y") {
		return strconv.Itoa(n) + " " + strings.TrimSuffix(word, "y") + "ies"
	}
	return strconv.Itoa(n) + " " + word + "s"
}
