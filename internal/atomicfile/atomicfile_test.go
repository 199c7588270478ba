package atomicfile

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name     string
		existing string // "" = no file before
		data     string
		perm     fs.FileMode
		noSync   bool
	}{
		{name: "new file", data: "hello\n", perm: 0o644},
		{name: "replace file", existing: "old content that is longer", data: "new", perm: 0o600},
		{name: "empty data", existing: "x", data: "", perm: 0o644},
		{name: "no sync", existing: "old", data: "new", perm: 0o644, noSync: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "state.json")
			if tt.existing != "" {
				if err := os.WriteFile(path, []byte(tt.existing), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			if tt.noSync {
				err = WriteWith(path, []byte(tt.data), tt.perm, Options{NoSync: true})
			} else {
				err = Write(path, []byte(tt.data), tt.perm)
			}
			if err != nil {
				t.Fatalf("Write: %v", err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.data {
				t.Errorf("content = %q, want %q", got, tt.data)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.perm {
				t.Errorf("perm = %v, want %v", fi.Mode().Perm(), tt.perm)
			}
			assertNoTemp(t, dir)
		})
	}
}

func TestWriteMissingDirLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "missing", "state.json")
	err := Write(path, []byte("x"), 0o644)
	if err == nil {
		t.Fatal("Write into a missing directory succeeded")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
	assertNoTemp(t, dir)
}

func TestWriteRenameFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	// A directory in place of the target makes the rename fail after the
	// temporary file was fully written: the temporary must be cleaned up.
	path := filepath.Join(dir, "state.json")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "keep"), []byte("k"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("x"), 0o644); err == nil {
		t.Fatal("Write over a non-empty directory succeeded")
	}
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		t.Errorf("target changed: %v %v", fi, err)
	}
	assertNoTemp(t, dir)
}

func TestWriteJSON(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "v.json")
	in := map[string]any{"b": 2, "a": []string{"x"}}
	if err := WriteJSON(path, in, 0o644); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"a\": [\n    \"x\"\n  ],\n  \"b\": 2\n}\n"
	if string(data) != want {
		t.Errorf("got %q, want %q", data, want)
	}
	var back map[string]any
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(path, make(chan int), 0o644); err == nil {
		t.Error("WriteJSON of a channel succeeded")
	}
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}
