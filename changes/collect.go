package changes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// version is one state of a file: a blob of the repository or the file on
// disk (whose hash is computed the way git does).
type version struct {
	hash plumbing.Hash
	disk bool
}

// fileDelta is one file's change from the base to the current state.
type fileDelta struct {
	path        string   // current path; the base path when deleted
	fromPath    string   // path at the base ("" when added)
	from, to    *version // nil when absent
	uncommitted bool
}

// state is the collected file deltas and the two views they are read from.
type state struct {
	deltas  []fileDelta
	base    view
	current view
}

// subtree returns the pipelines folder's tree in commit c; an empty tree
// when c is nil or the folder does not exist there.
func (r *repo) subtree(c *object.Commit) (*object.Tree, error) {
	if c == nil {
		return &object.Tree{}, nil
	}
	t, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of commit %s: %w", c.Hash, err)
	}
	if r.relPipelines == "." {
		return t, nil
	}
	sub, err := t.Tree(r.relPipelines)
	if errors.Is(err, object.ErrDirectoryNotFound) {
		return &object.Tree{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s in commit %s: %w", r.relPipelines, c.Hash, err)
	}
	return sub, nil
}

func (r *repo) collect(ctx context.Context, base, head *object.Commit, uncommitted bool) (*state, error) {
	baseTree, err := r.subtree(base)
	if err != nil {
		return nil, err
	}
	headTree, err := r.subtree(head)
	if err != nil {
		return nil, err
	}
	st := &state{base: &treeView{repo: r, tree: baseTree}, current: &treeView{repo: r, tree: headTree}}

	var committed []fileDelta
	if base == nil || base.Hash != head.Hash {
		// Diffing the pipelines subtrees only: merkletrie skips every
		// subtree whose hash is unchanged, so the cost follows the number of
		// changed paths, not the project size.
		diff, err := object.DiffTreeWithOptions(ctx, baseTree, headTree, object.DefaultDiffTreeOptions)
		if err != nil {
			return nil, fmt.Errorf("diff %s between %s and HEAD: %w", r.relPipelines, shortHash(base), err)
		}
		for _, c := range diff {
			if d, ok := deltaOf(c); ok {
				committed = append(committed, d)
			}
		}
	}
	if !uncommitted {
		st.deltas = committed
		return st, nil
	}
	st.current = &diskView{root: r.pipelinesAbs}
	work, err := r.scanWorktree(ctx, headTree)
	if err != nil {
		return nil, err
	}
	st.deltas = compose(committed, work)
	return st, nil
}

func shortHash(c *object.Commit) string {
	if c == nil {
		return "the empty tree"
	}
	return c.Hash.String()[:12]
}

// deltaOf converts a tree change; submodules and other non-file entries
// are skipped.
func deltaOf(c *object.Change) (fileDelta, bool) {
	var d fileDelta
	if c.From.Name != "" {
		if !c.From.TreeEntry.Mode.IsFile() {
			return d, false
		}
		d.fromPath = c.From.Name
		d.from = &version{hash: c.From.TreeEntry.Hash}
		d.path = c.From.Name
	}
	if c.To.Name != "" {
		if !c.To.TreeEntry.Mode.IsFile() {
			return d, false
		}
		d.to = &version{hash: c.To.TreeEntry.Hash}
		d.path = c.To.Name
	}
	return d, d.from != nil || d.to != nil
}

// compose chains the committed deltas (base → HEAD) with the working-tree
// deltas (HEAD → disk) into base → disk deltas. O(n log n).
func compose(committed, work []fileDelta) []fileDelta {
	// The committed delta of a path as it is at HEAD; deletions are keyed
	// by their base path, where an uncommitted file may reappear.
	byPath := make(map[string]int, len(committed))
	for i, c := range committed {
		byPath[c.path] = i
	}
	used := make([]bool, len(committed))
	var out []fileDelta
	for _, w := range work {
		i, ok := byPath[w.path]
		if !ok {
			out = append(out, w)
			continue
		}
		used[i] = true
		c := committed[i]
		d := fileDelta{path: w.path, fromPath: c.fromPath, from: c.from, to: w.to, uncommitted: true}
		if d.to == nil && d.fromPath != "" {
			d.path = d.fromPath
		}
		if d.from == nil && d.to == nil {
			continue
		}
		if d.from != nil && d.to != nil && d.from.hash == d.to.hash && d.fromPath == d.path {
			continue // reverted in the working tree
		}
		out = append(out, d)
	}
	for i, c := range committed {
		if !used[i] {
			out = append(out, c)
		}
	}
	return pairExactRenames(out)
}

// pairExactRenames turns an uncommitted deletion and an uncommitted addition
// of the same content into a rename, as git does for identical blobs.
// Committed renames were already detected by the tree diff.
func pairExactRenames(ds []fileDelta) []fileDelta {
	sort.Slice(ds, func(i, j int) bool { return ds[i].path < ds[j].path })
	deleted := map[plumbing.Hash][]int{}
	for i, d := range ds {
		if d.uncommitted && d.to == nil && d.from != nil {
			deleted[d.from.hash] = append(deleted[d.from.hash], i)
		}
	}
	if len(deleted) == 0 {
		return ds
	}
	drop := map[int]bool{}
	for i := range ds {
		d := &ds[i]
		if !d.uncommitted || d.from != nil || d.to == nil {
			continue
		}
		cands := deleted[d.to.hash]
		if len(cands) == 0 {
			continue
		}
		j := cands[0]
		deleted[d.to.hash] = cands[1:]
		d.from, d.fromPath = ds[j].from, ds[j].fromPath
		drop[j] = true
	}
	out := ds[:0]
	for i, d := range ds {
		if !drop[i] {
			out = append(out, d)
		}
	}
	return out
}

// scanWorktree compares the files under the pipelines folder with HEAD's
// tree. It walks the disk and the tree together, so a tracked file costs one
// read and one SHA-1, and untracked files are checked against .gitignore
// (only untracked ones: git tracks ignored files once they are committed).
// O(bytes under the pipelines folder). Worktree.Status is not used: it
// walks the whole repository and is very slow on large trees.
func (r *repo) scanWorktree(ctx context.Context, head *object.Tree) ([]fileDelta, error) {
	ign, err := r.rootIgnores()
	if err != nil {
		return nil, err
	}
	var out []fileDelta
	if err := r.scanDir(ctx, "", head, ign, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// ignores are the gitignore patterns in force in a folder.
type ignores struct {
	patterns []gitignore.Pattern
}

func (ig *ignores) match(repoRel string, isDir bool) bool {
	if len(ig.patterns) == 0 {
		return false
	}
	return gitignore.NewMatcher(ig.patterns).Match(strings.Split(repoRel, "/"), isDir)
}

// with returns the patterns extended by dir's .gitignore (dir relative to
// the repository root, slash-separated, "" for the root).
func (ig *ignores) with(root, dir string) (*ignores, error) {
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(dir), ".gitignore"))
	if errors.Is(err, os.ErrNotExist) {
		return ig, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path.Join(dir, ".gitignore"), err)
	}
	var domain []string
	if dir != "" {
		domain = strings.Split(dir, "/")
	}
	next := &ignores{patterns: append(ig.patterns[:len(ig.patterns):len(ig.patterns)], parseIgnore(string(data), domain)...)}
	return next, nil
}

func parseIgnore(text string, domain []string) []gitignore.Pattern {
	var ps []gitignore.Pattern
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ps = append(ps, gitignore.ParsePattern(line, domain))
	}
	return ps
}

// rootIgnores reads .git/info/exclude and the .gitignore files from the
// repository root down to the pipelines folder's parent. The global
// core.excludesFile is not read.
func (r *repo) rootIgnores() (*ignores, error) {
	ig := &ignores{}
	if data, err := os.ReadFile(filepath.Join(r.root, ".git", "info", "exclude")); err == nil {
		ig.patterns = parseIgnore(string(data), nil)
	}
	// scanDir reads the pipelines folder's own .gitignore.
	var dirs []string
	if r.relPipelines != "." {
		dirs = append(dirs, "")
		parts := strings.Split(r.relPipelines, "/")
		for i := 1; i < len(parts); i++ {
			dirs = append(dirs, strings.Join(parts[:i], "/"))
		}
	}
	var err error
	for _, d := range dirs {
		if ig, err = ig.with(r.root, d); err != nil {
			return nil, err
		}
	}
	return ig, nil
}

func (r *repo) repoRel(rel string) string {
	if r.relPipelines == "." {
		return rel
	}
	if rel == "" {
		return r.relPipelines
	}
	return r.relPipelines + "/" + rel
}

// scanDir compares the folder rel (relative to the pipelines root) on disk
// with tree (nil when the folder is not in HEAD).
func (r *repo) scanDir(ctx context.Context, rel string, tree *object.Tree, ign *ignores, out *[]fileDelta) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	abs := filepath.Join(r.pipelinesAbs, filepath.FromSlash(rel))
	ign, err := ign.with(r.root, r.repoRel(rel))
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return fmt.Errorf("read folder %s: %w", abs, err)
	}
	tracked := map[string]object.TreeEntry{}
	if tree != nil {
		for _, e := range tree.Entries {
			tracked[e.Name] = e
		}
	}
	for _, e := range entries {
		name := e.Name()
		if name == ".git" {
			continue
		}
		child := path.Join(rel, name)
		te, isTracked := tracked[name]
		delete(tracked, name)
		if e.IsDir() {
			var sub *object.Tree
			switch {
			case isTracked && te.Mode == filemode.Dir:
				if sub, err = tree.Tree(name); err != nil {
					return fmt.Errorf("read tree %s at HEAD: %w", child, err)
				}
			case isTracked && te.Mode == filemode.Submodule:
				continue
			case isTracked:
				// A tracked file was replaced by a folder.
				*out = append(*out, fileDelta{path: child, fromPath: child, from: &version{hash: te.Hash}, uncommitted: true})
			}
			if sub == nil {
				if ign.match(r.repoRel(child), true) {
					continue
				}
				if _, err := os.Stat(filepath.Join(abs, name, ".git")); err == nil {
					continue // a nested repository
				}
			}
			if err := r.scanDir(ctx, child, sub, ign, out); err != nil {
				return err
			}
			continue
		}
		if !e.Type().IsRegular() && e.Type()&os.ModeSymlink == 0 {
			continue // sockets, devices: git does not track them
		}
		if isTracked && te.Mode == filemode.Dir {
			// A tracked folder was replaced by a file.
			if err := r.deletedTree(tree, name, child, out); err != nil {
				return err
			}
			isTracked = false
		}
		if !isTracked && ign.match(r.repoRel(child), false) {
			continue
		}
		h, err := hashFile(filepath.Join(abs, name), e.Type())
		if err != nil {
			return err
		}
		if isTracked {
			if te.Hash != h {
				*out = append(*out, fileDelta{path: child, fromPath: child, from: &version{hash: te.Hash}, to: &version{hash: h, disk: true}, uncommitted: true})
			}
			continue
		}
		*out = append(*out, fileDelta{path: child, to: &version{hash: h, disk: true}, uncommitted: true})
	}
	// What is left in the tree is gone from the disk.
	names := make([]string, 0, len(tracked))
	for name := range tracked {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		te := tracked[name]
		child := path.Join(rel, name)
		switch {
		case te.Mode == filemode.Dir:
			if err := r.deletedTree(tree, name, child, out); err != nil {
				return err
			}
		case te.Mode.IsFile():
			*out = append(*out, fileDelta{path: child, fromPath: child, from: &version{hash: te.Hash}, uncommitted: true})
		}
	}
	return nil
}

// deletedTree reports every file of the subtree name of tree as deleted.
func (r *repo) deletedTree(tree *object.Tree, name, rel string, out *[]fileDelta) error {
	sub, err := tree.Tree(name)
	if err != nil {
		return fmt.Errorf("read tree %s at HEAD: %w", rel, err)
	}
	return sub.Files().ForEach(func(f *object.File) error {
		p := path.Join(rel, f.Name)
		*out = append(*out, fileDelta{path: p, fromPath: p, from: &version{hash: f.Hash}, uncommitted: true})
		return nil
	})
}

// hashFile computes the blob hash git would store for the file: its content,
// or the link target for a symbolic link. Clean/smudge filters and
// autocrlf are not applied.
func hashFile(p string, mode os.FileMode) (plumbing.Hash, error) {
	var content []byte
	if mode&os.ModeSymlink != 0 {
		target, err := os.Readlink(p)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("read link %s: %w", p, err)
		}
		content = []byte(target)
	} else {
		f, err := os.Open(p)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("read %s: %w", p, err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("stat %s: %w", p, err)
		}
		hasher := plumbing.NewHasher(plumbing.BlobObject, st.Size())
		if _, err := io.Copy(hasher, f); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("read %s: %w", p, err)
		}
		return hasher.Sum(), nil
	}
	return plumbing.ComputeHash(plumbing.BlobObject, content), nil
}
