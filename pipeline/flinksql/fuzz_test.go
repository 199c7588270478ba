package flinksql

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// addSeeds adds every input of the extraction corpus and the benchmark DML
// to the fuzzer's seed corpus; plain `go test` runs them.
func addSeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/extract/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range ar.Files {
			if af.Name == "input.sql" {
				f.Add(af.Data)
			}
		}
	}
	if b, err := os.ReadFile("testdata/bench_dml.sql"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("SELECT `a``"))
	f.Add([]byte("E'\\'"))
}

func checkSyntaxError(t *testing.T, what string, err error) {
	t.Helper()
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("%s: error %T %v, want *SyntaxError", what, err, err)
	}
	if se.Pos.Line < 1 || se.Pos.Col < 1 {
		t.Fatalf("%s: error position %d:%d", what, se.Pos.Line, se.Pos.Col)
	}
}

// FuzzAnalyze: Analyze never panics, fails only with a positioned
// *SyntaxError, agrees with SplitStatements on the statement count, and
// gives the same writes, reads and statefulness for the normalized text.
func FuzzAnalyze(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		a, err := Analyze(src)
		if err != nil {
			checkSyntaxError(t, "Analyze", err)
			return
		}
		for _, n := range append(append([]Name{}, a.Writes...), a.Reads...) {
			if len(n.Parts) == 0 || n.Pos.Line < 1 {
				t.Fatalf("bad name %+v", n)
			}
		}
		// The scan's shallow analysis is the full one without the table
		// definitions.
		shallow := Analyzer{Shallow: true}
		sa, err := shallow.Analyze(src)
		full := *a
		full.Tables = nil
		if err != nil || !reflect.DeepEqual(*sa, full) {
			t.Fatalf("shallow analysis differs: %v\n%+v\n%+v", err, sa, full)
		}
		stmts, err := SplitStatements(src)
		if err != nil || len(stmts) != a.Statements {
			t.Fatalf("SplitStatements: %d statements, %v; Analyze counted %d", len(stmts), err, a.Statements)
		}
		norm, err := Normalize(src)
		if err != nil {
			// Only a file of ';' analyses... it does not: Analyze refused it.
			t.Fatalf("Normalize failed on analysable input: %v", err)
		}
		b, err := Analyze([]byte(norm))
		if err != nil {
			t.Fatalf("normalized text does not analyse: %v\n%s", err, norm)
		}
		if !reflect.DeepEqual(dotted(a.Writes), dotted(b.Writes)) || !reflect.DeepEqual(dotted(a.Reads), dotted(b.Reads)) || a.Stateful != b.Stateful || a.ChangelogMode != b.ChangelogMode {
			t.Fatalf("normalization changed the analysis:\nsrc:  %q\nnorm: %q\n%+v\n%+v", src, norm, a, b)
		}
		out, _, err := RewriteDDL(src, flinkTarget)
		if err != nil {
			t.Fatalf("RewriteDDL failed on analysable input: %v", err)
		}
		if _, err := Analyze([]byte(out)); err != nil {
			t.Fatalf("rewritten DDL does not analyse: %v\n%s", err, out)
		}
	})
}

// FuzzLex: tokens are ordered, non-empty, positioned, and the gaps between
// them hold only white space and comments.
func FuzzLex(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		toks, err := Lex(src)
		if err != nil {
			checkSyntaxError(t, "Lex", err)
			return
		}
		prev := 0
		for i, tok := range toks {
			if tok.Start < prev || tok.End <= tok.Start || tok.End > len(src) {
				t.Fatalf("token %d has offsets %d:%d after %d", i, tok.Start, tok.End, prev)
			}
			if want := PosAt(src, tok.Start); want != tok.Pos {
				t.Fatalf("token %d at %d has position %+v, want %+v", i, tok.Start, tok.Pos, want)
			}
			if gap := strings.TrimSpace(string(src[prev:tok.Start])); gap != "" && i > 0 {
				if _, err := Lex([]byte(gap)); err == nil {
					t.Fatalf("gap %q before token %d holds tokens", gap, i)
				}
			}
			prev = tok.End
		}
	})
}

// FuzzNormalize: Normalize is idempotent and keeps the token sequence
// (keywords compared case-insensitively).
func FuzzNormalize(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		norm, err := Normalize(src)
		if err != nil {
			checkSyntaxError(t, "Normalize", err)
			return
		}
		again, err := Normalize([]byte(norm))
		if err != nil || again != norm {
			t.Fatalf("not idempotent: %q -> %q (%v)", norm, again, err)
		}
		a, _ := Lex(src)
		b, _ := Lex([]byte(norm))
		for len(a) > 0 && a[len(a)-1].is(';') {
			a = a[:len(a)-1]
		}
		if len(a) != len(b) {
			t.Fatalf("normalized text has %d tokens, source %d: %q", len(b), len(a), norm)
		}
		for i := range a {
			x, y := a[i].Text(src), b[i].Text([]byte(norm))
			if a[i].Kind != b[i].Kind || !(x == y || a[i].Kw != KwNone && strings.EqualFold(x, y)) {
				t.Fatalf("token %d changed: %q -> %q in %q", i, x, y, norm)
			}
		}
	})
}

// FuzzRewriteDDL: the DDL rewrite the flink target and the unit tests
// apply to users' DDLs never panics, fails only on input the lexer
// refuses, and gives SQL that lexes, with and without KeepLines (which
// must keep the line count).
func FuzzRewriteDDL(f *testing.F) {
	addSeeds(f)
	f.Add([]byte("CREATE TABLE t (a INT, PRIMARY KEY (a) NOT ENFORCED) DISTRIBUTED BY HASH(a) INTO 3 BUCKETS WITH ('x' = '1', 'kafka.retention.time' = '0');"))
	f.Add([]byte("CREATE TABLE t (a INT);"))
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, keep := range []bool{false, true} {
			opts := RewriteOptions{
				KeepLines: keep, DropPrimaryKey: keep, DropOptions: []string{"kafka.*"},
				SetOptions:    []Option{{Key: "x", Value: "a"}, {Key: "X", Value: "b"}, {Key: "connector", Value: "kafka"}},
				AppendColumns: []string{"`$rowtime` TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL"},
			}
			out, _, err := RewriteDDL(src, opts)
			if err != nil {
				if _, lexErr := Lex(src); lexErr == nil {
					if _, parenErr := matchParens(mustLex(src), nil); parenErr == nil {
						t.Fatalf("KeepLines %v: %v on input that lexes", keep, err)
					}
				}
				continue
			}
			if _, err := Lex([]byte(out)); err != nil {
				t.Fatalf("KeepLines %v: the rewrite does not lex: %v\n%s", keep, err, out)
			}
			if keep && strings.Count(out, "\n") != strings.Count(string(src), "\n") {
				t.Fatalf("KeepLines moved lines:\n%s\n---\n%s", src, out)
			}
		}
	})
}

func mustLex(src []byte) []Token {
	toks, _ := Lex(src)
	return toks
}
