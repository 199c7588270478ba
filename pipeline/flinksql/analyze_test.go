package flinksql

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestAnalyzeBoundsNesting(t *testing.T) {
	deep := "SELECT " + strings.Repeat("(", maxParenDepth+1) + "1" + strings.Repeat(")", maxParenDepth+1)
	_, err := Analyze([]byte(deep))
	var se *SyntaxError
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "nested deeper") || se.Pos.Col != 8+maxParenDepth {
		t.Errorf("deep nesting: err = %v, want a *SyntaxError at the %dth '('", err, maxParenDepth+1)
	}
	ok := "INSERT INTO t SELECT * FROM " + strings.Repeat("(SELECT * FROM ", 300) + "src" + strings.Repeat(")", 300)
	a, err := Analyze([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if got := dotted(a.Reads); !reflect.DeepEqual(got, []string{"src"}) {
		t.Errorf("reads = %q, want [src]", got)
	}
	// Repeated EXECUTE and nested statement sets do not recurse per token.
	many := strings.Repeat("EXECUTE ", 100000) + "STATEMENT SET BEGIN " + strings.Repeat("STATEMENT SET BEGIN ", 100000) + "INSERT INTO t SELECT 1; END"
	if _, err := Analyze([]byte(many)); err != nil {
		t.Fatal(err)
	}
}

func TestAnalyzerReuse(t *testing.T) {
	var az Analyzer
	srcs := []string{
		"INSERT INTO a SELECT * FROM x JOIN y ON x.id = y.id",
		"CREATE TABLE b (id INT) WITH ('changelog.mode' = 'retract')",
		"INSERT INTO c WITH q AS (SELECT * FROM z) SELECT * FROM q",
	}
	for round := 0; round < 2; round++ {
		for _, src := range srcs {
			got, err := az.Analyze([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			want, _ := Analyze([]byte(src))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round %d, %q: reused Analyzer gives %+v, fresh gives %+v", round, src, got, want)
			}
		}
	}
}

func TestAnalyzeNamesAndPositions(t *testing.T) {
	src := "INSERT INTO `c`.db.`t``x`\nSELECT *\n  FROM   src s"
	a, err := Analyze([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	w, r := a.Writes[0], a.Reads[0]
	if !reflect.DeepEqual(w.Parts, []string{"c", "db", "t`x"}) || w.Table() != "t`x" || w.Pos != (Pos{1, 13}) {
		t.Errorf("write = %+v", w)
	}
	if r.String() != "src" || r.Pos != (Pos{3, 10}) {
		t.Errorf("read = %+v", r)
	}
}

// wideSQL is a machine-generated statement set with n INSERTs, each
// reading a CTE and two tables, one of them written by another INSERT.
func wideSQL(n int) string {
	var sb strings.Builder
	sb.WriteString("EXECUTE STATEMENT SET BEGIN\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "INSERT INTO out_%d WITH c%d AS (SELECT * FROM src_%d) SELECT * FROM c%d, out_%d;\n", i, i, i, i, (i+1)%n)
	}
	sb.WriteString("END;\nINSERT INTO last SELECT * FROM ")
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "w_%d", i)
	}
	sb.WriteString(" WITH_ALIAS")
	return sb.String()
}

func TestAnalyzeWide(t *testing.T) {
	const n = 3000
	a, err := Analyze([]byte(wideSQL(n)))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Writes) != n+1 {
		t.Errorf("%d writes, want %d", len(a.Writes), n+1)
	}
	// src_i and w_i; out_i are the file's own writes, c_i are CTEs.
	if len(a.Reads) != 2*n {
		t.Errorf("%d reads, want %d", len(a.Reads), 2*n)
	}
	for _, r := range a.Reads {
		if strings.HasPrefix(r.String(), "out_") || strings.HasPrefix(r.String(), "c") {
			t.Fatalf("unexpected read %s", r)
		}
	}
}
