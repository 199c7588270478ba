package render

import (
	"strings"
	"testing"
)

func TestTableStyles(t *testing.T) {
	tab := Table{Header: []string{"TABLE", "TYPE"}}
	tab.Add("fct_revenue", "fact")
	tab.Add("src_orders|x", "source")
	tests := []struct {
		style Style
		want  string
	}{
		{Plain, "TABLE         TYPE\nfct_revenue   fact\nsrc_orders|x  source\n"},
		{Markdown, "| TABLE | TYPE |\n| --- | --- |\n| fct_revenue | fact |\n| src_orders\\|x | source |\n"},
	}
	for _, tc := range tests {
		var b strings.Builder
		if err := tab.Write(&b, tc.style); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("style %d:\n%q\nwant\n%q", tc.style, b.String(), tc.want)
		}
	}
	var b strings.Builder
	if err := tab.Write(&b, Box); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "│ fct_revenue  │ fact   │") || strings.Contains(b.String(), "FCT") {
		t.Errorf("box style:\n%s", b.String())
	}
}

// TestHeaderCase: every style draws header titles upper-case, so the
// tables of all commands look alike whatever case their code used; cells
// keep theirs.
func TestHeaderCase(t *testing.T) {
	tab := Table{Header: []string{"table", "Action"}}
	tab.Add("fct", "create")
	for _, style := range []Style{Plain, Markdown, Box} {
		var b strings.Builder
		if err := tab.Write(&b, style); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if !strings.Contains(out, "TABLE") || !strings.Contains(out, "ACTION") || strings.Contains(out, "table") || !strings.Contains(out, "create") {
			t.Errorf("style %d:\n%s", style, out)
		}
	}
	if tab.Header[0] != "table" {
		t.Error("Write changed the caller's header")
	}
}

func TestAddCopiesRow(t *testing.T) {
	var tab Table
	row := []string{"a", "b"}
	tab.Add(row...)
	row[0] = "changed"
	if tab.Rows[0][0] != "a" {
		t.Error("Add kept a reference to the caller's slice")
	}
}

func TestDiagrams(t *testing.T) {
	d := Diagram{
		Nodes:   []DiagramNode{{ID: "a", Label: "a", Class: "changed"}, {ID: "my-topic", Label: `say "hi"`}, {ID: "end", Label: "end"}},
		Edges:   [][2]string{{"a", "my-topic"}, {"my-topic", "end"}},
		Classes: map[string]string{"changed": "fill:#f66,stroke:#900"},
	}
	var dot, mm strings.Builder
	if err := d.DOT(&dot); err != nil {
		t.Fatal(err)
	}
	if err := d.Mermaid(&mm); err != nil {
		t.Fatal(err)
	}
	wantDOT := "digraph pipelines {\n  node [shape=box, fontname=\"Helvetica\"];\n" +
		"  \"a\" [label=\"a\", style=filled, fillcolor=\"#f66\"];\n  \"my-topic\" [label=\"say \\\"hi\\\"\"];\n  \"end\" [label=\"end\"];\n" +
		"  \"a\" -> \"my-topic\";\n  \"my-topic\" -> \"end\";\n}\n"
	if dot.String() != wantDOT {
		t.Errorf("DOT:\n%s\nwant\n%s", dot.String(), wantDOT)
	}
	wantMermaid := "flowchart TD\n  a[\"a\"]\n  n1[\"say #quot;hi#quot;\"]\n  t_end[\"end\"]\n  a --> n1\n  n1 --> t_end\n" +
		"  classDef changed fill:#f66,stroke:#900\n  class a changed\n"
	if mm.String() != wantMermaid {
		t.Errorf("Mermaid:\n%s\nwant\n%s", mm.String(), wantMermaid)
	}
}
