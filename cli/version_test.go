package cli

import (
	"runtime/debug"
	"testing"
)

func TestVersionOf(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	tests := []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{"go install of a tag", debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: vcs("9611dcaf00ba", "false")}, "v1.4.0"},
		{"build in a clean clone", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("9611dca0123456789abcdef", "false")}, "dev-9611dca01234"},
		{"build with edits", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("9611dca0123456789abcdef", "true")}, "dev-9611dca01234-dirty"},
		{"no version control", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
	}
	for _, tc := range tests {
		if got := versionOf(&tc.info); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
