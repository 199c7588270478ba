//go:build unix

package local

import (
	"os"
	"syscall"
)

// lockExclusive takes an advisory lock on f, waiting for another holder
// (a Target of this or another process appending to the same journal).
func lockExclusive(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			return err
		}
	}
}

func unlock(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
