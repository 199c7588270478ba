// Package report turns the dependency graph into documents: the whole
// graph (the stable JSON other tools read), and the lineage of one table
// (its ancestors and descendants) as a tree, JSON/YAML, DOT or Mermaid.
package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/render"
)

// GraphTable is one table of the graph document. The JSON field names are
// a public contract (`shiftleft pipeline graph --format json`): add fields,
// never rename them.
type GraphTable struct {
	Name string `json:"name" yaml:"name"`
	// LiveVersion is the physical name of the table's live version when a
	// promoted release renamed it (<table>_v<N>), "" otherwise.
	LiveVersion string   `json:"live_version,omitempty" yaml:"live_version,omitempty"`
	Type        string   `json:"type" yaml:"type"`
	Product     string   `json:"product" yaml:"product"`
	Folder      string   `json:"folder" yaml:"folder"`
	DDL         string   `json:"ddl" yaml:"ddl"`
	DML         string   `json:"dml" yaml:"dml"`
	Parents     []string `json:"parents" yaml:"parents"`
	Children    []string `json:"children" yaml:"children"`
	External    []string `json:"external" yaml:"external"`
	Stateful    bool     `json:"stateful" yaml:"stateful"`
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

// WithLive names the live version of each table that name maps to another
// physical name (a promoted release's <table>_v<N>; see
// workspace.Live.Name), in place, and returns the document.
func (d GraphDoc) WithLive(name func(table string) string) GraphDoc {
	for i := range d.Tables {
		if n := name(d.Tables[i].Name); n != d.Tables[i].Name {
			d.Tables[i].LiveVersion = n
		}
	}
	return d
}

// label is the table's name, with its live version when it has one.
func (t GraphTable) label() string {
	if t.LiveVersion == "" {
		return t.Name
	}
	return t.Name + " (live: " + t.LiveVersion + ")"
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// WriteJSON writes the document as one indented JSON object, byte for byte
// what encoding/json with SetIndent("", "  ") writes, but streamed by hand:
// the reflective encoder and its indent pass were a fifth of the time of
// `graph --format json` on 50,000 tables, all of it on one core.
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
	bw.WriteString("{\n  \"tables\": [\n")
	var b []byte
	for i := range d.Tables {
		t := &d.Tables[i]
		b = append(b[:0], "    {\n"...)
		b = appendField(b, "name", t.Name)
		if t.LiveVersion != "" {
			b = appendField(b, "live_version", t.LiveVersion)
		}
		b = appendField(b, "type", t.Type)
		b = appendField(b, "product", t.Product)
		b = appendField(b, "folder", t.Folder)
		b = appendField(b, "ddl", t.DDL)
		b = appendField(b, "dml", t.DML)
		b = appendListField(b, "parents", t.Parents)
		b = appendListField(b, "children", t.Children)
		b = appendListField(b, "external", t.External)
		b = append(b, `      "stateful": `...)
		b = strconv.AppendBool(b, t.Stateful)
		b = append(b, "\n    }"...)
		if i < len(d.Tables)-1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	bw.WriteString("  ]\n}\n")
	return bw.Flush()
}

func appendField(b []byte, key, value string) []byte {
	b = append(b, `      "`...)
	b = append(b, key...)
	b = append(b, `": `...)
	b = appendJSONString(b, value)
	return append(b, ",\n"...)
}

func appendListField(b []byte, key string, values []string) []byte {
	b = append(b, `      "`...)
	b = append(b, key...)
	b = append(b, `": `...)
	switch {
	case values == nil:
		b = append(b, "null"...)
	case len(values) == 0:
		b = append(b, "[]"...)
	default:
		b = append(b, "[\n"...)
		for i, v := range values {
			b = append(b, "        "...)
			b = appendJSONString(b, v)
			if i < len(values)-1 {
				b = append(b, ',')
			}
			b = append(b, '\n')
		}
		b = append(b, "      ]"...)
	}
	return append(b, ",\n"...)
}

// appendJSONString quotes s as encoding/json does by default: HTML-safe
// (<, > and & escaped), U+2028/U+2029 escaped, invalid UTF-8 replaced by
// U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// WriteTable writes one row per table.
func (d GraphDoc) WriteTable(w io.Writer, style render.Style) error {
	t := render.Table{Header: []string{"TABLE", "TYPE", "PRODUCT", "STATE", "PARENTS", "CHILDREN"}}
	for _, r := range d.Tables {
		t.Add(r.label(), r.Type, dash(r.Product), stateForm(r.Stateful, r.Type), list(r.Parents, r.External), list(r.Children, nil))
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
		dg.Nodes = append(dg.Nodes, render.DiagramNode{ID: t.Name, Label: t.label(), Class: t.Type})
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
