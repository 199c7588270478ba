package projectgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

func generate(t testing.TB, opts Options) (string, Summary) {
	t.Helper()
	dir := t.TempDir()
	sum, err := Generate(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return dir, sum
}

// readTree maps every file under dir (except .git) to its content.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	opts := Options{Tables: 160, Seed: 42, ProductSize: 40}
	dirA, sumA := generate(t, opts)
	opts.Workers = 1 // a different schedule must not change the output
	dirB, sumB := generate(t, opts)
	a, b := readTree(t, dirA), readTree(t, dirB)
	makefiles := 0
	for p := range a {
		if path.Base(p) == "Makefile" {
			makefiles++
		}
	}
	if len(a) != 2*160+2+makefiles || makefiles < 5 || makefiles > 35 || sumA.Files != len(a) {
		t.Errorf("%d files (summary: %d), %d Makefiles; want two per table, about 16 Makefiles, external_tables.json and %s",
			len(a), sumA.Files, makefiles, ExpectedFile)
	}
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for p, data := range a {
		if b[p] != data {
			t.Errorf("%s differs between two runs with the same options", p)
		}
	}
	if sumA.Edges != sumB.Edges || sumA.Bytes != sumB.Bytes || sumA.Files != sumB.Files {
		t.Errorf("summaries differ: %+v / %+v", sumA, sumB)
	}

	sumC := modelOnly(t, Options{Tables: 160, Seed: 43, ProductSize: 40})
	if sameParents(sumA, sumC) {
		t.Error("seeds 42 and 43 gave the same graph")
	}
}

// modelOnly builds the summary without writing files, for tests of the
// graph's shape.
func modelOnly(t *testing.T, opts Options) Summary {
	t.Helper()
	sum, err := model(opts)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func sameParents(a, b Summary) bool {
	if len(a.Tables) != len(b.Tables) {
		return false
	}
	for i := range a.Tables {
		if a.Tables[i].Name != b.Tables[i].Name || strings.Join(a.Tables[i].Parents, ",") != strings.Join(b.Tables[i].Parents, ",") {
			return false
		}
	}
	return true
}

var typeRank = map[string]int{"source": 0, "intermediate": 1, "dimension": 2, "fact": 3, "view": 4}

func TestDistribution(t *testing.T) {
	tests := []struct {
		tables, productSize, products int
	}{
		{500, 0, 10},
		{480, 50, 10}, // a last product of 30 tables
		{200, 25, 8},
		{50000, 50, 1000},
	}
	for _, tc := range tests {
		sum := modelOnly(t, Options{Tables: tc.tables, Seed: 7, ProductSize: tc.productSize})
		if len(sum.Tables) != tc.tables || sum.Products != tc.products {
			t.Errorf("%d tables: got %d tables in %d products, want %d products", tc.tables, len(sum.Tables), sum.Products, tc.products)
		}
		want := map[string]float64{"source": .30, "intermediate": .30, "dimension": .15, "fact": .15, "view": .10}
		for typ, share := range want {
			got := float64(sum.ByType[typ]) / float64(tc.tables)
			if got < share-0.02 || got > share+0.02 {
				t.Errorf("%d tables: %s share %.3f, want %.2f ± 0.02", tc.tables, typ, got, share)
			}
		}
		size := tc.productSize
		if size == 0 {
			size = 50
		}
		perProduct := map[string]int{}
		for _, tb := range sum.Tables {
			perProduct[tb.Product]++
		}
		for p, n := range perProduct {
			if n > size {
				t.Errorf("product %s has %d tables, more than %d", p, n, size)
			}
		}
		cross := float64(sum.CrossProduct) / float64(sum.Edges)
		if cross < 0.03 || cross > 0.2 {
			t.Errorf("%d tables: %.3f of the edges cross products, want about 0.1", tc.tables, cross)
		}
	}
}

func TestParentsFromLowerLayers(t *testing.T) {
	t.Parallel()
	dir, sum := generate(t, Options{Tables: 200, Seed: 11})
	byName := map[string]TableInfo{}
	for _, tb := range sum.Tables {
		if _, dup := byName[tb.Name]; dup {
			t.Fatalf("table %s generated twice", tb.Name)
		}
		byName[tb.Name] = tb
	}
	externals := map[string]bool{}
	for _, e := range sum.ExternalTables {
		externals[e] = true
	}
	counts := map[int]int{}
	for _, tb := range sum.Tables {
		if !strings.HasPrefix(tb.Folder, layerFolder(tb.Type)+"/"+tb.Product+"/") {
			t.Errorf("%s: folder %s does not match type %s and product %s", tb.Name, tb.Folder, tb.Type, tb.Product)
		}
		if len(tb.External) != 0 {
			t.Errorf("%s: references %v outside the project", tb.Name, tb.External)
		}
		if tb.Type == "source" {
			if len(tb.Parents) != 1 || !externals[tb.Parents[0]] {
				t.Errorf("source %s: parents %v; want one raw table of external_tables.json", tb.Name, tb.Parents)
			}
			continue
		}
		counts[len(tb.Parents)]++
		if len(tb.Parents) < 1 || len(tb.Parents) > 4 {
			t.Errorf("%s: %d parents %v; want 1-4", tb.Name, len(tb.Parents), tb.Parents)
		}
		for _, p := range tb.Parents {
			parent, ok := byName[p]
			if !ok {
				t.Errorf("%s: parent %s is not a table of the project", tb.Name, p)
				continue
			}
			if typeRank[parent.Type] >= typeRank[tb.Type] {
				t.Errorf("%s (%s) reads %s (%s), which is not a lower layer", tb.Name, tb.Type, p, parent.Type)
			}
		}
	}
	for n := 1; n <= 4; n++ {
		if counts[n] == 0 {
			t.Errorf("no table with %d parents (distribution %v)", n, counts)
		}
	}

	// seeds/external_tables.json lists exactly the raw tables.
	data, err := os.ReadFile(filepath.Join(dir, PipelinesDir, "seeds", "external_tables.json"))
	if err != nil {
		t.Fatal(err)
	}
	for e := range externals {
		if !bytes.Contains(data, []byte(`"table_name": "`+e+`"`)) {
			t.Errorf("external_tables.json does not list %s", e)
		}
	}

	// expected_parents.json round-trips to the summary.
	read, err := ReadExpected(dir)
	if err != nil {
		t.Fatal(err)
	}
	if read.Version != Version || len(read.Tables) != len(sum.Tables) || !sameParents(read, sum) {
		t.Errorf("%s does not match the summary", ExpectedFile)
	}
}

func layerFolder(typ string) string {
	for _, l := range layers {
		if l.typ == typ {
			return l.folder
		}
	}
	return "?"
}

// identifiers returns the identifiers of sql outside comments and string
// literals, backquotes removed. Just enough to check the generator's own
// output; the real extractor is pipeline/flinksql.
func identifiers(sql string) map[string]bool {
	ids := map[string]bool{}
	isID := func(c byte) bool {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	for i := 0; i < len(sql); {
		switch {
		case strings.HasPrefix(sql[i:], "--"):
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case strings.HasPrefix(sql[i:], "/*"):
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				return ids
			}
			i += end + 4
		case sql[i] == '\'':
			i++
			for i < len(sql) {
				if sql[i] == '\'' {
					if i+1 < len(sql) && sql[i+1] == '\'' {
						i += 2
						continue
					}
					break
				}
				i++
			}
			i++
		case isID(sql[i]):
			j := i
			for j < len(sql) && isID(sql[j]) {
				j++
			}
			ids[sql[i:j]] = true
			i = j
		default:
			i++
		}
	}
	return ids
}

// TestDMLReadsExpectedParents checks the files against the summary: each DML
// writes its table and names exactly the expected parents (and its raw table
// for sources) among the project's tables, outside comments and strings.
func TestDMLReadsExpectedParents(t *testing.T) {
	t.Parallel()
	opts := Options{Tables: 200, Seed: 5}
	dir, sum := generate(t, opts)
	all := map[string]bool{}
	for _, tb := range sum.Tables {
		all[tb.Name] = true
	}
	for _, e := range sum.ExternalTables {
		all[e] = true
	}
	var literals, threePart, unions, groups, comments int
	for _, tb := range sum.Tables {
		dml, err := os.ReadFile(filepath.Join(dir, PipelinesDir, filepath.FromSlash(tb.DML)))
		if err != nil {
			t.Fatal(err)
		}
		ddl, err := os.ReadFile(filepath.Join(dir, PipelinesDir, filepath.FromSlash(tb.DDL)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(dml, []byte("INSERT INTO "+tb.Name+"\n")) {
			t.Errorf("%s does not insert into %s", tb.DML, tb.Name)
		}
		if !bytes.Contains(ddl, []byte("CREATE TABLE IF NOT EXISTS "+tb.Name+" (")) ||
			!bytes.Contains(ddl, []byte("PRIMARY KEY (id) NOT ENFORCED")) || !bytes.Contains(ddl, []byte("DISTRIBUTED BY HASH(id)")) {
			t.Errorf("%s: not the expected CREATE TABLE:\n%s", tb.DDL, ddl)
		}
		wantMode := "'changelog.mode' = 'append'"
		if tb.Stateful {
			wantMode = "'changelog.mode' = 'upsert'"
		}
		if !bytes.Contains(ddl, []byte(wantMode)) {
			t.Errorf("%s: stateful=%v but no %s", tb.DDL, tb.Stateful, wantMode)
		}
		var named []string
		for id := range identifiers(string(dml)) {
			if all[id] && id != tb.Name {
				named = append(named, id)
			}
		}
		sort.Strings(named)
		if strings.Join(named, ",") != strings.Join(tb.Parents, ",") {
			t.Errorf("%s names tables %v, want %v", tb.DML, named, tb.Parents)
		}
		checkAnalysis(t, tb, ddl, dml)
		s := string(dml)
		if strings.Contains(s, "CASE WHEN a.status = 'cancelled' THEN '") {
			literals++
		}
		if strings.Contains(s, "`env_dev`.`kafka_") {
			threePart++
		}
		if strings.Contains(s, "UNION ALL") {
			unions++
		}
		if strings.Contains(s, "GROUP BY") {
			groups++
		}
		if strings.Contains(s, "/*") {
			comments++
		}
	}
	for what, n := range map[string]int{"keyword literals": literals, "3-part names": threePart, "UNION ALL": unions, "GROUP BY": groups, "block comments": comments} {
		if n < len(sum.Tables)/20 {
			t.Errorf("only %d of %d DMLs have %s", n, len(sum.Tables), what)
		}
	}
}

// checkAnalysis compares the lexer-based analysis of pipeline/flinksql
// with what the generator meant.
func checkAnalysis(t *testing.T, tb TableInfo, ddl, dml []byte) {
	t.Helper()
	a, err := flinksql.Analyze(dml)
	if err != nil {
		t.Errorf("%s: %v", tb.DML, err)
		return
	}
	var writes, reads []string
	for _, w := range a.Writes {
		writes = append(writes, w.Table())
	}
	for _, r := range a.Reads {
		reads = append(reads, r.Table())
	}
	sort.Strings(reads)
	wantStateful := tb.Stateful
	if strings.Join(writes, ",") != tb.Name || strings.Join(reads, ",") != strings.Join(tb.Parents, ",") || a.Stateful != wantStateful {
		t.Errorf("%s: flinksql finds writes %v, reads %v, stateful %v (%s); want %s, %v, %v",
			tb.DML, writes, reads, a.Stateful, a.StatefulBecause, tb.Name, tb.Parents, tb.Stateful)
	}
	d, err := flinksql.Analyze(ddl)
	if err != nil {
		t.Errorf("%s: %v", tb.DDL, err)
		return
	}
	wantMode := map[bool]string{true: "upsert", false: "append"}[tb.Stateful]
	if len(d.Tables) != 1 || d.Tables[0].Name.Table() != tb.Name || strings.Join(d.Tables[0].PrimaryKey, ",") != "id" ||
		strings.Join(d.Tables[0].DistributedBy, ",") != "id" || d.ChangelogMode != wantMode {
		t.Errorf("%s: flinksql finds %+v, changelog mode %q", tb.DDL, d.Tables, d.ChangelogMode)
	}
}

// TestScanAgrees scans a generated project with the real scanner: every
// table, parent and state flag must be what expected_parents.json says.
func TestScanAgrees(t *testing.T) {
	t.Parallel()
	opts := Options{Tables: 200, Seed: 21, ProductSize: 30}
	dir, sum := generate(t, opts)
	p, err := pipeline.Scan(context.Background(), filepath.Join(dir, PipelinesDir), pipeline.ScanOptions{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Warnings) > 0 {
		t.Errorf("scan warnings: %v", p.Warnings)
	}
	if got, want := len(p.Tables), len(sum.Tables)+len(sum.ExternalTables); got != want {
		t.Errorf("scan found %d tables, want %d project and external tables", got, want)
	}
	for _, tb := range sum.Tables {
		st := p.Table(tb.Name)
		if st == nil {
			t.Errorf("scan did not find %s", tb.Name)
			continue
		}
		if string(st.Type) != tb.Type || st.Product != tb.Product || st.Folder != tb.Folder ||
			strings.Join(st.Parents, ",") != strings.Join(tb.Parents, ",") || len(st.External) != 0 || st.Stateful != tb.Stateful {
			t.Errorf("scan: %s is %s/%s in %s, parents %v, external %v, stateful %v; want %s/%s in %s, parents %v, stateful %v",
				tb.Name, st.Type, st.Product, st.Folder, st.Parents, st.External, st.Stateful,
				tb.Type, tb.Product, tb.Folder, tb.Parents, tb.Stateful)
		}
	}
}

func TestGitHistory(t *testing.T) {
	t.Parallel()
	opts := Options{Tables: 100, Seed: 9, GitCommits: 4, ChangesPerCommit: 3}
	dir, sum := generate(t, opts)
	if len(sum.Commits) != opts.GitCommits+1 {
		t.Fatalf("%d commits, want %d", len(sum.Commits), opts.GitCommits+1)
	}
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	head, err := repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	if head.Name() != plumbing.NewBranchReferenceName("main") || head.Hash().String() != sum.Commits[len(sum.Commits)-1].Hash {
		t.Fatalf("HEAD is %s at %s, want main at the last commit", head.Name(), head.Hash())
	}
	iter, err := repo.Log(&git.LogOptions{From: head.Hash()})
	if err != nil {
		t.Fatal(err)
	}
	var log []*object.Commit
	if err := iter.ForEach(func(c *object.Commit) error { log = append(log, c); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(log) != len(sum.Commits) {
		t.Fatalf("git log has %d commits, want %d", len(log), len(sum.Commits))
	}
	for n, c := range log {
		want := sum.Commits[len(sum.Commits)-1-n]
		wantTime := time.Date(2026, 1, 1, len(sum.Commits)-1-n, 0, 0, 0, time.UTC)
		if c.Hash.String() != want.Hash || !c.Author.When.Equal(wantTime) || !c.Committer.When.Equal(wantTime) {
			t.Errorf("commit %s at %s, want %s at %s", c.Hash, c.Author.When, want.Hash, wantTime)
		}
		if len(c.ParentHashes) == 0 {
			if len(want.Changed) != len(readTree(t, dir)) {
				t.Errorf("initial commit lists %d files, the work tree has %d", len(want.Changed), len(readTree(t, dir)))
			}
			continue
		}
		parent, err := c.Parent(0)
		if err != nil {
			t.Fatal(err)
		}
		patch, err := parent.Patch(c)
		if err != nil {
			t.Fatal(err)
		}
		var changed []string
		dml := 0
		for _, fp := range patch.FilePatches() {
			from, to := fp.Files()
			if from == nil || to == nil || from.Path() != to.Path() {
				t.Errorf("commit %s adds, deletes or renames a file", c.Hash)
				continue
			}
			changed = append(changed, to.Path())
			if strings.Contains(path.Base(to.Path()), "dml.") {
				dml++
			}
		}
		sort.Strings(changed)
		if strings.Join(changed, ",") != strings.Join(want.Changed, ",") {
			t.Errorf("commit %s changes %v, want %v", c.Hash, changed, want.Changed)
		}
		if dml != opts.ChangesPerCommit {
			t.Errorf("commit %s changes %d DML files, want %d", c.Hash, dml, opts.ChangesPerCommit)
		}
	}

	// The work tree is the last commit and the index agrees: nothing to
	// commit.
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	status, err := wt.Status()
	if err != nil {
		t.Fatal(err)
	}
	if !status.IsClean() {
		t.Errorf("work tree not clean after generation:\n%s", status)
	}

	// Same options, same history.
	_, again := generate(t, opts)
	if again.Commits[len(again.Commits)-1].Hash != sum.Commits[len(sum.Commits)-1].Hash {
		t.Error("two runs with the same options gave different commit hashes")
	}
}

func TestGenerateErrors(t *testing.T) {
	if _, err := Generate(t.TempDir(), Options{}); err == nil || !strings.Contains(err.Error(), "at least 1 table") {
		t.Errorf("0 tables: err = %v", err)
	}
	if _, err := Generate(t.TempDir(), Options{Tables: 5, ProductSize: -1}); err == nil {
		t.Error("negative product size accepted")
	}
	dir, _ := generate(t, Options{Tables: 5})
	if _, err := Generate(dir, Options{Tables: 5}); !errors.Is(err, ErrExists) {
		t.Errorf("second run into the same folder: err = %v, want ErrExists", err)
	}
	if _, err := Generate(filepath.Join(dir, PipelinesDir, "seeds", "external_tables.json"), Options{Tables: 5}); err == nil {
		t.Error("generating below a file succeeded")
	}
}

func TestSmallProjects(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7} {
		sum := modelOnly(t, Options{Tables: n, Seed: 1})
		if len(sum.Tables) != n || sum.ByType["source"] < 1 {
			t.Errorf("%d tables: got %d, %d sources", n, len(sum.Tables), sum.ByType["source"])
		}
		for _, tb := range sum.Tables {
			if tb.Type != "source" && len(tb.Parents) == 0 {
				t.Errorf("%d tables: %s has no parent", n, tb.Name)
			}
		}
	}
}

// BenchmarkGenerate writes a whole project to disk: mostly file system
// time (two folders and two files per table).
func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, err := Generate(b.TempDir(), Options{Tables: 1000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkModelAndRender is the CPU part of Generate: the model, the
// summary and the text of every DDL and DML, without the file system.
func BenchmarkModelAndRender(b *testing.B) {
	for _, n := range []int{10000, 50000} {
		b.Run(fmt.Sprintf("tables=%d", n), func(b *testing.B) {
			opts := Options{Tables: n, Seed: 1}
			if err := opts.normalize(); err != nil {
				b.Fatal(err)
			}
			var buf bytes.Buffer
			for b.Loop() {
				p := buildModel(opts)
				_ = p.summary()
				size := 0
				for i := range p.tables {
					buf.Reset()
					p.renderDDL(&buf, i, 0)
					p.renderDML(&buf, i, 0, 0)
					size += buf.Len()
				}
				b.SetBytes(int64(size))
			}
		})
	}
}
