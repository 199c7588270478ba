package products

import (
	"errors"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// FuzzParse checks the manifest reader's invariants on any input: no panic;
// an error is a list of FileErrors naming the file; a manifest that parses
// has a product and ports with tables; parsing is deterministic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(example))
	f.Add([]byte("product: a\noutput_ports:\n  - table: t\n    quality:\n      - row_count: {min: 5, max: 1}\n"))
	f.Add([]byte("a: &x [1, *x]\n"))
	f.Add([]byte("product: a\nowner: &o {team: t}\ntags: *o\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, warns, err := Parse("f.yaml", data)
		m2, warns2, err2 := Parse("f.yaml", data)
		if (err == nil) != (err2 == nil) || len(warns) != len(warns2) || m.Product != m2.Product || len(m.OutputPorts) != len(m2.OutputPorts) {
			t.Fatalf("not deterministic: %v / %v", err, err2)
		}
		for _, w := range warns {
			if w.File != "f.yaml" || w.Line <= 0 {
				t.Errorf("warning without position: %+v", w)
			}
		}
		if err != nil {
			var es pipeline.Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %T is not pipeline.Errors", err)
			}
			for _, e := range es {
				var fe *pipeline.FileError
				if !errors.As(e, &fe) || fe.Path != "f.yaml" || !strings.HasPrefix(e.Error(), "f.yaml") {
					t.Errorf("error without the file: %v", e)
				}
			}
			return
		}
		if m.Product == "" {
			t.Fatal("a manifest without a product parsed")
		}
		for _, p := range m.OutputPorts {
			if p.Table == "" {
				t.Fatal("a port without a table parsed")
			}
			for _, r := range p.Quality {
				if r.Kind == "" || r.Line <= 0 {
					t.Errorf("rule without kind or line: %+v", r)
				}
			}
		}
	})
}
