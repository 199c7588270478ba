package unittest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: any input gives a suite or an error naming the file, never a
// panic, and a suite always has named cases with outputs.
func FuzzParse(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("testdata", "ok", "tests", DefinitionFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("foundations: x\n"))
	f.Add([]byte("test_suite:\n- name: &a c\n  outputs: *a\n"))
	f.Add([]byte("- a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _, err := Parse("f.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		for _, c := range s.Cases {
			if c.Name == "" || len(c.Outputs) == 0 {
				t.Fatalf("case accepted without name or outputs: %+v", c)
			}
		}
	})
}
