package flinksql

import "testing"

func TestRenameTables(t *testing.T) {
	versions := map[string]string{"dim": "dim_v2", "fct": "fct_v2"}
	testCopies := map[string]string{
		"src_a": "src_a_ut_r1", "src_a_ut": "src_a_ut_r1",
		"fct": "fct_ut_r1", "fct_ut": "fct_ut_r1",
	}
	tests := []struct {
		name      string
		renames   map[string]string
		in, want  string
		wantError bool
	}{
		{name: "insert and from", renames: versions,
			in: "INSERT INTO fct SELECT d.id FROM dim AS d", want: "INSERT INTO fct_v2 SELECT d.id FROM dim_v2 AS d"},
		{name: "qualifier and backquoted qualified name", renames: versions,
			in: "SELECT dim.id FROM cat.db.`dim`", want: "SELECT dim_v2.id FROM cat.db.`dim_v2`"},
		{name: "string, longer name and comment untouched", renames: versions,
			in: "SELECT 'dim' AS s FROM dimension -- dim\n", want: "SELECT 'dim' AS s FROM dimension -- dim\n"},
		{name: "case-insensitive", renames: versions,
			in: "SELECT * FROM DIM", want: "SELECT * FROM dim_v2"},
		{name: "alias", renames: testCopies,
			in: "INSERT INTO fct SELECT a.id FROM src_a a", want: "INSERT INTO fct_ut_r1 SELECT a.id FROM src_a_ut_r1 a"},
		{name: "backquoted and upper-case qualified", renames: testCopies,
			in: "insert into `fct` select * from cat.db.SRC_A -- src_a\n", want: "insert into `fct_ut_r1` select * from cat.db.src_a_ut_r1 -- src_a\n"},
		{name: "string untouched, _ut name renamed", renames: testCopies,
			in: "select 'src_a' , src_a.x from src_a_ut", want: "select 'src_a' , src_a_ut_r1.x from src_a_ut_r1"},
		{name: "prefixes untouched", renames: testCopies,
			in: "select src_ab from src_abc", want: "select src_ab from src_abc"},
		{name: "no renames", renames: nil,
			in: "SELECT * FROM dim", want: "SELECT * FROM dim"},
		{name: "unterminated string", renames: versions, in: "SELECT 'unterminated", wantError: true},
		{name: "unterminated short string", renames: testCopies, in: "select 'x", wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RenameTables(tt.in, tt.renames)
			if tt.wantError {
				if err == nil {
					t.Fatalf("RenameTables(%q) = %q; want a lexical error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("RenameTables(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}
