package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	out := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"generates", []string{"-tables", "20", "-seed", "3", "-out", out}, 0, "generated 20 tables in 1 products", ""},
		{"again into the same folder", []string{"-tables", "20", "-out", out}, 1, "", "already exists"},
		{"no output folder", []string{"-tables", "20"}, 2, "", "-out DIR is required"},
		{"leftover argument", []string{"-out", filepath.Join(out, "x"), "extra"}, 2, "", "unexpected arguments"},
		{"bad flag", []string{"-tables", "many"}, 2, "", "invalid value"},
		{"zero tables", []string{"-tables", "0", "-out", filepath.Join(out, "y")}, 1, "", "at least 1 table"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stdout.String(), tc.stdout) || !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("run(%q) = %d\nstdout: %s\nstderr: %s\nwant %d, stdout with %q, stderr with %q",
					tc.args, code, stdout.String(), stderr.String(), tc.code, tc.stdout, tc.stderr)
			}
		})
	}
}
