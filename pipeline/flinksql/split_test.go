package flinksql

import (
	"errors"
	"reflect"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		texts []string
		lines []int
	}{
		{
			name:  "two statements, comments outside",
			src:   "-- lead\nSET 'a' = 'b';\n\nINSERT INTO t SELECT ';' FROM s; -- tail\n",
			texts: []string{"SET 'a' = 'b'", "INSERT INTO t SELECT ';' FROM s"},
			lines: []int{2, 4},
		},
		{
			name:  "no trailing semicolon, empty statements skipped",
			src:   ";;SELECT 1;;  SELECT (2;3)",
			texts: []string{"SELECT 1", "SELECT (2;3)"},
			lines: []int{1, 1},
		},
		{
			name:  "statement set is one statement, CASE END inside",
			src:   "EXECUTE STATEMENT SET BEGIN\nINSERT INTO a SELECT CASE WHEN x THEN 1 END FROM s;\nINSERT INTO b SELECT * FROM s;\nEND;\nSELECT 1",
			texts: []string{"EXECUTE STATEMENT SET BEGIN\nINSERT INTO a SELECT CASE WHEN x THEN 1 END FROM s;\nINSERT INTO b SELECT * FROM s;\nEND", "SELECT 1"},
			lines: []int{1, 5},
		},
		{
			name:  "SQL client statement set",
			src:   "BEGIN STATEMENT SET;\nINSERT INTO a SELECT 1;\nEND;",
			texts: []string{"BEGIN STATEMENT SET;\nINSERT INTO a SELECT 1;\nEND"},
			lines: []int{1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := []byte(tt.src)
			stmts, err := SplitStatements(src)
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			var lines []int
			for _, s := range stmts {
				texts = append(texts, s.Text)
				lines = append(lines, s.Pos.Line)
				if string(src[s.Start:s.End]) != s.Text {
					t.Errorf("offsets %d:%d do not give the text %q", s.Start, s.End, s.Text)
				}
			}
			if !reflect.DeepEqual(texts, tt.texts) || !reflect.DeepEqual(lines, tt.lines) {
				t.Errorf("got %q at lines %v\nwant %q at lines %v", texts, lines, tt.texts, tt.lines)
			}
		})
	}
}

func TestSplitStatementsErrors(t *testing.T) {
	for _, src := range []string{"", "-- only", ";;", "SELECT (1", "SELECT 1)", "SELECT 'x"} {
		_, err := SplitStatements([]byte(src))
		var se *SyntaxError
		if !errors.As(err, &se) || se.Pos.Line < 1 {
			t.Errorf("SplitStatements(%q) error = %v, want a *SyntaxError with a position", src, err)
		}
	}
}
