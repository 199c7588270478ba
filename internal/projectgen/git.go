package projectgen

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/memory"
)

// historyStart is the date of the initial commit; commit i is i hours later.
var historyStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var authors = []object.Signature{
	{Name: "Avery Stone", Email: "avery.stone@example.com"},
	{Name: "Blake Rivers", Email: "blake.rivers@example.com"},
	{Name: "Casey Moore", Email: "casey.moore@example.com"},
	{Name: "Dana Lee", Email: "dana.lee@example.com"},
}

// addColumnPercent is the share of changes that also add a nullable column
// to the table's DDL (and select it in the DML).
const addColumnPercent = 30

// gitRepo collects the objects of the history in memory and writes them as
// one packfile at the end: tens of thousands of loose objects would cost a
// file each.
type gitRepo struct {
	mem    *memory.Storage
	hashes []plumbing.Hash
	seen   map[plumbing.Hash]bool
	root   *treeNode
}

func (g *gitRepo) put(typ plumbing.ObjectType, write func(o plumbing.EncodedObject) error) (plumbing.Hash, error) {
	o := g.mem.NewEncodedObject()
	o.SetType(typ)
	if err := write(o); err != nil {
		return plumbing.ZeroHash, err
	}
	h, err := g.mem.SetEncodedObject(o)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if !g.seen[h] {
		g.seen[h] = true
		g.hashes = append(g.hashes, h)
	}
	return h, nil
}

func (g *gitRepo) blob(data []byte) (plumbing.Hash, error) {
	return g.put(plumbing.BlobObject, func(o plumbing.EncodedObject) error {
		w, err := o.Writer()
		if err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
		return w.Close()
	})
}

// setFile stores data as a blob at the slash-separated path.
func (g *gitRepo) setFile(p string, data []byte) error {
	h, err := g.blob(data)
	if err != nil {
		return fmt.Errorf("blob %s: %w", p, err)
	}
	g.root.set(strings.Split(p, "/"), h, int64(len(data)))
	return nil
}

// treeNode is a folder of the work tree. Only folders on the path of a
// changed file are re-hashed, so a commit that touches C files costs
// O(C · depth) tree objects, not a rebuild of the whole tree.
type treeNode struct {
	files map[string]fileEntry
	dirs  map[string]*treeNode
	hash  plumbing.Hash
	dirty bool
}

type fileEntry struct {
	hash plumbing.Hash
	size int64
}

func newTreeNode() *treeNode {
	return &treeNode{files: map[string]fileEntry{}, dirs: map[string]*treeNode{}, dirty: true}
}

func (n *treeNode) set(parts []string, h plumbing.Hash, size int64) {
	n.dirty = true
	if len(parts) == 1 {
		n.files[parts[0]] = fileEntry{hash: h, size: size}
		return
	}
	child, ok := n.dirs[parts[0]]
	if !ok {
		child = newTreeNode()
		n.dirs[parts[0]] = child
	}
	child.set(parts[1:], h, size)
}

// write stores the tree objects of dirty folders and returns the hash.
// Entries are sorted as git sorts them: a folder sorts as if its name ended
// with "/".
func (n *treeNode) write(g *gitRepo) (plumbing.Hash, error) {
	if !n.dirty {
		return n.hash, nil
	}
	type keyed struct {
		key   string
		entry object.TreeEntry
	}
	entries := make([]keyed, 0, len(n.files)+len(n.dirs))
	for name, f := range n.files {
		entries = append(entries, keyed{name, object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: f.hash}})
	}
	for name, d := range n.dirs {
		h, err := d.write(g)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		entries = append(entries, keyed{name + "/", object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h}})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].key < entries[j].key })
	tree := &object.Tree{Entries: make([]object.TreeEntry, len(entries))}
	for i, e := range entries {
		tree.Entries[i] = e.entry
	}
	h, err := g.put(plumbing.TreeObject, tree.Encode)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("tree: %w", err)
	}
	n.hash, n.dirty = h, false
	return h, nil
}

// walk calls fn for every file, in no particular order.
func (n *treeNode) walk(prefix string, fn func(p string, f fileEntry)) {
	for name, f := range n.files {
		fn(prefix+name, f)
	}
	for name, d := range n.dirs {
		d.walk(prefix+name+"/", fn)
	}
}

// gitHistory makes dir a git repository (go-git, branch main): an initial
// commit of every file, then Options.GitCommits commits that each change the
// DML of Options.ChangesPerCommit random tables (30% of them also gain a
// nullable column in the DDL). The work tree ends at the last commit and the
// index matches it, so `git status` is clean.
func (p *project) gitHistory(dir string, static []staticFile) ([]Commit, error) {
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")},
	})
	if err != nil {
		return nil, fmt.Errorf("git init %s: %w", dir, err)
	}
	g := &gitRepo{mem: memory.NewStorage(), seen: map[plumbing.Hash]bool{}, root: newTreeNode()}

	var all []string
	for _, f := range static {
		if err := g.setFile(f.path, f.data); err != nil {
			return nil, err
		}
		all = append(all, f.path)
	}
	var buf bytes.Buffer
	revision := make([]int, len(p.tables))
	columns := make([]int, len(p.tables))
	// writeVersion renders table i at its current revision into the tree.
	writeVersion := func(i int, ddl bool) ([]string, error) {
		t := &p.tables[i]
		var changed []string
		if ddl {
			buf.Reset()
			p.renderDDL(&buf, i, columns[i])
			fp := path.Join(PipelinesDir, t.ddlPath())
			if err := g.setFile(fp, buf.Bytes()); err != nil {
				return nil, err
			}
			changed = append(changed, fp)
		}
		buf.Reset()
		p.renderDML(&buf, i, revision[i], columns[i])
		fp := path.Join(PipelinesDir, t.dmlPath())
		if err := g.setFile(fp, buf.Bytes()); err != nil {
			return nil, err
		}
		return append(changed, fp), nil
	}
	for i := range p.tables {
		changed, err := writeVersion(i, true)
		if err != nil {
			return nil, err
		}
		all = append(all, changed...)
		if p.decide(i).makefile {
			buf.Reset()
			p.renderMakefile(&buf, i)
			fp := path.Join(PipelinesDir, p.tables[i].makefilePath())
			if err := g.setFile(fp, buf.Bytes()); err != nil {
				return nil, err
			}
			all = append(all, fp)
		}
	}
	sort.Strings(all)

	var commits []Commit
	var parent plumbing.Hash
	commit := func(n int, msg string, changed []string) error {
		treeHash, err := g.root.write(g)
		if err != nil {
			return err
		}
		sig := authors[n%len(authors)]
		sig.When = historyStart.Add(time.Duration(n) * time.Hour)
		c := &object.Commit{Author: sig, Committer: sig, Message: msg, TreeHash: treeHash}
		if !parent.IsZero() {
			c.ParentHashes = []plumbing.Hash{parent}
		}
		h, err := g.put(plumbing.CommitObject, c.Encode)
		if err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		parent = h
		commits = append(commits, Commit{Hash: h.String(), Message: msg, Time: sig.When, Changed: changed})
		return nil
	}
	if err := commit(0, fmt.Sprintf("Initial import: %d tables in %d products\n", len(p.tables), len(p.products)), all); err != nil {
		return nil, err
	}

	r := rand.New(rand.NewPCG(uint64(p.opts.Seed), 0x67697421))
	touched := map[int]bool{}
	for n := 1; n <= p.opts.GitCommits; n++ {
		picked := pickDistinct(r, len(p.tables), p.opts.ChangesPerCommit)
		var names, notes, changed []string
		for _, i := range picked {
			revision[i]++
			addCol := r.IntN(100) < addColumnPercent
			note := fmt.Sprintf("- %s: raise the amount threshold to %d", p.tables[i].name, revision[i])
			if addCol {
				columns[i]++
				note += fmt.Sprintf(", add column extra_col_%d", columns[i])
			}
			files, err := writeVersion(i, addCol)
			if err != nil {
				return nil, err
			}
			touched[i] = true
			names = append(names, p.tables[i].name)
			notes = append(notes, note)
			changed = append(changed, files...)
		}
		sort.Strings(changed)
		msg := fmt.Sprintf("Change %s\n\n%s\n", joinNames(names), strings.Join(notes, "\n"))
		if err := commit(n, msg, changed); err != nil {
			return nil, err
		}
	}

	if err := writePack(repo, g); err != nil {
		return nil, fmt.Errorf("git %s: %w", dir, err)
	}
	if err := repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewBranchReferenceName("main"), parent)); err != nil {
		return nil, fmt.Errorf("git %s: set branch main: %w", dir, err)
	}
	// The work tree was written at revision 0; bring changed tables to
	// their last version.
	root := filepath.Join(dir, PipelinesDir)
	for i := range touched {
		t := &p.tables[i]
		buf.Reset()
		p.renderDDL(&buf, i, columns[i])
		if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(t.ddlPath())), buf.Bytes(), 0o644); err != nil {
			return nil, fmt.Errorf("generate table %s: %w", t.name, err)
		}
		buf.Reset()
		p.renderDML(&buf, i, revision[i], columns[i])
		if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(t.dmlPath())), buf.Bytes(), 0o644); err != nil {
			return nil, fmt.Errorf("generate table %s: %w", t.name, err)
		}
	}
	if err := writeIndex(repo, dir, g.root); err != nil {
		return nil, fmt.Errorf("git %s: %w", dir, err)
	}
	return commits, nil
}

// pickDistinct draws min(k, n) distinct indexes below n.
func pickDistinct(r *rand.Rand, n, k int) []int {
	k = min(k, n)
	seen := make(map[int]bool, k)
	out := make([]int, 0, k)
	for len(out) < k {
		i := r.IntN(n)
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	return out
}

func joinNames(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// writePack writes every collected object into one packfile of the
// repository, without deltas (the history is small next to the tree).
func writePack(repo *git.Repository, g *gitRepo) error {
	pw, ok := repo.Storer.(storer.PackfileWriter)
	if !ok {
		return fmt.Errorf("storage %T cannot write packfiles", repo.Storer)
	}
	w, err := pw.PackfileWriter()
	if err != nil {
		return fmt.Errorf("open packfile: %w", err)
	}
	// The encoder issues a write per object header and body; buffer them.
	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := packfile.NewEncoder(bw, g.mem, false).Encode(g.hashes, 0); err != nil {
		w.Close()
		return fmt.Errorf("write packfile: %w", err)
	}
	if err := bw.Flush(); err != nil {
		w.Close()
		return fmt.Errorf("write packfile: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("close packfile: %w", err)
	}
	return nil
}

// writeIndex records every file of the last commit in .git/index with its
// on-disk size and modification time, as `git add` would.
func writeIndex(repo *git.Repository, dir string, root *treeNode) error {
	idx := &index.Index{Version: 2}
	var statErr error
	root.walk("", func(p string, f fileEntry) {
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			if statErr == nil {
				statErr = fmt.Errorf("index %s: %w", p, err)
			}
			return
		}
		idx.Entries = append(idx.Entries, &index.Entry{
			Name: p, Hash: f.hash, Mode: filemode.Regular, Size: uint32(fi.Size()),
			ModifiedAt: fi.ModTime(), CreatedAt: fi.ModTime(),
		})
	})
	if statErr != nil {
		return statErr
	}
	sort.Slice(idx.Entries, func(i, j int) bool { return idx.Entries[i].Name < idx.Entries[j].Name })
	if err := repo.Storer.SetIndex(idx); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	return nil
}
