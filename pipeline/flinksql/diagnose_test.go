package flinksql

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestErrorPositionCorpus replays testdata/errors/*.txtar: each holds
// input.sql, a file with one mistake, and want, the error Analyze gives
// (rewritten with -update). The comment of each case says where the
// mistake is; the error must name that line.
func TestErrorPositionCorpus(t *testing.T) {
	eachCase(t, "testdata/errors/*.txtar", "want", func(t *testing.T, file string, ar *txtar.Archive, input []byte, wantAt int) {
		if wantAt < 0 {
			t.Fatalf("%s needs input.sql and want", file)
		}
		_, err := Analyze(input)
		if err == nil {
			t.Fatalf("no error for %s", file)
		}
		got := err.Error() + "\n"
		if *update {
			ar.Files[wantAt].Data = []byte(got)
			if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		if want := string(ar.Files[wantAt].Data); got != want {
			t.Errorf("error:\n got %s\nwant %s", got, want)
		}
	})
}

// TestDiagnoseAgreesWithSplit: SplitStatements and Analyze report the same position
// for the same mistake (both match brackets through matchParens).
func TestDiagnoseAgreesWithSplit(t *testing.T) {
	src := []byte("INSERT INTO t\nWITH c AS (\n  SELECT\n    COUNT((x) AS n\n  FROM s\n)\nSELECT * FROM c;\n")
	_, aErr := Analyze(src)
	_, sErr := SplitStatements(src)
	if aErr == nil || sErr == nil || aErr.Error() != sErr.Error() {
		t.Fatalf("Analyze: %v\nSplit:   %v", aErr, sErr)
	}
	if !strings.HasPrefix(aErr.Error(), "line 4, column 10: '(' at 4:10 is never closed") {
		t.Errorf("err = %v", aErr)
	}
}

func TestReadsLikeSQL(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"FROM src_orders o", true},
		{"from src_orders o", true},
		{"LEFT JOIN orders o ON a = b", true},
		{"AND status = 1", true},
		{"and then some prose", false},
		{"-- a comment", true},
		{"member_id,", true},
		{");", true},
		{") AS t", true},
		{"WITH visits AS (", true},
		{"of the member, as given", false},
		{"the source system", false},
		{"", false},
		{"12 apples", false},
	}
	for _, tc := range tests {
		if got := readsLikeSQL(tc.line); got != tc.want {
			t.Errorf("readsLikeSQL(%q) = %v, want %v", tc.line, got, tc.want)
		}
	}
}

// TestDiagnoseBounded: a statement too large for the search keeps the
// error of matching in order, and is still fast.
func TestDiagnoseBounded(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("SELECT (")
	for i := 0; i < 5000; i++ {
		b.WriteString(", (1)\n")
	}
	b.WriteString(";")
	_, err := Analyze(b.Bytes())
	if err == nil || err.Error() != "line 1, column 8: '(' is never closed: add the matching ')'" {
		t.Fatalf("err = %v", err)
	}
}
