//go:build !linux

package pipeline

import (
	"io"
	"os"
	"path/filepath"
)

// openDir is the portable listing and reading of readdir_linux.go, on the
// os package.
func openDir(path string) (dirHandle, error) {
	fi, err := os.Stat(path)
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
