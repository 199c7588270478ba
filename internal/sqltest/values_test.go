package sqltest

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

func TestValueRows(t *testing.T) {
	signed := func(text string, negative bool) any {
		if negative {
			return "-" + text
		}
		return text
	}
	tests := []struct {
		name string
		sql  string
		want [][]any
	}{
		{name: "strings, numbers and NULL",
			sql:  "INSERT INTO t VALUES ('a', 1, NULL), ('it''s', 2.5, 'x')",
			want: [][]any{{"a", "1", nil}, {"it's", "2.5", "x"}}},
		{name: "a CAST's type is not a value",
			sql:  "INSERT INTO t VALUES (CAST(10.5 AS DECIMAL(10, 2)), 'b')",
			want: [][]any{{"10.5", "b"}}},
		{name: "minus sign",
			sql:  "INSERT INTO t VALUES (-3, 4)",
			want: [][]any{{"-3", "4"}}},
		{name: "nothing before VALUES",
			sql:  "INSERT INTO t (a, b) VALUES (1, 2)",
			want: [][]any{{"1", "2"}}},
		{name: "no VALUES",
			sql:  "INSERT INTO t SELECT 1",
			want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := []byte(tt.sql)
			toks, err := flinksql.Lex(src)
			if err != nil {
				t.Fatal(err)
			}
			if got := ValueRows(toks, src, signed); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ValueRows(%q) = %q; want %q", tt.sql, got, tt.want)
			}
		})
	}
	// number decides what a number becomes.
	src := []byte("INSERT INTO t VALUES (7)")
	toks, _ := flinksql.Lex(src)
	got := ValueRows(toks, src, func(text string, _ bool) any { n, _ := strconv.Atoi(text); return n })
	if !reflect.DeepEqual(got, [][]any{{7}}) {
		t.Errorf("number not applied: %v", got)
	}
}
