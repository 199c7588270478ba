package changes

import (
	"context"
	"fmt"
	"path"
	"sort"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// diffTrees lists the file changes between two trees, reading only the
// subtrees whose hashes differ: O(changed paths × fan-out) entry
// comparisons and one tree read per changed folder. go-git's DiffTree (via
// merkletrie) also reads every sibling of a changed folder to count its
// children, which on a 10,000-table project costs thousands of tree reads
// for a 50-table change. Renames are then detected by go-git's
// DetectRenames with DiffTreeWithOptions' default similarity score (60),
// but limited like git's diff.renameLimit: with more than renameLimit added
// or deleted files only exact renames are paired, as content similarity
// costs O(added × deleted) blob comparisons. Moved table folders are
// recognised by table name anyway (pairRenames).
func diffTrees(ctx context.Context, s storer.EncodedObjectStorer, a, b *object.Tree) (object.Changes, error) {
	var out object.Changes
	if err := diffDir(ctx, s, a, b, "", &out); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return changeName(out[i]) < changeName(out[j]) })
	return object.DetectRenames(out, &object.DiffTreeOptions{DetectRenames: true, RenameScore: 60, RenameLimit: renameLimit})
}

// renameLimit is git's default diff.renameLimit.
const renameLimit = 1000

func changeName(c *object.Change) string {
	if c.To.Name != "" {
		return c.To.Name
	}
	return c.From.Name
}

func diffDir(ctx context.Context, s storer.EncodedObjectStorer, a, b *object.Tree, prefix string, out *object.Changes) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	old := make(map[string]object.TreeEntry, len(a.Entries))
	for _, e := range a.Entries {
		old[e.Name] = e
	}
	for _, ne := range b.Entries {
		p := path.Join(prefix, ne.Name)
		oe, ok := old[ne.Name]
		delete(old, ne.Name)
		switch {
		case !ok:
			if err := sideOf(s, b, ne, p, false, out); err != nil {
				return err
			}
		case oe.Hash == ne.Hash && oe.Mode == ne.Mode:
		case oe.Mode == filemode.Dir && ne.Mode == filemode.Dir:
			at, err := object.GetTree(s, oe.Hash)
			if err != nil {
				return fmt.Errorf("read tree %s: %w", p, err)
			}
			bt, err := object.GetTree(s, ne.Hash)
			if err != nil {
				return fmt.Errorf("read tree %s: %w", p, err)
			}
			if err := diffDir(ctx, s, at, bt, p, out); err != nil {
				return err
			}
		case oe.Mode.IsFile() && ne.Mode.IsFile():
			*out = append(*out, &object.Change{
				From: object.ChangeEntry{Name: p, Tree: a, TreeEntry: oe},
				To:   object.ChangeEntry{Name: p, Tree: b, TreeEntry: ne},
			})
		default: // a file became a folder or the reverse
			if err := sideOf(s, a, oe, p, true, out); err != nil {
				return err
			}
			if err := sideOf(s, b, ne, p, false, out); err != nil {
				return err
			}
		}
	}
	for _, oe := range a.Entries {
		if _, gone := old[oe.Name]; gone {
			if err := sideOf(s, a, oe, path.Join(prefix, oe.Name), true, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// sideOf records entry e of tree t (and, for a folder, every file below it)
// as deleted (from) or inserted.
func sideOf(s storer.EncodedObjectStorer, t *object.Tree, e object.TreeEntry, p string, from bool, out *object.Changes) error {
	switch {
	case e.Mode == filemode.Dir:
		sub, err := object.GetTree(s, e.Hash)
		if err != nil {
			return fmt.Errorf("read tree %s: %w", p, err)
		}
		for _, se := range sub.Entries {
			if err := sideOf(s, sub, se, path.Join(p, se.Name), from, out); err != nil {
				return err
			}
		}
	case e.Mode.IsFile():
		ce := object.ChangeEntry{Name: p, Tree: t, TreeEntry: e}
		if from {
			*out = append(*out, &object.Change{From: ce})
		} else {
			*out = append(*out, &object.Change{To: ce})
		}
	}
	return nil
}
