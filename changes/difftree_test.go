package changes

import (
	"context"
	"reflect"
	"sort"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// diffTrees must find what go-git's DiffTreeWithOptions finds (it only
// reads fewer trees): same files, same renames.
func TestDiffTreesMatchesGoGit(t *testing.T) {
	r := newTestRepo(t)
	c1 := seedProject(r)
	r.move("pipelines/facts/p1/fct_c", "pipelines/facts/p2/fct_c")
	r.removeAll("pipelines/facts/p1/fct_old")
	r.write(merge(table("dimensions/p1/dim_new", "dim_new", "int_b"), map[string]string{
		"pipelines/intermediates/p1/int_b/sql-scripts/dml.int_b.sql": dml("int_b", "src_a") + "-- x\n",
		"pipelines/inventory.json":                                   "",
	}))
	c2 := r.commit("many changes")
	// A file replaced by a folder of the same name (two commits: go-git's
	// worktree cannot stage both at once).
	r.removeAll("pipelines/sources/src_a/Makefile")
	r.commit("drop Makefile")
	r.write(map[string]string{"pipelines/sources/src_a/Makefile/inner.mk": "x\n"})
	c3 := r.commit("file to folder")

	tree := func(h plumbing.Hash) *object.Tree {
		c, err := r.git.CommitObject(h)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := c.Tree()
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	names := func(cs object.Changes) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.From.Name+" -> "+c.To.Name)
		}
		sort.Strings(out)
		return out
	}
	for _, pair := range [][2]plumbing.Hash{{c1, c2}, {c2, c3}, {c1, c3}, {c3, c1}} {
		a, b := tree(pair[0]), tree(pair[1])
		want, err := object.DiffTreeWithOptions(context.Background(), a, b, object.DefaultDiffTreeOptions)
		if err != nil {
			t.Fatal(err)
		}
		got, err := diffTrees(context.Background(), r.git.Storer, a, b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(names(got), names(want)) {
			t.Errorf("%s..%s:\n got  %q\n want %q", pair[0].String()[:7], pair[1].String()[:7], names(got), names(want))
		}
	}
}
