package changes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// repo is an opened repository and where the pipelines folder sits in it.
type repo struct {
	git          *git.Repository
	root         string // absolute working-tree root, symlinks resolved
	pipelinesAbs string // absolute pipelines folder, symlinks resolved
	relPipelines string // slash path relative to root, "." for the root itself
	shallow      bool
	closer       io.Closer // the storage with open packfiles, or nil
	indexPath    string    // .git/index, "" when the storage is not on disk
}

func (r *repo) close() {
	if r.closer != nil {
		r.closer.Close()
	}
}

func openRepo(opts Options) (*repo, error) {
	if opts.PipelinesDir == "" {
		return nil, errors.New("no pipelines folder given: pass --pipelines DIR or set PIPELINES")
	}
	pipelines, err := realPath(opts.PipelinesDir)
	if err != nil {
		return nil, fmt.Errorf("pipelines folder: %w", err)
	}
	start := pipelines
	if opts.RepoDir != "" {
		if start, err = realPath(opts.RepoDir); err != nil {
			return nil, fmt.Errorf("repository folder: %w", err)
		}
	}
	g, err := git.PlainOpenWithOptions(start, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, fmt.Errorf("%w at or above %s: run inside a git clone or pass --repo DIR", ErrNoRepository, start)
	}
	if err != nil {
		return nil, fmt.Errorf("open repository at %s: %w", start, err)
	}
	wt, err := g.Worktree()
	if err != nil {
		return nil, fmt.Errorf("repository at %s has no working tree (bare?): %w", start, err)
	}
	root, err := realPath(wt.Filesystem.Root())
	if err != nil {
		return nil, fmt.Errorf("repository root: %w", err)
	}
	rel, err := filepath.Rel(root, pipelines)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("pipelines folder %s is not inside the repository %s: pass the right --repo", pipelines, root)
	}
	var closer io.Closer
	var indexPath string
	if fsStore, ok := g.Storer.(*filesystem.Storage); ok {
		indexPath = filepath.Join(fsStore.Filesystem().Root(), "index")
		// Reopen the object storage keeping the packfiles open: by default
		// go-git opens and closes the packfile for every object it reads,
		// which dominates the cost of a diff on a large repository.
		st := filesystem.NewStorageWithOptions(fsStore.Filesystem(), cache.NewObjectLRUDefault(), filesystem.Options{KeepDescriptors: true})
		if g2, err := git.Open(st, wt.Filesystem); err == nil {
			g, closer = g2, st
		} else {
			st.Close()
		}
	}
	shallow, err := g.Storer.Shallow()
	if err != nil {
		return nil, fmt.Errorf("read shallow list of %s: %w", root, err)
	}
	return &repo{git: g, closer: closer, indexPath: indexPath, root: root, pipelinesAbs: pipelines, relPipelines: filepath.ToSlash(rel), shallow: len(shallow) > 0}, nil
}

func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	if !st.IsDir() {
		return "", fmt.Errorf("%s is not a folder", p)
	}
	return real, nil
}

var (
	dateOnly = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	// ResolveRevision accepts these forms and silently resolves them to the
	// ref's tip (go-git's Repository.ResolveRevision doc comment lists the
	// forms it implements; these are not among them), so reject them
	// instead of diffing against
	// the wrong commit.
	unsupportedRev = regexp.MustCompile(`@\{|:|\^[3-9]|\^\{`)
	// looksLikeHistory matches a commit hash (prefix) or a walk back.
	looksLikeHistory = regexp.MustCompile(`^[0-9a-fA-F]{4,40}$|[~^]`)
)

// parseDate reads a --since date; ok is false when s is not one.
func parseDate(s string) (time.Time, bool) {
	if dateOnly.MatchString(s) {
		t, err := time.Parse("2006-01-02", s)
		return t, err == nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// resolveBase returns the commit to diff from (nil: before the first commit)
// and HEAD.
func (r *repo) resolveBase(ctx context.Context, since string) (base, head *object.Commit, err error) {
	ref, err := r.git.Head()
	if err != nil {
		return nil, nil, fmt.Errorf("read HEAD of %s (a repository without commits?): %w", r.root, err)
	}
	head, err = r.git.CommitObject(ref.Hash())
	if err != nil {
		return nil, nil, fmt.Errorf("read HEAD commit %s: %w", ref.Hash(), err)
	}
	if since == "" || since == "HEAD" {
		return head, head, nil
	}
	if when, ok := parseDate(since); ok && !r.refExists(since) {
		base, err = r.beforeDate(ctx, head, since, when)
		return base, head, err
	}
	if unsupportedRev.MatchString(since) {
		return nil, nil, fmt.Errorf("revision %q: reflog (@{…}), path (REV:path), ^{…} and ^N>2 forms are not supported; "+
			"use a branch, tag, commit, HEAD~N or a date such as 2026-11-01", since)
	}
	h, err := r.git.ResolveRevision(plumbing.Revision(since))
	if err != nil {
		// In a shallow clone, a commit hash or a walk back (~, ^) that
		// fails may well be hidden history.
		if r.shallow && (errors.Is(err, plumbing.ErrObjectNotFound) || looksLikeHistory.MatchString(since)) {
			return nil, nil, &ShallowError{Since: since, What: "resolving " + since}
		}
		return nil, nil, &UnknownRevisionError{Since: since, Tried: tried(since), Err: err}
	}
	target, err := r.git.CommitObject(*h)
	if err != nil {
		return nil, nil, fmt.Errorf("read commit %s of %q: %w", h, since, err)
	}
	if target.Hash == head.Hash {
		return head, head, nil
	}
	bases, err := head.MergeBase(target)
	if err != nil {
		if r.shallow {
			return nil, nil, &ShallowError{Since: since, What: "merge base of " + since + " and HEAD"}
		}
		return nil, nil, fmt.Errorf("merge base of %s and HEAD: %w", since, err)
	}
	if len(bases) == 0 {
		if r.shallow {
			return nil, nil, &ShallowError{Since: since, What: "merge base of " + since + " and HEAD"}
		}
		return nil, nil, fmt.Errorf("%s and HEAD have no common history: give a revision HEAD descends from", since)
	}
	// Criss-cross merges have several bases; take the newest, then the
	// smallest hash, so the result is stable.
	sort.Slice(bases, func(i, j int) bool {
		ti, tj := bases[i].Committer.When, bases[j].Committer.When
		if !ti.Equal(tj) {
			return ti.After(tj)
		}
		return bases[i].Hash.String() < bases[j].Hash.String()
	})
	return bases[0], head, nil
}

func tried(since string) []string {
	return []string{
		"the refs " + since + ", refs/" + since + ", refs/tags/" + since + ", refs/heads/" + since +
			", refs/remotes/" + since + ", refs/remotes/" + since + "/HEAD",
		"a commit hash prefix",
		"a date (YYYY-MM-DD or RFC3339)",
	}
}

// refExists reports whether a branch, tag or remote branch is literally
// named s (so a tag "2026-11-01" is not read as a date).
func (r *repo) refExists(s string) bool {
	for _, name := range []string{"refs/tags/" + s, "refs/heads/" + s, "refs/remotes/" + s} {
		if _, err := r.git.Reference(plumbing.ReferenceName(name), false); err == nil {
			return true
		}
	}
	return false
}

// beforeDate walks first parents from head and returns the newest commit
// committed at or before when; nil when the whole history is newer (the
// diff then starts from an empty tree). O(commits walked).
func (r *repo) beforeDate(ctx context.Context, head *object.Commit, since string, when time.Time) (*object.Commit, error) {
	c := head
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !c.Committer.When.After(when) {
			return c, nil
		}
		if c.NumParents() == 0 {
			return nil, nil
		}
		p, err := c.Parent(0)
		if err != nil {
			if r.shallow {
				return nil, &ShallowError{Since: since, What: "walking first parents back to " + since}
			}
			return nil, fmt.Errorf("read parent of %s: %w", c.Hash, err)
		}
		c = p
	}
}
