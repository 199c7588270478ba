package atomicfile

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// File is one file of a batch.
type File struct {
	Path string
	Data []byte
	Perm fs.FileMode
}

// batchWorkers bounds the files created or renamed at once.
const batchWorkers = 8

// WriteBatch replaces every file as Write does — each one atomically, so a
// reader or a crash sees it old or new, never a mix — but makes them
// durable together. Every new content goes to a temporary file next to its
// target; the file system is then flushed once (syncfs on Linux; elsewhere
// each temporary file and, after the renames, each folder is fsynced);
// the temporary files are renamed into place and the file system is
// flushed once more for the renames. Ten thousand files thus cost two
// flushes instead of twenty thousand fsyncs.
//
// It returns how many files were renamed into place (a prefix of files)
// and the first error: after a failure, temporary files not yet renamed are
// removed and their targets left untouched. A cancelled ctx stops it
// before the renames.
func WriteBatch(ctx context.Context, files []File, opts Options) (int, error) {
	if len(files) == 0 {
		return 0, nil
	}
	tmps := make([]string, len(files))
	devs := make([]uint64, len(files))
	errs := make([]error, len(files))
	perFileSync := !opts.NoSync && !canSyncFS
	parallel(len(files), func(i int) {
		tmps[i], devs[i], errs[i] = writeTemp(files[i], perFileSync)
	})
	// One folder per file system the files live on, to flush each.
	fsDirs := map[uint64]string{}
	for i, d := range devs {
		if _, ok := fsDirs[d]; !ok {
			fsDirs[d] = filepath.Dir(files[i].Path)
		}
	}
	flush := func() error {
		for _, dir := range fsDirs {
			if err := syncFS(dir); err != nil {
				return fmt.Errorf("flush the file system of %s: %w", dir, err)
			}
		}
		return nil
	}
	cleanup := func(from int) {
		for _, t := range tmps[from:] {
			if t != "" {
				_ = os.Remove(t)
			}
		}
	}
	for i, err := range errs {
		if err != nil {
			cleanup(0)
			return 0, fmt.Errorf("write %s: %w", files[i].Path, err)
		}
	}
	if err := ctx.Err(); err != nil {
		cleanup(0)
		return 0, err
	}
	if !opts.NoSync && canSyncFS {
		if err := flush(); err != nil {
			cleanup(0)
			return 0, err
		}
	}
	// Renames in order, so that the files in place are always a prefix.
	for i := range files {
		if err := os.Rename(tmps[i], files[i].Path); err != nil {
			cleanup(i)
			return i, fmt.Errorf("write %s: rename temporary file: %w", files[i].Path, err)
		}
		tmps[i] = ""
	}
	if opts.NoSync {
		return len(files), nil
	}
	if canSyncFS {
		return len(files), flush()
	}
	dirs := map[string]bool{}
	for _, f := range files {
		dirs[filepath.Dir(f.Path)] = true
	}
	for dir := range dirs {
		if err := syncDir(dir); err != nil {
			return len(files), fmt.Errorf("write %s: fsync directory: %w", dir, err)
		}
	}
	return len(files), nil
}

// writeTemp writes f's data to a new temporary file beside f.Path and
// returns its name and file system; fsynced when sync.
func writeTemp(f File, sync bool) (name string, dev uint64, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(f.Path), "."+filepath.Base(f.Path)+".tmp-*")
	if err != nil {
		return "", 0, fmt.Errorf("create temporary file: %w", err)
	}
	defer func() {
		if cerr := tmp.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close temporary file: %w", cerr)
		}
		if err != nil {
			_ = os.Remove(tmp.Name())
			name = ""
		}
	}()
	if err = tmp.Chmod(f.Perm); err != nil {
		return "", 0, fmt.Errorf("chmod temporary file: %w", err)
	}
	if _, err = tmp.Write(f.Data); err != nil {
		return "", 0, err
	}
	if sync {
		if err = tmp.Sync(); err != nil {
			return "", 0, fmt.Errorf("fsync: %w", err)
		}
	}
	if canSyncFS {
		if dev, err = deviceOf(tmp); err != nil {
			return "", 0, fmt.Errorf("stat temporary file: %w", err)
		}
	}
	return tmp.Name(), dev, nil
}

// parallel runs fn(0..n-1) on batchWorkers goroutines.
func parallel(n int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(batchWorkers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
