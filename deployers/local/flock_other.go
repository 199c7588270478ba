//go:build !unix

package local

import "os"

// Without flock, writers rely on the environment lock (statelock) that
// deploys take: one writing process at a time.
func lockExclusive(*os.File) error { return nil }

func unlock(*os.File) {}
