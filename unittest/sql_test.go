package unittest

import (
	"reflect"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

func TestRenames(t *testing.T) {
	got := Renames([]string{"src_a", "FCT"}, "_ut_r1")
	want := map[string]string{
		"src_a": "src_a_ut_r1", "src_a_ut": "src_a_ut_r1",
		"fct": "FCT_ut_r1", "fct_ut": "FCT_ut_r1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Renames = %v; want %v", got, want)
	}
}

func TestIsTestTable(t *testing.T) {
	tables := map[string]bool{"src_a": true, "fct": true}
	for name, want := range map[string]string{"src_a_ut": "src_a", "fct_ut_k3x9": "fct", "fct": "", "other_ut": "", "fct_ut_": "", "FCT_UT": "fct"} {
		got, ok := IsTestTable(name, tables)
		if got != want || ok != (want != "") {
			t.Errorf("IsTestTable(%s) = %s, %v", name, got, ok)
		}
	}
}

func TestBoundedDDL(t *testing.T) {
	got, err := BoundedDDL("CREATE TABLE a_ut (id STRING) WITH ('connector' = 'kafka', 'scan.bounded.mode' = 'unbounded')")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "'scan.bounded.mode' = 'latest-offset'") || strings.Contains(got, "unbounded") || !strings.Contains(got, "'scan.startup.mode' = 'earliest-offset'") {
		t.Errorf("got %s", got)
	}
}

func TestCSVInsert(t *testing.T) {
	cols := []flinksql.Column{{Name: "id", Type: "STRING", NotNull: true}, {Name: "amount", Type: "DECIMAL(10, 2)"}, {Name: "n", Type: "BIGINT"},
		{Name: "ok", Type: "BOOLEAN"}, {Name: "d", Type: "DATE"}, {Name: "ts", Type: "TIMESTAMP(3)"}, {Name: "lts", Type: "TIMESTAMP_LTZ(3)"}}
	tests := []struct {
		name, csv, want, err string
	}{
		{name: "shift_left quoting",
			csv:  "id, amount\n'o''1', 1.5\n'a,b', NULL\n",
			want: "INSERT INTO `t_ut` (`id`, `amount`, `n`, `ok`, `d`, `ts`, `lts`) VALUES\n('o''1', CAST(1.5 AS DECIMAL(10, 2)), CAST(NULL AS BIGINT), CAST(NULL AS BOOLEAN), CAST(NULL AS DATE), CAST(NULL AS TIMESTAMP(3)), CAST(NULL AS TIMESTAMP_LTZ(3))),\n('a,b', CAST(NULL AS DECIMAL(10, 2)), CAST(NULL AS BIGINT), CAST(NULL AS BOOLEAN), CAST(NULL AS DATE), CAST(NULL AS TIMESTAMP(3)), CAST(NULL AS TIMESTAMP_LTZ(3)))"},
		{name: "plain csv types",
			csv:  "ts,d,ok,n,lts,id\n2024-01-02T03:04:05.123Z,2024-01-02,true,7,2024-01-02 00:00:00,\"x \"\"y\"\"\"\n",
			want: "('x \"y\"', CAST(NULL AS DECIMAL(10, 2)), CAST(7 AS BIGINT), TRUE, DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05.123', CAST(TIMESTAMP '2024-01-02 00:00:00' AS TIMESTAMP_LTZ(3)))"},
		{name: "empty quoted is text", csv: "id\n''\n", want: "(''"},
		{name: "bad timestamp", csv: "id, ts\n'a', 'created_at_1'\n", err: "f.csv:2:6: column ts TIMESTAMP(3): 'created_at_1' is not a timestamp"},
		{name: "bad int", csv: "n\nx\n", err: "f.csv:2:1: column n BIGINT: 'x' is not an integer"},
		{name: "unknown column", csv: "id, zz\n'a', 1\n", err: `f.csv:1:5: column "zz" is not a column of t_ut (its foundation DDL has id, amount, n, ok, d, ts, lts)`},
		{name: "count mismatch", csv: "id, n\n'a'\n", err: "f.csv:2:1: 1 values for 2 columns"},
		{name: "unterminated", csv: "id\n'a\n", err: "f.csv:2:1: column 1: unterminated ' quote"},
		{name: "no rows", csv: "id\n\n", err: "f.csv:1:1: no rows after the header"},
		{name: "empty", csv: "\n", err: "f.csv: empty CSV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CSVInsert("f.csv", tt.csv, "t_ut", cols)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !strings.Contains(got, tt.want) {
				t.Fatalf("got %q, %v\nwant %q", got, err, tt.want)
			}
		})
	}
}

func FuzzCSVInsert(f *testing.F) {
	f.Add("id, amount\n'a', 1.5\n")
	f.Add("id\n\"x\"\"\",\n")
	cols := []flinksql.Column{{Name: "id", Type: "STRING"}, {Name: "amount", Type: "DECIMAL(10, 2)"}}
	f.Fuzz(func(t *testing.T, csv string) {
		out, err := CSVInsert("f.csv", csv, "t", cols)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.csv") {
				t.Fatalf("error without the file: %v", err)
			}
			return
		}
		// Whatever the values, the statement lexes: no value escapes its
		// literal.
		if _, err := flinksql.Lex([]byte(out)); err != nil {
			t.Fatalf("%q gives SQL that does not lex: %v\n%s", csv, err, out)
		}
	})
}
