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
		{"live version", GraphDoc{Tables: []GraphTable{table("a"), {Name: "b", LiveVersion: "b_v2", Parents: []string{"a"}}}}},
		{"nil lists", GraphDoc{Tables: []GraphTable{{Name: "n"}}}},
		{"strings to escape", GraphDoc{Tables: []GraphTable{{
			Name: "q\"b\\s/", Type: "ctl\x00\x01\x1f\b\f\n\r\t", Product: "html <a href='x'>&amp;</a>",
			Folder: "bad utf8 \xff\xfe end", DDL: "seps \u2028 \u2029 and é ☃ 𝄞", DML: "\x7f del",
			Parents: []string{"", "\xc3"}, Children: []string{"\u00e9"}, External: []string{}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkWriteJSON(t, tc.doc) })
	}
}

func checkWriteJSON(t *testing.T, doc GraphDoc) {
	t.Helper()
	var want, got bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	if err := doc.WriteJSON(&got); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("WriteJSON wrote\n%q\nwant\n%q", got.String(), want.String())
	}
}

// FuzzWriteJSON: any strings, same bytes as encoding/json.
func FuzzWriteJSON(f *testing.F) {
	f.Add("a", "b<>&", "\x00\u2028", "\xff", true)
	f.Fuzz(func(t *testing.T, name, folder, parent, ext string, stateful bool) {
		checkWriteJSON(t, GraphDoc{Tables: []GraphTable{
			{Name: name, LiveVersion: ext, Folder: folder, Parents: []string{parent}, External: []string{ext, name}, Stateful: stateful},
			{Name: parent, Children: []string{}, External: nil},
		}})
	})
}
