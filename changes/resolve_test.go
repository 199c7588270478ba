package changes

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestHistoryDepth: a walk back past the first commit says how deep the
// history is and which revision is the oldest usable, and is still an
// UnknownRevisionError for callers that branch on it.
func TestHistoryDepth(t *testing.T) {
	r := newTestRepo(t)
	seed := seedProject(r) // committed 2026-10-02
	r.write(map[string]string{"pipelines/README.md": "x\n"})
	r.commit("second")
	r.branch("feature", seed)
	pipelines := filepath.Join(r.dir, "pipelines")
	tests := []struct {
		since string
		want  string
	}{
		{"HEAD~5", `revision "HEAD~5" goes back 5 commits, but the history of HEAD is 2 commits deep: the oldest revision it can name is HEAD~1; to compare with an empty tree (every table new), give a date before the first commit, such as 2026-10-01`},
		{"HEAD~2", `revision "HEAD~2" goes back 2 commits, but the history of HEAD is 2 commits deep: the oldest revision it can name is HEAD~1;`},
		{"HEAD^^^", `revision "HEAD^^^" goes back 3 commits, but the history of HEAD is 2 commits deep`},
		{"HEAD~1~1", `revision "HEAD~1~1" goes back 2 commits`},
		// Not HEAD: no date, which would be walked back from HEAD.
		{"feature~3", `revision "feature~3" goes back 3 commits, but the history of feature is 1 commit deep: the oldest revision it can name is feature`},
	}
	for _, tc := range tests {
		t.Run(tc.since, func(t *testing.T) {
			_, err := Compute(context.Background(), Options{PipelinesDir: pipelines, Since: tc.since})
			var de *HistoryDepthError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want *HistoryDepthError", err)
			}
			var u *UnknownRevisionError
			if !errors.As(err, &u) {
				t.Errorf("err does not unwrap to *UnknownRevisionError")
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("err = %q\nwant prefix %q", err, tc.want)
			}
			if strings.HasPrefix(tc.since, "feature") && strings.Contains(err.Error(), "date") {
				t.Errorf("err = %q suggests a date for a base that is not HEAD", err)
			}
		})
	}

	// The date it suggests does compare with an empty tree.
	cs, err := Compute(context.Background(), Options{PipelinesDir: pipelines, Since: "2026-10-01"})
	if err != nil {
		t.Fatal(err)
	}
	if cs.Base != "" {
		t.Errorf("base for the suggested date = %q, want none (empty tree)", cs.Base)
	}

	// One commit: the oldest revision is HEAD itself.
	one := newTestRepo(t)
	seedProject(one)
	_, err = Compute(context.Background(), Options{PipelinesDir: filepath.Join(one.dir, "pipelines"), Since: "HEAD~1"})
	if err == nil || !strings.Contains(err.Error(), "is 1 commit deep: the oldest revision it can name is HEAD;") {
		t.Errorf("one commit: %v", err)
	}
}

// TestRefSuggestions: an unknown name gets the refs named close to it, or
// the local branches when none is.
func TestRefSuggestions(t *testing.T) {
	r := newTestRepo(t)
	h := seedProject(r)
	r.commit("second")
	// go-git's init names the first branch master.
	r.branch("feature/login", h)
	r.remoteBranch("origin", "release", h)
	r.tag("v1.0", h, false)
	pipelines := filepath.Join(r.dir, "pipelines")
	tests := []struct {
		since    string
		want     []string
		branches []string
	}{
		{"main", []string{"master"}, nil},
		{"mastr", []string{"master"}, nil},
		{"mater~1", []string{"master~1"}, nil},
		{"release", []string{"origin/release"}, nil},
		{"relaese", []string{"origin/release"}, nil},
		{"v1.1", []string{"v1.0"}, nil},
		{"feature/logn", []string{"feature/login"}, nil},
		{"nothing-like-it", nil, []string{"feature/login", "master"}},
	}
	for _, tc := range tests {
		t.Run(tc.since, func(t *testing.T) {
			_, err := Compute(context.Background(), Options{PipelinesDir: pipelines, Since: tc.since})
			var se *RefSuggestionError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *RefSuggestionError", err)
			}
			var u *UnknownRevisionError
			if !errors.As(err, &u) {
				t.Errorf("err does not unwrap to *UnknownRevisionError")
			}
			if !reflect.DeepEqual(se.Suggestions, tc.want) || !reflect.DeepEqual(se.Branches, tc.branches) {
				t.Errorf("suggestions %q, branches %q; want %q, %q", se.Suggestions, se.Branches, tc.want, tc.branches)
			}
			if len(tc.want) > 0 && !strings.Contains(err.Error(), "did you mean "+tc.want[0]+"?") {
				t.Errorf("err = %q", err)
			}
			if len(tc.want) == 0 && !strings.HasSuffix(err.Error(), "; the branches here are feature/login, master") {
				t.Errorf("err = %q", err)
			}
		})
	}
}

func TestWalkBack(t *testing.T) {
	tests := []struct {
		rev   string
		base  string
		steps int
		ok    bool
	}{
		{"HEAD~5", "HEAD", 5, true},
		{"HEAD~", "HEAD", 1, true},
		{"HEAD^", "HEAD", 1, true},
		{"HEAD^^~2", "HEAD", 4, true},
		{"main^0", "main", 0, true},
		{"main^1~3", "main", 4, true},
		{"HEAD^2", "", 0, false},
		{"main", "", 0, false},
		{"~3", "", 0, false},
	}
	for _, tc := range tests {
		base, steps, ok := walkBack(tc.rev)
		if base != tc.base || steps != tc.steps || ok != tc.ok {
			t.Errorf("walkBack(%q) = %q, %d, %v; want %q, %d, %v", tc.rev, base, steps, ok, tc.base, tc.steps, tc.ok)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"main", "main", 0},
		{"mian", "main", 1}, // a swap is one edit
		{"mastr", "master", 1},
		{"main", "master", 4},
		{"", "abc", 3},
		{"développe", "developpe", 1},
	}
	for _, tc := range tests {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
