package atomicfile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// leftovers lists temporary files under dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp-") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestWriteBatch(t *testing.T) {
	for _, noSync := range []bool{false, true} {
		t.Run(fmt.Sprintf("nosync=%v", noSync), func(t *testing.T) {
			dir := t.TempDir()
			var files []File
			for i := range 40 {
				sub := filepath.Join(dir, fmt.Sprintf("t%02d", i))
				if err := os.MkdirAll(sub, 0o755); err != nil {
					t.Fatal(err)
				}
				p := filepath.Join(sub, "def.json")
				if i%2 == 0 { // half replace an existing file
					if err := os.WriteFile(p, []byte("old and longer content"), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				files = append(files, File{Path: p, Data: []byte(fmt.Sprintf("new %d\n", i)), Perm: 0o644})
			}
			n, err := WriteBatch(context.Background(), files, Options{NoSync: noSync})
			if err != nil || n != len(files) {
				t.Fatalf("WriteBatch = %d, %v", n, err)
			}
			for i, f := range files {
				got, err := os.ReadFile(f.Path)
				if err != nil || string(got) != fmt.Sprintf("new %d\n", i) {
					t.Errorf("%s: %q, %v", f.Path, got, err)
				}
				if fi, err := os.Stat(f.Path); err != nil || fi.Mode().Perm() != 0o644 {
					t.Errorf("%s: mode %v, %v", f.Path, fi.Mode(), err)
				}
			}
			if l := leftovers(t, dir); len(l) > 0 {
				t.Errorf("temporary files left: %v", l)
			}
		})
	}
}

// TestWriteBatchFailureLeavesTargetsAlone: when one file cannot be
// written, nothing is renamed, the existing files keep their content and
// no temporary file stays behind.
func TestWriteBatchFailureLeavesTargetsAlone(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := []File{
		{Path: good, Data: []byte("new"), Perm: 0o644},
		{Path: filepath.Join(dir, "missing-folder", "x.json"), Data: []byte("x"), Perm: 0o644},
	}
	n, err := WriteBatch(context.Background(), files, Options{})
	if err == nil || n != 0 || !strings.Contains(err.Error(), "missing-folder") {
		t.Fatalf("WriteBatch = %d, %v; want 0 and an error naming the file", n, err)
	}
	if got, _ := os.ReadFile(good); string(got) != "old" {
		t.Errorf("good.json = %q, want it untouched", got)
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("temporary files left: %v", l)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if n, err := WriteBatch(ctx, files[:1], Options{}); n != 0 || err != context.Canceled {
		t.Errorf("cancelled: %d, %v", n, err)
	}
	if got, _ := os.ReadFile(good); string(got) != "old" {
		t.Errorf("good.json after a cancelled batch = %q", got)
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("temporary files left after cancel: %v", l)
	}
	if n, err := WriteBatch(context.Background(), nil, Options{}); n != 0 || err != nil {
		t.Errorf("empty batch: %d, %v", n, err)
	}
}
