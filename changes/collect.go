package changes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// version is one state of a file: its blob hash (for a file on disk, the
// hash git would give it). Contents are read through a view.
type version struct {
	hash plumbing.Hash
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
		// Diffing the pipelines subtrees only, skipping every subtree whose
		// hash is unchanged: the cost follows the number of changed paths,
		// not the project size.
		diff, err := diffTrees(ctx, r.git.Storer, baseTree, headTree)
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
