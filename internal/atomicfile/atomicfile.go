// Package atomicfile writes files so that a reader (or a process started
// after a crash) sees either the old content or the new content, never a
// truncated mix: the data goes to a temporary file in the same directory,
// is fsynced, renamed over the target, and the directory is fsynced so the
// rename itself survives a power loss.
package atomicfile

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Options tune WriteWith.
type Options struct {
	// NoSync skips both fsyncs. The rename stays atomic, so a killed
	// process still leaves the old or the new file; only a power loss or
	// kernel crash may lose the latest writes. For tests and benchmarks:
	// an fsync costs 10-30 ms on common disks.
	NoSync bool
}

// Write replaces path with data atomically and durably. The temporary file
// lives in the same directory because rename is only atomic within one
// file system. On any error the temporary file is removed and path is left
// untouched.
func Write(path string, data []byte, perm fs.FileMode) error {
	return WriteWith(path, data, perm, Options{})
}

// WriteWith is Write with options.
func WriteWith(path string, data []byte, perm fs.FileMode, opts Options) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: create temporary file: %w", path, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: chmod temporary file: %w", path, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if !opts.NoSync {
		if err = tmp.Sync(); err != nil {
			return fmt.Errorf("write %s: fsync: %w", path, err)
		}
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: close temporary file: %w", path, err)
	}
	if err = os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("write %s: rename temporary file: %w", path, err)
	}
	if opts.NoSync {
		return nil
	}
	if err = syncDir(dir); err != nil {
		return fmt.Errorf("write %s: fsync directory: %w", path, err)
	}
	return nil
}

// WriteJSON marshals v as indented JSON with a trailing newline (stable,
// diff-friendly) and writes it with Write.
func WriteJSON(path string, v any, perm fs.FileMode) error {
	return WriteJSONWith(path, v, perm, Options{})
}

// WriteJSONWith is WriteJSON with options.
func WriteJSONWith(path string, v any, perm fs.FileMode, opts Options) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: encode JSON: %w", path, err)
	}
	return WriteWith(path, append(data, '\n'), perm, opts)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
