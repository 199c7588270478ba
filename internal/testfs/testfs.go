// Package testfs holds file helpers shared by tests of several packages:
// copying a folder, and a scratch copy of the sample pipelines that a test
// may edit.
package testfs

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// CopyTree copies the files under from to to (folders created as needed).
func CopyTree(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// SamplesDir is the repository's flink_data_products/pipelines folder.
func SamplesDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "flink_data_products", "pipelines")
}
