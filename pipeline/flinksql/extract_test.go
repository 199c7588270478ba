package flinksql

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

var update = flag.Bool("update", false, "rewrite the want files of testdata/extract from the current results (review the diff by hand)")

// extractWant is the expected result of one corpus case: names dotted.
type extractWant struct {
	Writes          []string `json:"writes"`
	Reads           []string `json:"reads"`
	Stateful        bool     `json:"stateful"`
	StatefulBecause string   `json:"stateful_because,omitempty"`
	ChangelogMode   string   `json:"changelog_mode,omitempty"`
	Statements      int      `json:"statements,omitempty"`
	Error           string   `json:"error,omitempty"`
}

func wantOf(a *Analysis, err error) extractWant {
	if err != nil {
		return extractWant{Writes: []string{}, Reads: []string{}, Error: err.Error()}
	}
	w := extractWant{
		Writes:          dotted(a.Writes),
		Reads:           dotted(a.Reads),
		Stateful:        a.Stateful,
		StatefulBecause: a.StatefulBecause,
		ChangelogMode:   a.ChangelogMode,
		Statements:      a.Statements,
	}
	return w
}

func dotted(ns []Name) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.String()
	}
	return out
}

// TestExtractCorpus replays testdata/extract/*.txtar: each holds
// input.sql and want.json. A want without stateful_because accepts any
// reason; with it, the reason must match.
func TestExtractCorpus(t *testing.T) {
	eachCase(t, "testdata/extract/*.txtar", "want.json", func(t *testing.T, file string, ar *txtar.Archive, input []byte, wantIdx int) {
		a, err := Analyze(input)
		var se *SyntaxError
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("error is %T, want *SyntaxError: %v", err, err)
		}
		// A shallow analysis (the scan's) differs only by leaving the
		// table definitions out.
		shallow := Analyzer{Shallow: true}
		sa, serr := shallow.AnalyzeString(string(input))
		if (serr == nil) != (err == nil) || (err != nil && serr.Error() != err.Error()) {
			t.Errorf("shallow error %v, full error %v", serr, err)
		}
		if a != nil && sa != nil {
			full := *a
			full.Tables = nil
			if !reflect.DeepEqual(*sa, full) {
				t.Errorf("shallow analysis\n%+v\ndiffers from the full one without tables\n%+v", *sa, full)
			}
		}
		got := wantOf(a, err)
		if *update {
			// One compact line, like the hand-written wants.
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(got); err != nil {
				t.Fatal(err)
			}
			data := buf.Bytes()
			if wantIdx < 0 {
				ar.Files = append(ar.Files, txtar.File{Name: "want.json", Data: data})
			} else {
				ar.Files[wantIdx].Data = data
			}
			if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		if wantIdx < 0 {
			t.Fatalf("%s: no want.json section (run with -update, then review)", file)
		}
		var want extractWant
		dec := json.NewDecoder(bytes.NewReader(ar.Files[wantIdx].Data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("%s: want.json: %v", file, err)
		}
		if want.StatefulBecause == "" {
			got.StatefulBecause = ""
		}
		if want.Statements == 0 {
			got.Statements = 0
		}
		if want.Writes == nil {
			want.Writes = []string{}
		}
		if want.Reads == nil {
			want.Reads = []string{}
		}
		gj, _ := json.MarshalIndent(got, "", "  ")
		wj, _ := json.MarshalIndent(want, "", "  ")
		if !bytes.Equal(gj, wj) {
			t.Errorf("%s\ngot:\n%s\nwant:\n%s", file, gj, wj)
		}
	})
}

// eachCase runs check on each corpus file matching glob, as a subtest
// named after the file: its archive, its input.sql section (required)
// and the index of its want section (-1 when it has none).
func eachCase(t *testing.T, glob, want string, check func(t *testing.T, file string, ar *txtar.Archive, input []byte, wantIdx int)) {
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			input, wantIdx := []byte(nil), -1
			for i, f := range ar.Files {
				switch f.Name {
				case "input.sql":
					input = f.Data
				case want:
					wantIdx = i
				}
			}
			if input == nil {
				t.Fatalf("%s: no input.sql section", file)
			}
			check(t, file, ar, input, wantIdx)
		})
	}
}
