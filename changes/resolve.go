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
	"strconv"
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
		unknown := &UnknownRevisionError{Since: since, Tried: tried(since), Err: err}
		return nil, nil, r.explainUnknown(head, unknown)
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

// HistoryDepthError is returned when Since walks back (HEAD~N, HEAD^^)
// further than the first-parent history of its base reaches.
type HistoryDepthError struct {
	Since string
	Base  string // the revision walked back from, e.g. HEAD
	Steps int    // first parents asked for
	Depth int    // commits on the first-parent line of Base, Base included
	// Before is a date before the first commit (YYYY-MM-DD), which compares
	// with an empty tree; "" when Base is not HEAD.
	Before  string
	Unknown *UnknownRevisionError
}

func (e *HistoryDepthError) Error() string {
	oldest := e.Base
	if e.Depth > 1 {
		oldest = fmt.Sprintf("%s~%d", e.Base, e.Depth-1)
	}
	msg := fmt.Sprintf("revision %q goes back %d commits, but the history of %s is %s deep: the oldest revision it can name is %s",
		e.Since, e.Steps, e.Base, plural(e.Depth, "commit"), oldest)
	if e.Before != "" {
		msg += fmt.Sprintf("; to compare with an empty tree (every table new), give a date before the first commit, such as %s", e.Before)
	}
	return msg
}

// Unwrap lets callers that look for an UnknownRevisionError find it.
func (e *HistoryDepthError) Unwrap() error { return e.Unknown }

// RefSuggestionError is an unknown revision with the refs named close to
// it (a typo, main for master, a branch that exists only as origin/main),
// or, when none is close, the local branches.
type RefSuggestionError struct {
	Since       string
	Suggestions []string // best first
	Branches    []string // sorted; set only without suggestions
	Unknown     *UnknownRevisionError
}

func (e *RefSuggestionError) Error() string {
	if len(e.Suggestions) > 0 {
		return fmt.Sprintf("unknown revision %q: no branch, tag, remote branch or commit is named so; did you mean %s?",
			e.Since, strings.Join(e.Suggestions, " or "))
	}
	msg := e.Unknown.Error()
	if len(e.Branches) > 0 {
		msg += "; the branches here are " + strings.Join(e.Branches, ", ")
	}
	return msg
}

// Unwrap lets callers that look for an UnknownRevisionError find it.
func (e *RefSuggestionError) Unwrap() error { return e.Unknown }

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// walkBack splits a revision into its base and a walk back made only of
// first-parent steps: "HEAD~5" is ("HEAD", 5), "main^^" ("main", 2). ok is
// false when there is no walk or it takes another parent (^2).
var walkBackRE = regexp.MustCompile(`^(.*?)((?:[~^][0-9]*)+)$`)

func walkBack(rev string) (base string, steps int, ok bool) {
	m := walkBackRE.FindStringSubmatch(rev)
	if m == nil || m[1] == "" {
		return "", 0, false
	}
	ops := m[2]
	for i := 0; i < len(ops); {
		op := ops[i]
		j := i + 1
		for j < len(ops) && ops[j] >= '0' && ops[j] <= '9' {
			j++
		}
		n := 1
		if j > i+1 {
			v, err := strconv.Atoi(ops[i+1 : j])
			if err != nil || v > 1<<20 {
				return "", 0, false
			}
			n = v
		}
		switch {
		case op == '~':
			steps += n
		case n == 0: // ^0 is the commit itself
		case n == 1:
			steps++
		default: // ^2 and on leave the first-parent line
			return "", 0, false
		}
		i = j
	}
	return m[1], steps, true
}

// explainUnknown turns an unknown revision into an error that says what
// would work: the depth of the history a walk back ran past, or refs named
// close to it. Runs only on the error path; O(steps) for a walk back,
// O(refs × name length²) for suggestions.
func (r *repo) explainUnknown(head *object.Commit, unknown *UnknownRevisionError) error {
	since := unknown.Since
	base, steps, isWalk := walkBack(since)
	if isWalk {
		h, err := r.git.ResolveRevision(plumbing.Revision(base))
		if err != nil {
			// A typo in the base of a walk: suggest for the base, keep the walk.
			sugg, branches := r.closeRefs(base)
			suffix := since[len(base):]
			for i := range sugg {
				sugg[i] += suffix
			}
			return &RefSuggestionError{Since: since, Suggestions: sugg, Branches: branches, Unknown: unknown}
		}
		c, err := r.git.CommitObject(*h)
		if err != nil {
			return unknown
		}
		for depth := 1; depth <= steps; depth++ {
			if c.NumParents() == 0 {
				e := &HistoryDepthError{Since: since, Base: base, Steps: steps, Depth: depth, Unknown: unknown}
				// A date is walked back from HEAD (beforeDate), so it
				// only stands for this walk when the base is HEAD.
				if *h == head.Hash {
					e.Before = c.Committer.When.UTC().AddDate(0, 0, -1).Format("2006-01-02")
				}
				return e
			}
			if c, err = c.Parent(0); err != nil {
				return unknown
			}
		}
		return unknown
	}
	sugg, branches := r.closeRefs(since)
	return &RefSuggestionError{Since: since, Suggestions: sugg, Branches: branches, Unknown: unknown}
}

// defaultBranchNames are the names a default branch commonly has: one
// given where another exists is most likely meant as that one.
var defaultBranchNames = map[string]bool{"main": true, "master": true, "trunk": true}

// closeRefs returns up to three branch, remote-branch or tag names close
// to name (best first), and, when none is, the local branches.
func (r *repo) closeRefs(name string) (suggestions, branches []string) {
	refs, err := r.git.References()
	if err != nil {
		return nil, nil
	}
	type cand struct {
		name string
		dist int
		kind int // 0 local branch, 1 remote branch, 2 tag: the order of preference
	}
	var cands []cand
	seen := map[string]bool{}
	maxDist := 1
	if len(name) >= 5 {
		maxDist = 2
	}
	lower := strings.ToLower(name)
	_ = refs.ForEach(func(ref *plumbing.Reference) error {
		full := ref.Name().String()
		var short string
		kind := 0
		switch {
		case strings.HasPrefix(full, "refs/heads/"):
			short = strings.TrimPrefix(full, "refs/heads/")
			branches = append(branches, short)
		case strings.HasPrefix(full, "refs/remotes/"):
			short, kind = strings.TrimPrefix(full, "refs/remotes/"), 1
			if strings.HasSuffix(short, "/HEAD") {
				return nil
			}
		case strings.HasPrefix(full, "refs/tags/"):
			short, kind = strings.TrimPrefix(full, "refs/tags/"), 2
		default:
			return nil
		}
		if seen[short] {
			return nil
		}
		seen[short] = true
		last := short[strings.LastIndex(short, "/")+1:]
		d := editDistance(lower, strings.ToLower(short))
		if kind == 1 {
			// origin/main for main, origin/mian for main
			d = min(d, editDistance(lower, strings.ToLower(last)))
		}
		if d > maxDist && defaultBranchNames[lower] && defaultBranchNames[strings.ToLower(last)] {
			d = maxDist
		}
		if d <= maxDist {
			cands = append(cands, cand{short, d, kind})
		}
		return nil
	})
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.dist != b.dist {
			return a.dist < b.dist
		}
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		return a.name < b.name
	})
	for i := 0; i < len(cands) && i < 3; i++ {
		suggestions = append(suggestions, cands[i].name)
	}
	if len(suggestions) > 0 {
		return suggestions, nil
	}
	sort.Strings(branches)
	if len(branches) > 8 {
		branches = append(branches[:8], fmt.Sprintf("… (%d more)", len(branches)-8))
	}
	return nil, branches
}

// editDistance is the optimal-string-alignment distance of a and b: the
// edits (insert, delete, substitute, swap two neighbours) that turn one
// into the other. O(len(a) × len(b)).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
