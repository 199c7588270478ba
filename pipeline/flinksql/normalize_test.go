package flinksql

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{
			name: "comments, whitespace, keyword case, trailing semicolons",
			src:  "-- head\ninsert  into t\n  select a , COUNT( * ) /* c */ from  `S`.x;;\n",
			want: "INSERT INTO t SELECT a,COUNT(*)FROM `S`.x",
		},
		{
			name: "identifiers and strings keep their case",
			src:  "SELECT MyCol, 'Mixed  Case -- not a comment' FROM Orders",
			want: "SELECT MyCol,'Mixed  Case -- not a comment' FROM Orders",
		},
		{
			name: "dot next to a number keeps a space",
			src:  "SELECT a. 5, 1 .b",
			want: "SELECT a. 5,1 .b",
		},
		{
			name: "operators stay apart",
			src:  "SELECT a - -1, b / *c",
			want: "SELECT a - - 1,b / * c",
		},
		{
			name: "non-reserved keywords keep their spelling where a name may stand",
			src:  "create table if not exists data (key int comment 'k') with ('a'='b'); select * from session join cat.Key on true",
			want: "CREATE TABLE IF NOT EXISTS data(key INT COMMENT 'k')WITH('a' = 'b');SELECT * FROM session JOIN cat.Key ON TRUE",
		},
		{
			name: "inner semicolons kept",
			src:  "SET 'a'='b'; select 1 ;",
			want: "SET 'a' = 'b';SELECT 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize([]byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Normalize = %q, want %q", got, tt.want)
			}
			again, err := Normalize([]byte(got))
			if err != nil || again != got {
				t.Errorf("not idempotent: %q -> %q (%v)", got, again, err)
			}
		})
	}
}

func TestNormalizeEquivalence(t *testing.T) {
	a := "INSERT INTO fct\nSELECT o.id, c.name -- the name\nFROM orders o\nJOIN customers c ON o.cid = c.id;\n"
	b := "/* deployed */ insert into fct select o.id,c.name from orders o join customers c on o.cid=c.id"
	c := "insert into fct select o.id,c.name from orders o join customers c on o.cid=c.ID"
	na, err := Normalize([]byte(a))
	if err != nil {
		t.Fatal(err)
	}
	nb, _ := Normalize([]byte(b))
	nc, _ := Normalize([]byte(c))
	if na != nb {
		t.Errorf("files differing only in comments, spaces and keyword case normalize differently:\n%q\n%q", na, nb)
	}
	if na == nc {
		t.Errorf("identifier case change was normalized away: %q", nc)
	}
}

func TestNormalizeErrors(t *testing.T) {
	for _, src := range []string{"", "/* x */", ";", "SELECT 'x"} {
		if _, err := Normalize([]byte(src)); err == nil {
			t.Errorf("Normalize(%q) succeeded, want an error", src)
		}
	}
}
