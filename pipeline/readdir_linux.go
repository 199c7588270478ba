//go:build linux

package pipeline

import (
	"io/fs"
	"os"
	"slices"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// openDir opens a folder for listing and for opening its files by name.
// On Linux it is a bare descriptor: os.Open would add an epoll
// registration attempt per folder, and os.ReadDir an allocation per entry;
// a scan lists two folders and opens two files per table, so those
// system calls were a third of its CPU time.
func openDir(path string) (dirHandle, error) {
	fd, err := openRetry(func() (int, error) {
		return syscall.Open(path, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	})
	if err != nil {
		return dirHandle{}, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return dirHandle{fd: fd, path: path}, nil
}

type dirHandle struct {
	fd   int
	path string
}

func (d dirHandle) close() { syscall.Close(d.fd) }

// openSub opens the folder at the relative path name inside d. A symbolic
// link as its last part is refused (ELOOP), so the caller falls back to a
// listing, which reports links.
func (d dirHandle) openSub(name string) (dirHandle, error) {
	p := d.path + "/" + name
	fd, err := openRetry(func() (int, error) {
		return syscall.Openat(d.fd, name, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
	})
	if err != nil {
		return dirHandle{}, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	return dirHandle{fd: fd, path: p}, nil
}

// subfolderCount is how many subfolders the folder name inside d has,
// from its link count (two plus one per subfolder); false when the file
// system does not keep that count (btrfs, merged overlayfs folders and
// others report 1), as find(1)'s leaf optimisation assumes.
func (d dirHandle) subfolderCount(name string) (int, bool) {
	var st unix.Stat_t
	for {
		err := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
		if err == unix.EINTR {
			continue
		}
		if err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR || st.Nlink < 2 {
			return 0, false
		}
		return int(st.Nlink) - 2, true
	}
}

// list returns the folder's entries sorted by name, as os.ReadDir does.
// buf is the caller's reusable getdents buffer.
func (d dirHandle) list(buf *[]byte) ([]dirEntry, error) {
	if cap(*buf) < 8192 {
		*buf = make([]byte, 8192)
	}
	b := (*buf)[:cap(*buf)]
	var out []dirEntry
	for {
		n, err := syscall.Getdents(d.fd, b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "readdirent", Path: d.path, Err: err}
		}
		if n <= 0 {
			break
		}
		// struct linux_dirent64: ino u64, off i64, reclen u16, type u8,
		// name NUL-terminated.
		for off := 0; off < n; {
			rec := b[off:n]
			if len(rec) < 19 {
				break
			}
			reclen := int(*(*uint16)(unsafe.Pointer(&rec[16])))
			if reclen < 19 || reclen > len(rec) {
				break
			}
			typ := rec[18]
			name := rec[19:reclen]
			for i, c := range name {
				if c == 0 {
					name = name[:i]
					break
				}
			}
			off += reclen
			if len(name) == 0 || string(name) == "." || string(name) == ".." {
				continue
			}
			e := dirEntry{name: string(name)}
			switch typ {
			case syscall.DT_DIR:
				e.typ = fs.ModeDir
			case syscall.DT_LNK:
				e.typ = fs.ModeSymlink
			case syscall.DT_REG:
			default:
				// DT_UNKNOWN (some file systems) or a special file: ask.
				fi, err := os.Lstat(d.path + "/" + e.name)
				if err != nil {
					continue // removed since the listing, as os.ReadDir does
				}
				e.typ = fi.Mode().Type()
			}
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b dirEntry) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	})
	return out, nil
}

// readFile reads the file name of the folder into buf (reused, grown as
// needed) with open, read until end of file (usually a single read) and
// close: no fstat and no epoll registration, which os.Open and File.Stat
// would add. It stops one byte past max and reports the file's size then.
func (d dirHandle) readFile(name string, buf []byte, max int) ([]byte, int64, error) {
	fd, err := openRetry(func() (int, error) {
		return syscall.Openat(d.fd, name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	})
	if err != nil {
		return buf, 0, &fs.PathError{Op: "open", Path: d.path + "/" + name, Err: err}
	}
	defer syscall.Close(fd)
	if cap(buf) < 4096 {
		buf = make([]byte, 0, 16384)
	}
	src := buf[:0]
	for {
		if len(src) == cap(src) {
			if len(src) > max {
				var st syscall.Stat_t
				if err := syscall.Fstat(fd, &st); err == nil {
					return src, st.Size, errTooLarge
				}
				return src, int64(len(src)), errTooLarge
			}
			src = append(src, 0)[:len(src)]
		}
		n, err := syscall.Read(fd, src[len(src):cap(src)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return src, 0, &fs.PathError{Op: "read", Path: d.path + "/" + name, Err: err}
		}
		if n <= 0 {
			break
		}
		src = src[:len(src)+n]
		if len(src) < cap(src) {
			// A short read of a regular file is its end on Linux: the
			// page-cache read path only stops early at end of file or on
			// a fatal signal. Trusting it saves the read that would
			// return 0, a sixth of a table's system calls.
			break
		}
	}
	if len(src) > max {
		return src, int64(len(src)), errTooLarge
	}
	return src, int64(len(src)), nil
}

func openRetry(open func() (int, error)) (int, error) {
	for {
		fd, err := open()
		if err != syscall.EINTR {
			return fd, err
		}
	}
}
