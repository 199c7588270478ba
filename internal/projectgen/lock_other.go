//go:build !unix

package projectgen

// lockFile does not lock where flock is missing: concurrent generation of
// the same project is then the caller's to avoid.
func lockFile(string) (unlock func(), err error) { return func() {}, nil }
