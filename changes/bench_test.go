package changes

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/memory"
)

// genRepo is a generated repository: tables of a pipelines folder and a
// history where commit k (1..commits) changes one table (every fifth
// change appends a nullable column to the DDL, the others edit the DML).
// Objects are built in memory and written as one packfile, as a real clone
// would hold them; the HEAD state is also written to disk.
type genRepo struct {
	dir     string
	commits []plumbing.Hash // commits[0] holds every table
	changed []string        // changed[k] is the table folder commit k edited
}

type genDir struct {
	files map[string]plumbing.Hash
	dirs  map[string]*genDir
	hash  plumbing.Hash
	dirty bool
}

func newGenDir() *genDir {
	return &genDir{files: map[string]plumbing.Hash{}, dirs: map[string]*genDir{}, dirty: true}
}

func (d *genDir) put(p string, h plumbing.Hash) {
	parts := strings.Split(p, "/")
	for _, part := range parts[:len(parts)-1] {
		d.dirty = true
		sub := d.dirs[part]
		if sub == nil {
			sub = newGenDir()
			d.dirs[part] = sub
		}
		d = sub
	}
	d.dirty = true
	d.files[parts[len(parts)-1]] = h
}

// write stores the dirty trees bottom-up and returns the root hash.
func (d *genDir) write(s storer.EncodedObjectStorer) (plumbing.Hash, error) {
	if !d.dirty {
		return d.hash, nil
	}
	var t object.Tree
	for name, h := range d.files {
		t.Entries = append(t.Entries, object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: h})
	}
	for name, sub := range d.dirs {
		h, err := sub.write(s)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		t.Entries = append(t.Entries, object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h})
	}
	// git orders entries by name, folders as if they ended in "/".
	key := func(e object.TreeEntry) string {
		if e.Mode == filemode.Dir {
			return e.Name + "/"
		}
		return e.Name
	}
	sort.Slice(t.Entries, func(i, j int) bool { return key(t.Entries[i]) < key(t.Entries[j]) })
	obj := s.NewEncodedObject()
	if err := t.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	h, err := s.SetEncodedObject(obj)
	d.hash, d.dirty = h, false
	return h, err
}

func genBlob(s storer.EncodedObjectStorer, content string) (plumbing.Hash, error) {
	obj := s.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := w.Write([]byte(content)); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return s.SetEncodedObject(obj)
}

var genLayers = []string{"sources", "intermediates", "dimensions", "facts", "views"}

func genTable(i int) (folder, name string) {
	layer := genLayers[i%len(genLayers)]
	name = fmt.Sprintf("%s_t%05d", layer[:3], i)
	return fmt.Sprintf("%s/p%03d/%s", layer, i/50, name), name
}

func genDDL(name string, extra int) string {
	cols := []string{"id STRING NOT NULL", "amount DECIMAL(10, 2)", "ts TIMESTAMP_LTZ(3)"}
	for e := 0; e < extra; e++ {
		cols = append(cols, fmt.Sprintf("c%d STRING", e))
	}
	return ddl(name, cols...)
}

func genDML(name string, i, rev int) string {
	if i < 5 {
		return fmt.Sprintf("INSERT INTO %s SELECT id, amount, ts FROM raw_%s; -- rev %d\n", name, name, rev)
	}
	_, parent := genTable(i / 2)
	return fmt.Sprintf("INSERT INTO %s\nSELECT p.id, p.amount, p.ts\nFROM %s p\nWHERE p.amount > %d; -- rev %d\n", name, parent, rev, rev)
}

// generate builds the repository. Commit k changes table (k·7919) mod
// tables, so any run of up to `tables` consecutive commits touches distinct
// tables.
func generate(tb testing.TB, dir string, tables, commits int) *genRepo {
	tb.Helper()
	mem := memory.NewStorage()
	root := newGenDir()
	extra := make([]int, tables)
	rev := make([]int, tables)
	put := func(p, content string) {
		h, err := genBlob(mem, content)
		if err != nil {
			tb.Fatal(err)
		}
		root.put("pipelines/"+p, h)
	}
	for i := 0; i < tables; i++ {
		folder, name := genTable(i)
		put(folder+"/sql-scripts/ddl."+name+".sql", genDDL(name, 0))
		put(folder+"/sql-scripts/dml."+name+".sql", genDML(name, i, 0))
		put(folder+"/Makefile", "include ../../../common.mk\n")
	}
	put("common.mk", "# shared\n")
	g := &genRepo{dir: dir}
	when := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var parent []plumbing.Hash
	commit := func(msg string) {
		th, err := root.write(mem)
		if err != nil {
			tb.Fatal(err)
		}
		sig := object.Signature{Name: "gen", Email: "gen@example.com", When: when}
		c := &object.Commit{Author: sig, Committer: sig, Message: msg, TreeHash: th, ParentHashes: parent}
		obj := mem.NewEncodedObject()
		if err := c.Encode(obj); err != nil {
			tb.Fatal(err)
		}
		h, err := mem.SetEncodedObject(obj)
		if err != nil {
			tb.Fatal(err)
		}
		g.commits = append(g.commits, h)
		parent = []plumbing.Hash{h}
		when = when.Add(time.Hour)
	}
	commit("initial")
	g.changed = append(g.changed, "")
	for k := 1; k <= commits; k++ {
		i := k * 7919 % tables
		folder, name := genTable(i)
		if k%5 == 0 {
			extra[i]++
			put(folder+"/sql-scripts/ddl."+name+".sql", genDDL(name, extra[i]))
		} else {
			rev[i]++
			put(folder+"/sql-scripts/dml."+name+".sql", genDML(name, i, rev[i]))
		}
		g.changed = append(g.changed, folder)
		commit(fmt.Sprintf("change %s", name))
	}

	repo, err := git.PlainInit(dir, false)
	if err != nil {
		tb.Fatal(err)
	}
	var hashes []plumbing.Hash
	iter, err := mem.IterEncodedObjects(plumbing.AnyObject)
	if err != nil {
		tb.Fatal(err)
	}
	if err := iter.ForEach(func(o plumbing.EncodedObject) error { hashes = append(hashes, o.Hash()); return nil }); err != nil {
		tb.Fatal(err)
	}
	pw, err := repo.Storer.(storer.PackfileWriter).PackfileWriter()
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := packfile.NewEncoder(pw, mem, false).Encode(hashes, 10); err != nil {
		tb.Fatal(err)
	}
	if err := pw.Close(); err != nil {
		tb.Fatal(err)
	}
	head := g.commits[len(g.commits)-1]
	if err := repo.Storer.SetReference(plumbing.NewHashReference("refs/heads/master", head)); err != nil {
		tb.Fatal(err)
	}
	// The working tree: HEAD's files, and an index vouching for them as
	// a checkout leaves it.
	var entries []*index.Entry
	var writeDir func(d *genDir, at, rel string)
	writeDir = func(d *genDir, at, rel string) {
		if err := os.MkdirAll(at, 0o755); err != nil {
			tb.Fatal(err)
		}
		for name, h := range d.files {
			blob, err := object.GetBlob(mem, h)
			if err != nil {
				tb.Fatal(err)
			}
			r, err := blob.Reader()
			if err != nil {
				tb.Fatal(err)
			}
			buf := make([]byte, blob.Size)
			if _, err := r.Read(buf); err != nil && blob.Size > 0 {
				tb.Fatal(err)
			}
			r.Close()
			if err := os.WriteFile(filepath.Join(at, name), buf, 0o644); err != nil {
				tb.Fatal(err)
			}
			info, err := os.Stat(filepath.Join(at, name))
			if err != nil {
				tb.Fatal(err)
			}
			entries = append(entries, &index.Entry{Name: path.Join(rel, name), Hash: h, Mode: filemode.Regular,
				Size: uint32(info.Size()), ModifiedAt: info.ModTime(), CreatedAt: info.ModTime()})
		}
		for name, sub := range d.dirs {
			writeDir(sub, filepath.Join(at, name), path.Join(rel, name))
		}
	}
	writeDir(root, dir, "")
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	if err := repo.Storer.SetIndex(&index.Index{Version: 2, Entries: entries}); err != nil {
		tb.Fatal(err)
	}
	return g
}

// The generator's own check: the last n commits changed n distinct tables,
// and Compute finds exactly those, whichever way the base is named.
func TestGeneratedHistory(t *testing.T) {
	g := generate(t, t.TempDir(), 120, 60)
	const n = 50
	want := map[string]bool{}
	for _, f := range g.changed[len(g.changed)-n:] {
		want[f] = true
	}
	base := g.commits[len(g.commits)-1-n]
	for _, since := range []string{fmt.Sprintf("HEAD~%d", n), base.String()} {
		cs, err := Compute(context.Background(), Options{PipelinesDir: filepath.Join(g.dir, "pipelines"), Since: since, IncludeUncommitted: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(cs.Tables) != n {
			t.Fatalf("since %s: %d tables changed, want %d", since, len(cs.Tables), n)
		}
		ddls := 0
		for _, tc := range cs.Tables {
			if !want[tc.Folder] {
				t.Errorf("unexpected change %+v", tc)
			}
			if tc.Kind == KindDDL {
				ddls++
				if tc.Schema == nil || tc.Schema.Category != Compatible {
					t.Errorf("%s: schema %+v, want compatible (a nullable column appended)", tc.Table, tc.Schema)
				}
			}
			if name := path.Base(tc.Folder); tc.Table != name {
				t.Errorf("table %s in folder %s", tc.Table, tc.Folder)
			}
		}
		if ddls != n/5 {
			t.Errorf("%d DDL changes, want %d", ddls, n/5)
		}
		if len(cs.Warnings) != 0 {
			t.Errorf("warnings: %q", cs.Warnings)
		}
	}
}

// BenchmarkCompute: 10,000 tables, 1,000 commits, a base 50 commits back
// (50 changed tables, 10 of them DDL changes with schema classification).
//
//	go test -run '^$' -bench Compute -benchtime 20x ./changes/
func BenchmarkCompute(b *testing.B) {
	dir := b.TempDir()
	start := time.Now()
	g := generate(b, dir, 10000, 1000)
	b.Logf("generated 10,000 tables and 1,000 commits in %s", time.Since(start).Round(time.Millisecond))
	tag := g.commits[len(g.commits)-51]
	repo, err := git.PlainOpen(dir)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := repo.CreateTag("release", tag, nil); err != nil {
		b.Fatal(err)
	}
	pipelines := filepath.Join(dir, "pipelines")
	cases := []struct {
		name string
		opts Options
	}{
		{"HEAD~50", Options{PipelinesDir: pipelines, Since: "HEAD~50"}},
		{"tag", Options{PipelinesDir: pipelines, Since: "release"}},
		{"date", Options{PipelinesDir: pipelines, Since: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(950 * time.Hour).Format(time.RFC3339)}},
		{"HEAD~50+uncommitted", Options{PipelinesDir: pipelines, Since: "HEAD~50", IncludeUncommitted: true}},
	}
	// For comparison: the tree diff alone, ours and go-git's
	// DiffTreeWithOptions (which reads every sibling of a changed folder).
	trees := func() (*object.Tree, *object.Tree) {
		a, err := repo.CommitObject(tag)
		if err != nil {
			b.Fatal(err)
		}
		h, err := repo.CommitObject(g.commits[len(g.commits)-1])
		if err != nil {
			b.Fatal(err)
		}
		at, _ := a.Tree()
		ht, _ := h.Tree()
		return at, ht
	}
	b.Run("difftree-own", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			at, ht := trees()
			if _, err := diffTrees(context.Background(), repo.Storer, at, ht); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("difftree-gogit", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			at, ht := trees()
			if _, err := object.DiffTreeWithOptions(context.Background(), at, ht, object.DefaultDiffTreeOptions); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				cs, err := Compute(context.Background(), tc.opts)
				if err != nil {
					b.Fatal(err)
				}
				if len(cs.Tables) != 50 {
					b.Fatalf("%d tables changed, want 50", len(cs.Tables))
				}
			}
		})
	}
}
