package changes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// testRepo is a real repository in a temporary folder, written with go-git.
type testRepo struct {
	t    *testing.T
	dir  string
	git  *git.Repository
	wt   *git.Worktree
	when time.Time
}

func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	dir := t.TempDir()
	g, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := g.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	return &testRepo{t: t, dir: dir, git: g, wt: wt, when: time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)}
}

// write sets files (paths relative to the repository root); an empty
// content deletes the file.
func (r *testRepo) write(files map[string]string) {
	r.t.Helper()
	for p, content := range files {
		abs := filepath.Join(r.dir, filepath.FromSlash(p))
		if content == "" {
			if err := os.Remove(abs); err != nil {
				r.t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(abs, []byte(content), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
}

// move renames a file or folder (relative to the repository root).
func (r *testRepo) move(from, to string) {
	r.t.Helper()
	if err := os.MkdirAll(filepath.Dir(filepath.Join(r.dir, to)), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(r.dir, from), filepath.Join(r.dir, to)); err != nil {
		r.t.Fatal(err)
	}
}

func (r *testRepo) removeAll(p string) {
	r.t.Helper()
	if err := os.RemoveAll(filepath.Join(r.dir, p)); err != nil {
		r.t.Fatal(err)
	}
}

// commit stages everything (git add -A) and commits one day after the
// previous commit, or at when if given.
func (r *testRepo) commit(msg string, when ...time.Time) plumbing.Hash {
	r.t.Helper()
	if err := r.wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		r.t.Fatal(err)
	}
	r.when = r.when.Add(24 * time.Hour)
	if len(when) > 0 {
		r.when = when[0]
	}
	sig := &object.Signature{Name: "t", Email: "t@example.com", When: r.when}
	h, err := r.wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true})
	if err != nil {
		r.t.Fatal(err)
	}
	return h
}

func (r *testRepo) branch(name string, at plumbing.Hash) {
	r.t.Helper()
	if err := r.git.Storer.SetReference(plumbing.NewHashReference(plumbing.NewBranchReferenceName(name), at)); err != nil {
		r.t.Fatal(err)
	}
}

func (r *testRepo) checkout(name string) {
	r.t.Helper()
	if err := r.wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(name)}); err != nil {
		r.t.Fatal(err)
	}
}

func (r *testRepo) tag(name string, at plumbing.Hash, annotated bool) {
	r.t.Helper()
	var opts *git.CreateTagOptions
	if annotated {
		opts = &git.CreateTagOptions{Message: name, Tagger: &object.Signature{Name: "t", Email: "t@example.com", When: r.when}}
	}
	if _, err := r.git.CreateTag(name, at, opts); err != nil {
		r.t.Fatal(err)
	}
}

func (r *testRepo) remoteBranch(remote, name string, at plumbing.Hash) {
	r.t.Helper()
	if _, err := r.git.CreateRemote(&config.RemoteConfig{Name: remote, URLs: []string{"https://example.invalid/x.git"}}); err != nil && err != git.ErrRemoteExists {
		r.t.Fatal(err)
	}
	if err := r.git.Storer.SetReference(plumbing.NewHashReference(plumbing.NewRemoteReferenceName(remote, name), at)); err != nil {
		r.t.Fatal(err)
	}
}

// SQL fixtures. Column lists are "name TYPE" items.
func ddl(table string, cols ...string) string {
	if len(cols) == 0 {
		cols = []string{"id STRING"}
	}
	return "CREATE TABLE IF NOT EXISTS " + table + " (\n  " + strings.Join(cols, ",\n  ") +
		",\n  PRIMARY KEY(id) NOT ENFORCED\n) DISTRIBUTED BY HASH(id) INTO 1 BUCKETS\nWITH ('changelog.mode' = 'upsert', 'value.format' = 'avro-registry');\n"
}

func dml(table string, from ...string) string {
	if len(from) == 0 {
		return "INSERT INTO " + table + " SELECT id FROM raw_" + table + ";\n"
	}
	return "INSERT INTO " + table + " SELECT a.id FROM " + strings.Join(from, " a JOIN ") + " a;\n"
}

// table returns the files of a table folder under pipelines/.
func table(folder, name string, from ...string) map[string]string {
	base := "pipelines/" + folder + "/"
	return map[string]string{
		base + "sql-scripts/ddl." + name + ".sql": ddl(name),
		base + "sql-scripts/dml." + name + ".sql": dml(name, from...),
		base + "Makefile":                         "include ../../common.mk\n",
	}
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// seedProject writes the base project and commits it.
func seedProject(r *testRepo) plumbing.Hash {
	r.write(seedFiles())
	return r.commit("seed")
}

// seedFiles is the base project: four tables, a unit test, the generated
// inventory and a file outside the pipelines folder.
func seedFiles() map[string]string {
	return merge(
		table("sources/src_a", "src_a"),
		table("intermediates/p1/int_b", "int_b", "src_a"),
		table("facts/p1/fct_c", "fct_c", "int_b"),
		table("facts/p1/fct_old", "fct_old", "int_b"),
		map[string]string{
			"pipelines/intermediates/p1/int_b/tests/insert_src_a.sql": "INSERT INTO src_a VALUES ('1');\n",
			"pipelines/inventory.json":                                "{}\n",
			"README.md":                                               "hello\n",
		},
	)
}
