//go:build !linux

package pipeline

import (
	"io"
	"os"
	"path/filepath"
)

// openDir is the portable listing and reading of readdir_linux.go, on the
// os package.
func openDir(path string) (dirHandle, error) { return checkDir(path, os.Stat) }

// checkDir is a handle on path when stat says it is a folder.
func checkDir(path string, stat func(string) (os.FileInfo, error)) (dirHandle, error) {
	fi, err := stat(path)
	if err != nil {
		return dirHandle{}, err
	}
	if !fi.IsDir() {
		return dirHandle{}, &os.PathError{Op: "open", Path: path, Err: os.ErrInvalid}
	}
	return dirHandle{path: path}, nil
}

type dirHandle struct{ path string }

func (d dirHandle) close() {}

// openSub opens the folder at the relative path name inside d; a symbolic
// link as its last part is refused, as on Linux.
func (d dirHandle) openSub(name string) (dirHandle, error) {
	return checkDir(filepath.Join(d.path, filepath.FromSlash(name)), os.Lstat)
}

// subfolderCount is not known without a listing here: the walk lists.
func (d dirHandle) subfolderCount(string) (int, bool) { return 0, false }

func (d dirHandle) list(*[]byte) ([]dirEntry, error) {
	entries, err := os.ReadDir(d.path)
	if err != nil {
		return nil, err
	}
	out := make([]dirEntry, len(entries))
	for i, e := range entries {
		out[i] = dirEntry{name: e.Name(), typ: e.Type()}
	}
	return out, nil
}

func (d dirHandle) readFile(name string, buf []byte, max int) ([]byte, int64, error) {
	f, err := os.Open(filepath.Join(d.path, name))
	if err != nil {
		return buf, 0, err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err != nil {
		return buf, 0, err
	}
	if len(src) > max {
		if fi, err := f.Stat(); err == nil {
			return src, fi.Size(), errTooLarge
		}
		return src, int64(len(src)), errTooLarge
	}
	return src, int64(len(src)), nil
}
