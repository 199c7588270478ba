package report

import (
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// diamond builds src → a, b → fct plus an external reference on src.
func diamond(t *testing.T) *dag.Graph {
	t.Helper()
	tables := []*pipeline.Table{
		{Name: "src", Type: pipeline.TypeSource, Product: "p", External: []string{"cat.db.raw"}},
		{Name: "a", Type: pipeline.TypeIntermediate, Product: "p", Parents: []string{"src"}, Stateful: true},
		{Name: "b", Type: pipeline.TypeIntermediate, Product: "p", Parents: []string{"src"}},
		{Name: "fct", Type: pipeline.TypeFact, Product: "q", Parents: []string{"a", "b"}},
	}
	p := &pipeline.Project{ByName: map[string]*pipeline.Table{}}
	for _, tb := range tables {
		p.Tables = append(p.Tables, tb)
		p.ByName[tb.Name] = tb
	}
	g, err := dag.Build(p)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestLineageTreePrintsSharedAncestorsOnce(t *testing.T) {
	l := LineageOf(diamond(t), "fct", false)
	var b strings.Builder
	if err := l.WriteTree(&b); err != nil {
		t.Fatal(err)
	}
	want := `fct  (fact, q, stateless)
├── a  (intermediate, p, stateful)
│   └── src  (source, p, stateless)
│       └── cat.db.raw  (external, not in the project)
└── b  (intermediate, p, stateless)
    └── src  (see above)
`
	if b.String() != want {
		t.Errorf("tree:\n%s\nwant:\n%s", b.String(), want)
	}
	if len(l.Ancestors) != 3 || l.Ancestors[0].Depth != 1 || l.Ancestors[2].Name != "src" || l.Ancestors[2].Depth != 2 {
		t.Errorf("ancestors: %+v", l.Ancestors)
	}
	if l.Descendants != nil {
		t.Error("descendants without --children-too")
	}
}

func TestLineageDescendantsAndGraphDoc(t *testing.T) {
	g := diamond(t)
	l := LineageOf(g, "src", true)
	if len(l.Descendants) != 3 || l.Descendants[2].Name != "fct" || l.Descendants[2].Depth != 2 {
		t.Errorf("descendants: %+v", l.Descendants)
	}
	doc := Graph(g, map[string]bool{"a": true, "fct": true})
	if len(doc.Tables) != 2 || doc.Tables[0].Name != "a" || strings.Join(doc.Tables[1].Parents, ",") != "a,b" {
		t.Errorf("filtered graph document: %+v", doc.Tables)
	}
	var b strings.Builder
	if err := doc.Diagram().Mermaid(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "a --> fct") || strings.Contains(b.String(), "b --> fct") {
		t.Errorf("a diagram of a selection draws only edges inside it:\n%s", b.String())
	}
}
