package report

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestGraphDocWriteJSON: the streaming writer must produce exactly what
// json.Encoder with SetIndent("", "  ") writes for the whole document (the
// --format json output is a public contract).
func TestGraphDocWriteJSON(t *testing.T) {
	table := func(name string, parents ...string) GraphTable {
		return GraphTable{Name: name, Type: "fact", Product: "p<&>", Folder: "facts/p/" + name,
			Parents: append([]string{}, parents...), Children: []string{}, External: []string{"`cat`.`db`.raw"}, Stateful: true}
	}
	for _, tc := range []struct {
		name string
		doc  GraphDoc
	}{
		{"empty", GraphDoc{Tables: []GraphTable{}}},
		{"nil tables", GraphDoc{}},
		{"one", GraphDoc{Tables: []GraphTable{table("a")}}},
		{"three", GraphDoc{Tables: []GraphTable{table("a"), table("b", "a"), table("c", "a", "b")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want, got bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetIndent("", "  ")
			if err := enc.Encode(tc.doc); err != nil {
				t.Fatal(err)
			}
			if err := tc.doc.WriteJSON(&got); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("WriteJSON wrote\n%s\nwant\n%s", got.String(), want.String())
			}
		})
	}
}
