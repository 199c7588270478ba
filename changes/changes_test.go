package changes

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fileLines renders files compactly: "path kind action table [old] [*]"
// (* = uncommitted).
func fileLines(cs *ChangeSet) []string {
	var out []string
	for _, f := range cs.Files {
		parts := []string{f.Path, string(f.Kind), f.Action}
		if f.Table != "" {
			parts = append(parts, f.Table)
		}
		if f.OldPath != "" && f.OldPath != f.Path {
			parts = append(parts, "<"+f.OldPath)
		}
		if f.Uncommitted {
			parts = append(parts, "*")
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

// tableLines renders tables: "table kind folder [<old_folder] [content] [schema]".
func tableLines(cs *ChangeSet) []string {
	var out []string
	for _, t := range cs.Tables {
		s := t.Table + " " + string(t.Kind) + " " + t.Folder
		if t.OldFolder != "" {
			s += " <" + t.OldFolder
		}
		if t.Content != "" {
			s += " content=" + string(t.Content)
		}
		if t.Schema != nil {
			s += " schema=" + t.Schema.Category
		}
		out = append(out, s)
	}
	return out
}

func compute(t *testing.T, r *testRepo, since string, uncommitted bool) *ChangeSet {
	t.Helper()
	cs, err := Compute(context.Background(), Options{PipelinesDir: filepath.Join(r.dir, "pipelines"), Since: since, IncludeUncommitted: uncommitted})
	if err != nil {
		t.Fatalf("Compute(since %q): %v", since, err)
	}
	return cs
}

func check(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}

func TestCommitRangeRefsAndTags(t *testing.T) {
	r := newTestRepo(t)
	c1 := seedProject(r)
	r.tag("v1", c1, false)
	r.tag("v1-annotated", c1, true)
	r.write(map[string]string{"pipelines/intermediates/p1/int_b/sql-scripts/dml.int_b.sql": dml("int_b", "src_a") + "-- tuned\n"})
	c2 := r.commit("int_b dml")
	r.write(map[string]string{
		"pipelines/facts/p1/fct_c/sql-scripts/ddl.fct_c.sql":      ddl("fct_c", "id STRING", "amount DECIMAL(10, 2)"),
		"pipelines/intermediates/p1/int_b/tests/insert_src_a.sql": "INSERT INTO src_a VALUES ('2');\n",
		"README.md": "changed outside the pipelines\n",
	})
	r.commit("fct_c ddl, int_b test")

	both := []string{
		"facts/p1/fct_c/sql-scripts/ddl.fct_c.sql ddl modified fct_c",
		"intermediates/p1/int_b/sql-scripts/dml.int_b.sql dml modified int_b",
		"intermediates/p1/int_b/tests/insert_src_a.sql other modified int_b",
	}
	bothTables := []string{"fct_c ddl facts/p1/fct_c schema=compatible", "int_b dml intermediates/p1/int_b"}
	last := []string{
		"facts/p1/fct_c/sql-scripts/ddl.fct_c.sql ddl modified fct_c",
		"intermediates/p1/int_b/tests/insert_src_a.sql other modified int_b",
	}
	tests := []struct {
		since      string
		files      []string
		tables     []string
		base       string
		uncomitted bool
	}{
		{since: c1.String(), files: both, tables: bothTables, base: c1.String()},
		{since: c1.String()[:8], files: both, tables: bothTables, base: c1.String()},
		{since: "v1", files: both, tables: bothTables, base: c1.String()},
		{since: "v1-annotated", files: both, tables: bothTables, base: c1.String()},
		{since: "HEAD~2", files: both, tables: bothTables, base: c1.String()},
		{since: "HEAD^^", files: both, tables: bothTables, base: c1.String()},
		{since: "HEAD~1", files: last, tables: []string{"fct_c ddl facts/p1/fct_c schema=compatible"}, base: c2.String()},
		{since: "HEAD", base: ""},
		{since: "", base: ""},
	}
	for _, tc := range tests {
		t.Run(tc.since, func(t *testing.T) {
			cs := compute(t, r, tc.since, false)
			check(t, "files", fileLines(cs), tc.files)
			check(t, "tables", tableLines(cs), tc.tables)
			if tc.base != "" && cs.Base != tc.base {
				t.Errorf("base = %s, want %s", cs.Base, tc.base)
			}
			if cs.PipelinesPath != "pipelines" {
				t.Errorf("pipelines path = %q", cs.PipelinesPath)
			}
		})
	}
	cs := compute(t, r, "v1", false)
	if got := cs.Files[0].RepoPath; got != "pipelines/facts/p1/fct_c/sql-scripts/ddl.fct_c.sql" {
		t.Errorf("repo path = %q", got)
	}
	want := []string{"column amount DECIMAL(10, 2) added at the end"}
	if got := cs.Tables[0].Schema.Reasons; !reflect.DeepEqual(got, want) {
		t.Errorf("schema reasons = %q, want %q", got, want)
	}
}

// A feature branch diverged from main; main moved on. The change set is the
// branch's own work only (merge-base(main, HEAD)..HEAD), whether main is a
// local or a remote branch.
func TestBranchMergeBase(t *testing.T) {
	r := newTestRepo(t)
	c1 := seedProject(r)
	r.branch("feature", c1)
	r.write(map[string]string{"pipelines/sources/src_a/sql-scripts/dml.src_a.sql": dml("src_a") + "-- main moved on\n"})
	mainTip := r.commit("main: src_a")
	r.remoteBranch("origin", "main", mainTip)
	r.checkout("feature")
	r.write(map[string]string{"pipelines/intermediates/p1/int_b/sql-scripts/dml.int_b.sql": dml("int_b", "src_a") + "-- feature\n"})
	r.commit("feature: int_b")

	for _, since := range []string{"master", "origin/main", "refs/remotes/origin/main", mainTip.String()} {
		t.Run(since, func(t *testing.T) {
			cs := compute(t, r, since, false)
			check(t, "files", fileLines(cs), []string{"intermediates/p1/int_b/sql-scripts/dml.int_b.sql dml modified int_b"})
			if cs.Base != c1.String() {
				t.Errorf("base = %s, want the merge base %s", cs.Base, c1)
			}
		})
	}
}

func TestSinceDate(t *testing.T) {
	r := newTestRepo(t)
	day := func(d int) time.Time { return time.Date(2026, 11, d, 12, 0, 0, 0, time.UTC) }
	seedProject(r)
	r.when = day(1)
	r.write(map[string]string{"pipelines/sources/src_a/sql-scripts/dml.src_a.sql": dml("src_a") + "-- 1\n"})
	c1 := r.commit("nov 1", day(1))
	r.write(map[string]string{"pipelines/intermediates/p1/int_b/sql-scripts/dml.int_b.sql": dml("int_b", "src_a") + "-- 5\n"})
	c5 := r.commit("nov 5", day(5))
	r.write(map[string]string{"pipelines/facts/p1/fct_c/sql-scripts/dml.fct_c.sql": dml("fct_c", "int_b") + "-- 10\n"})
	r.commit("nov 10", day(10))

	tests := []struct {
		since  string
		base   string
		tables []string
	}{
		{"2026-11-05", c1.String(), []string{"fct_c dml facts/p1/fct_c", "int_b dml intermediates/p1/int_b"}},
		{"2026-11-06", c5.String(), []string{"fct_c dml facts/p1/fct_c"}},
		{"2026-11-05T12:00:00Z", c5.String(), []string{"fct_c dml facts/p1/fct_c"}},
		{"2026-11-05T11:59:59Z", c1.String(), []string{"fct_c dml facts/p1/fct_c", "int_b dml intermediates/p1/int_b"}},
		{"2026-12-01", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.since, func(t *testing.T) {
			cs := compute(t, r, tc.since, false)
			check(t, "tables", tableLines(cs), tc.tables)
			if tc.base != "" && cs.Base != tc.base {
				t.Errorf("base = %s, want %s", cs.Base, tc.base)
			}
		})
	}
	// Before the first commit: everything is new.
	cs := compute(t, r, "2020-01-01", false)
	if cs.Base != "" {
		t.Errorf("base = %q, want none", cs.Base)
	}
	check(t, "tables", tableLines(cs), []string{
		"fct_c added facts/p1/fct_c", "fct_old added facts/p1/fct_old",
		"int_b added intermediates/p1/int_b", "src_a added sources/src_a",
	})
	// A tag named like a date is a tag.
	r.tag("2026-11-06", c1, false)
	cs = compute(t, r, "2026-11-06", false)
	if cs.Base != c1.String() {
		t.Errorf("tag 2026-11-06: base = %s, want the tagged %s", cs.Base, c1)
	}
}

func TestFolderRenameDeleteAdd(t *testing.T) {
	r := newTestRepo(t)
	c1 := seedProject(r)
	r.move("pipelines/facts/p1/fct_c", "pipelines/facts/p2/fct_c")
	r.removeAll("pipelines/facts/p1/fct_old")
	r.write(table("dimensions/p1/dim_new", "dim_new", "int_b"))
	r.commit("move fct_c, drop fct_old, add dim_new")

	cs := compute(t, r, c1.String(), false)
	check(t, "tables", tableLines(cs), []string{
		"dim_new added dimensions/p1/dim_new",
		"fct_c renamed facts/p2/fct_c <facts/p1/fct_c",
		"fct_old deleted facts/p1/fct_old",
	})
	check(t, "files", fileLines(cs), []string{
		"dimensions/p1/dim_new/Makefile other added dim_new",
		"dimensions/p1/dim_new/sql-scripts/ddl.dim_new.sql added added dim_new",
		"dimensions/p1/dim_new/sql-scripts/dml.dim_new.sql added added dim_new",
		"facts/p1/fct_old/Makefile other deleted fct_old",
		"facts/p1/fct_old/sql-scripts/ddl.fct_old.sql deleted deleted fct_old",
		"facts/p1/fct_old/sql-scripts/dml.fct_old.sql deleted deleted fct_old",
		"facts/p2/fct_c/Makefile other renamed fct_c <facts/p1/fct_c/Makefile",
		"facts/p2/fct_c/sql-scripts/ddl.fct_c.sql renamed renamed fct_c <facts/p1/fct_c/sql-scripts/ddl.fct_c.sql",
		"facts/p2/fct_c/sql-scripts/dml.fct_c.sql renamed renamed fct_c <facts/p1/fct_c/sql-scripts/dml.fct_c.sql",
	})
	// A deleted table keeps its SQL as the base had it, to be undeployed;
	// other tables carry none.
	for _, tc := range cs.Tables {
		var want *BaseSQL
		if tc.Kind == KindDeleted {
			want = &BaseSQL{
				DDLPath: "facts/p1/fct_old/sql-scripts/ddl.fct_old.sql", DDL: ddl("fct_old"),
				DMLPath: "facts/p1/fct_old/sql-scripts/dml.fct_old.sql", DML: dml("fct_old", "int_b"),
			}
		}
		if !reflect.DeepEqual(tc.Base, want) {
			t.Errorf("%s: base SQL %+v, want %+v", tc.Table, tc.Base, want)
		}
	}
}

// A folder moved and its DDL changed in the same range: renamed, with the
// content change and its schema classification.
func TestRenameWithDDLChange(t *testing.T) {
	r := newTestRepo(t)
	c1 := seedProject(r)
	r.move("pipelines/facts/p1/fct_c", "pipelines/facts/p2/fct_c")
	r.write(map[string]string{"pipelines/facts/p2/fct_c/sql-scripts/ddl.fct_c.sql": ddl("fct_c", "id BIGINT")})
	r.commit("move and retype")
	cs := compute(t, r, c1.String(), false)
	check(t, "tables", tableLines(cs), []string{"fct_c renamed facts/p2/fct_c <facts/p1/fct_c content=ddl schema=breaking"})
}

func TestUncommitted(t *testing.T) {
	r := newTestRepo(t)
	c1 := seedProject(r)
	r.write(map[string]string{"pipelines/facts/p1/fct_c/sql-scripts/dml.fct_c.sql": dml("fct_c", "int_b") + "-- committed\n"})
	r.commit("fct_c dml")
	r.write(merge(
		map[string]string{
			// edited, not staged
			"pipelines/intermediates/p1/int_b/sql-scripts/dml.int_b.sql": dml("int_b", "src_a") + "-- wip\n",
			// deleted
			"pipelines/sources/src_a/sql-scripts/dml.src_a.sql": "",
			// reverted to the base content: no change left
			"pipelines/facts/p1/fct_c/sql-scripts/dml.fct_c.sql": dml("fct_c", "int_b"),
			// ignored untracked files
			"pipelines/.gitignore":               "*.log\nbuild/\n",
			"pipelines/facts/p1/fct_c/debug.log": "noise\n",
			"pipelines/build/out.sql":            "noise\n",
		},
		table("views/v_new", "v_new", "fct_c"), // untracked folder
	))
	r.move("pipelines/facts/p1/fct_old", "pipelines/facts/p3/fct_old") // moved, not committed

	cs := compute(t, r, "", true)
	got := fileLines(cs)
	want := []string{
		".gitignore other added *",
		"facts/p1/fct_c/sql-scripts/dml.fct_c.sql dml modified fct_c *",
		"facts/p3/fct_old/Makefile other renamed fct_old <facts/p1/fct_old/Makefile *",
		"facts/p3/fct_old/sql-scripts/ddl.fct_old.sql renamed renamed fct_old <facts/p1/fct_old/sql-scripts/ddl.fct_old.sql *",
		"facts/p3/fct_old/sql-scripts/dml.fct_old.sql renamed renamed fct_old <facts/p1/fct_old/sql-scripts/dml.fct_old.sql *",
		"intermediates/p1/int_b/sql-scripts/dml.int_b.sql dml modified int_b *",
		"sources/src_a/sql-scripts/dml.src_a.sql dml deleted src_a *",
		"views/v_new/Makefile other added v_new *",
		"views/v_new/sql-scripts/ddl.v_new.sql added added v_new *",
		"views/v_new/sql-scripts/dml.v_new.sql added added v_new *",
	}
	check(t, "files since HEAD", got, want)

	// Since the first commit, the committed fct_c edit and its uncommitted
	// revert cancel out.
	cs = compute(t, r, c1.String(), true)
	for _, f := range cs.Files {
		if strings.HasPrefix(f.Path, "facts/p1/fct_c/") {
			t.Errorf("reverted file still listed: %+v", f)
		}
	}
	check(t, "tables since c1", tableLines(cs), []string{
		"fct_old renamed facts/p3/fct_old <facts/p1/fct_old",
		"int_b dml intermediates/p1/int_b",
		"src_a dml sources/src_a",
		"v_new added views/v_new",
	})
	// Without the flag the working tree is not read at all.
	cs = compute(t, r, c1.String(), false)
	check(t, "tables committed only", tableLines(cs), []string{"fct_c dml facts/p1/fct_c"})
}

func TestTableOfAndNamesFromSQL(t *testing.T) {
	r := newTestRepo(t)
	c1 := seedProject(r)
	r.write(map[string]string{"pipelines/intermediates/p1/int_b/sql-scripts/dml.int_b.sql": dml("int_b", "src_a") + "-- x\n"})
	r.commit("int_b")
	cs, err := Compute(context.Background(), Options{
		PipelinesDir: filepath.Join(r.dir, "pipelines"), Since: c1.String(),
		TableOf: func(p string) string {
			if strings.HasPrefix(p, "intermediates/p1/int_b/") {
				return "int_b_from_project"
			}
			return ""
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The base name comes from the SQL, the current one from TableOf: they
	// differ, so the old table is gone and a new one appears.
	check(t, "tables", tableLines(cs), []string{"int_b deleted intermediates/p1/int_b", "int_b_from_project added intermediates/p1/int_b"})
}

// The table name comes from the SQL, not from the folder or file name.
func TestTableNameFromSQL(t *testing.T) {
	r := newTestRepo(t)
	c1 := seedProject(r)
	r.write(map[string]string{
		"pipelines/intermediates/p1/int_test/sql-scripts/ddl.test.sql":    ddl("int_tag"),
		"pipelines/intermediates/p1/int_test/sql-scripts/dml.int_tag.sql": "INSERT INTO `int_tag` SELECT id FROM src_a;\n",
	})
	r.commit("int_tag")
	cs := compute(t, r, c1.String(), false)
	check(t, "tables", tableLines(cs), []string{"int_tag added intermediates/p1/int_test"})
	if len(cs.Warnings) != 0 {
		t.Errorf("warnings: %q", cs.Warnings)
	}
}

func TestPipelinesAtRepoRootAndRepoDir(t *testing.T) {
	r := newTestRepo(t)
	r.write(map[string]string{"facts/fct_x/sql-scripts/ddl.fct_x.sql": ddl("fct_x")})
	c1 := r.commit("x")
	r.write(map[string]string{"facts/fct_x/sql-scripts/dml.fct_x.sql": dml("fct_x")})
	r.commit("dml")
	cs, err := Compute(context.Background(), Options{PipelinesDir: r.dir, Since: c1.String()})
	if err != nil {
		t.Fatal(err)
	}
	check(t, "files", fileLines(cs), []string{"facts/fct_x/sql-scripts/dml.fct_x.sql dml added fct_x"})
	if cs.PipelinesPath != "." || cs.Files[0].RepoPath != "facts/fct_x/sql-scripts/dml.fct_x.sql" {
		t.Errorf("paths: %q %q", cs.PipelinesPath, cs.Files[0].RepoPath)
	}

	// --repo pointing elsewhere than the pipelines' repository.
	other := t.TempDir()
	_, err = Compute(context.Background(), Options{PipelinesDir: r.dir, RepoDir: other, Since: "HEAD"})
	if !errors.Is(err, ErrNoRepository) {
		t.Errorf("err = %v, want ErrNoRepository", err)
	}
}

func TestErrors(t *testing.T) {
	r := newTestRepo(t)
	seedProject(r)
	pipelines := filepath.Join(r.dir, "pipelines")
	tests := []struct {
		name, since string
		check       func(error) bool
		contains    string
	}{
		{"unknown ref", "no-such-branch", func(err error) bool {
			var u *UnknownRevisionError
			return errors.As(err, &u)
		}, "refs/heads/no-such-branch"},
		{"reflog", "main@{1}", func(err error) bool { return err != nil }, "use a branch, tag, commit, HEAD~N or a date"},
		{"path form", "HEAD:pipelines", func(err error) bool { return err != nil }, "not supported"},
		{"too far back", "HEAD~5", func(err error) bool {
			var u *UnknownRevisionError
			return errors.As(err, &u)
		}, "HEAD~5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compute(context.Background(), Options{PipelinesDir: pipelines, Since: tc.since})
			if !tc.check(err) {
				t.Fatalf("unexpected error %v", err)
			}
			if !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("error %q does not mention %q", err, tc.contains)
			}
		})
	}
	_, err := Compute(context.Background(), Options{PipelinesDir: t.TempDir()})
	if !errors.Is(err, ErrNoRepository) || !strings.Contains(err.Error(), "--repo") {
		t.Errorf("no repository: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Compute(ctx, Options{PipelinesDir: pipelines, Since: "2020-01-01"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// A shallow clone (made with the git binary: go-git's file transport does
// not serve shallow fetches) hides the history before its tip.
func TestShallowClone(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("the git binary is needed to make a shallow clone")
	}
	r := newTestRepo(t)
	c1 := seedProject(r)
	r.write(map[string]string{"pipelines/sources/src_a/sql-scripts/dml.src_a.sql": dml("src_a") + "-- 2\n"})
	r.commit("two")
	r.branch("feature", c1)
	r.checkout("feature")
	r.write(map[string]string{"pipelines/intermediates/p1/int_b/sql-scripts/dml.int_b.sql": dml("int_b") + "-- f\n"})
	r.commit("feature")

	clone := filepath.Join(t.TempDir(), "clone")
	out, err := exec.Command("git", "clone", "--quiet", "--depth", "1", "--no-single-branch", "file://"+r.dir, clone).CombinedOutput()
	if err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	pipelines := filepath.Join(clone, "pipelines")
	for _, since := range []string{"HEAD~1", "origin/master", "2026-10-01", c1.String()} {
		t.Run(since, func(t *testing.T) {
			_, err := Compute(context.Background(), Options{PipelinesDir: pipelines, Since: since})
			var se *ShallowError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *ShallowError", err)
			}
			for _, hint := range []string{"git fetch --unshallow", "fetch-depth: 0"} {
				if !strings.Contains(err.Error(), hint) {
					t.Errorf("error %q lacks the hint %q", err, hint)
				}
			}
		})
	}
	// What the clone does hold still works.
	cs, err := Compute(context.Background(), Options{PipelinesDir: pipelines, Since: "origin/feature"})
	if err != nil || len(cs.Files) != 0 {
		t.Errorf("origin/feature in the clone: %v %v", cs, err)
	}
	if _, err := os.Stat(filepath.Join(clone, ".git", "shallow")); err != nil {
		t.Errorf("the clone is not shallow: %v", err)
	}
}

func TestRole(t *testing.T) {
	tests := []struct {
		path string
		want Kind
	}{
		{"facts/p1/fct/sql-scripts/ddl.fct.sql", KindDDL},
		{"facts/p1/fct/sql-scripts/dml.fct.sql", KindDML},
		{"facts/p1/fct/sql-scripts/ddl.fct.properties", KindDDL},
		{"facts/p1/fct/sql-scripts/dml.fct.properties", KindDML},
		{"facts/p1/fct/sql-scripts/dml.fct.sql.bak", KindOther},
		{"facts/p1/fct/sql-scripts/notes.sql", KindOther},
		{"facts/p1/fct/sql-scripts/old/ddl.fct.sql", KindOther},
		{"facts/p1/fct/tests/ddl.fct.sql", KindOther},
		{"facts/p1/fct/Makefile", KindOther},
		{"facts/p1/fct/pipeline_definition.json", KindOther},
	}
	for _, tc := range tests {
		if got := role("facts/p1/fct", tc.path); got != tc.want {
			t.Errorf("role(%s) = %s, want %s", tc.path, got, tc.want)
		}
	}
}

// A .properties file is part of its statement: changing it is a change of
// that statement (kind dml or ddl); generated files are other.
func TestPropertiesAndGeneratedFiles(t *testing.T) {
	r := newTestRepo(t)
	r.write(merge(seedFiles(), map[string]string{
		"pipelines/facts/p1/fct_c/sql-scripts/dml.fct_c.properties": "sql.state-ttl=1d\n",
		"pipelines/facts/p1/fct_c/pipeline_definition.json":         "{}\n",
	}))
	c1 := r.commit("seed")
	r.write(map[string]string{
		"pipelines/facts/p1/fct_c/sql-scripts/dml.fct_c.properties": "sql.state-ttl=7d\n",
		"pipelines/facts/p1/fct_c/pipeline_definition.json":         "{\"x\": 1}\n",
		"pipelines/inventory.json":                                  "{\"x\": 1}\n",
	})
	r.commit("ttl")
	cs := compute(t, r, c1.String(), false)
	check(t, "files", fileLines(cs), []string{
		"facts/p1/fct_c/pipeline_definition.json other modified fct_c",
		"facts/p1/fct_c/sql-scripts/dml.fct_c.properties dml modified fct_c",
		"inventory.json other modified",
	})
	check(t, "tables", tableLines(cs), []string{"fct_c dml facts/p1/fct_c"})
}

// TestFormattingOnly: an edit of comments, blank space or keyword case is
// reported as formatting only; a real SQL change, a .properties change, or
// a change mixing both is not.
func TestFormattingOnly(t *testing.T) {
	r := newTestRepo(t)
	seed := merge(seedFiles(), map[string]string{
		"pipelines/facts/p1/fct_c/sql-scripts/dml.fct_c.properties": "sql.state-ttl=1d\n",
	})
	r.write(seed)
	c1 := r.commit("seed")
	src := "pipelines/sources/src_a/sql-scripts/"
	intB := "pipelines/intermediates/p1/int_b/sql-scripts/"
	fctC := "pipelines/facts/p1/fct_c/sql-scripts/"
	r.write(map[string]string{
		// Comments, blank lines and case only, in both files of src_a.
		src + "ddl.src_a.sql": "-- the source\n" + strings.ToLower(seed[src+"ddl.src_a.sql"]) + "\n\n",
		src + "dml.src_a.sql": "/* reviewed */ " + strings.ReplaceAll(seed[src+"dml.src_a.sql"], " ", "  "),
		// A real change of int_b's DML next to a comment in its DDL.
		intB + "ddl.int_b.sql": "-- note\n" + seed[intB+"ddl.int_b.sql"],
		intB + "dml.int_b.sql": strings.Replace(seed[intB+"dml.int_b.sql"], "SELECT", "SELECT DISTINCT", 1),
		// A comment in fct_c's DML, but its properties changed too.
		fctC + "dml.fct_c.sql":        "-- note\n" + seed[fctC+"dml.fct_c.sql"],
		fctC + "dml.fct_c.properties": "sql.state-ttl=7d\n",
	})
	r.commit("edits")
	cs := compute(t, r, c1.String(), false)
	got := map[string]bool{}
	for _, tc := range cs.Tables {
		got[tc.Table] = tc.FormattingOnly
	}
	want := map[string]bool{"src_a": true, "int_b": false, "fct_c": false}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("formatting only: got %v, want %v", got, want)
	}
}
