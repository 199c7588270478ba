// Package statelock guards one environment of one target against two
// shiftleft processes changing it at once. The lock is a small JSON file
// created exclusively (O_EXCL) next to the state it protects; it names its
// holder so that a refused caller can say who holds it, and a lock whose
// holder process died on this host is recognised as stale and taken over.
// Like Terraform's force-unlock, releasing somebody else's lock requires
// its ID.
package statelock

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"time"
)

// Info describes a lock and its holder. It is the content of the lock file.
type Info struct {
	ID        string    `json:"id"`
	Operation string    `json:"operation"` // e.g. "deploy", "undeploy"
	Who       string    `json:"who"`       // user@host
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	Created   time.Time `json:"created"`
	Version   string    `json:"version"` // shiftleft version of the holder
}

// String is the holder as error messages show it.
func (i Info) String() string {
	if i.PID == 0 && i.Created.IsZero() {
		return "lock " + i.ID // an unreadable lock file: nothing more is known
	}
	return fmt.Sprintf("lock %s (%s by %s, pid %d, since %s)", i.ID, orUnknown(i.Operation), orUnknown(i.Who), i.PID, i.Created.UTC().Format(time.RFC3339))
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// ErrLocked is matched (errors.Is) by *HeldError.
var ErrLocked = errors.New("locked")

// ErrNotLocked is returned (wrapped) by ForceUnlock when there is no lock.
var ErrNotLocked = errors.New("not locked")

// ErrIDMismatch is returned (wrapped) by ForceUnlock when the given ID is
// not the current lock's.
var ErrIDMismatch = errors.New("lock ID does not match")

// HeldError is returned by Acquire when the lock stayed held by a live
// holder until the timeout.
type HeldError struct {
	Path   string
	Holder Info
	Waited time.Duration
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("%s is held: %s; waited %s. Wait for that run to finish or retry with a longer --lock-timeout; if it is gone, run 'shiftleft project force-unlock %s'",
		e.Path, e.Holder, e.Waited.Round(time.Millisecond), e.Holder.ID)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *HeldError) Is(target error) bool { return target == ErrLocked }

// CorruptError is a lock file that cannot be decoded. A fresh one may be
// in the middle of being written; an old one was left by a holder that
// died between creating and writing it.
type CorruptError struct {
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("lock file %s is unreadable (%v): if no shiftleft is running, delete it", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Lock is a held lock. Release it when done.
type Lock struct {
	path string
	info Info
	// TakenOver is the stale lock this one replaced (its holder had died),
	// nil when the lock was free. Callers should warn about it: the dead
	// holder may have left its work half done.
	TakenOver *Info
}

// Info returns the lock's content.
func (l *Lock) Info() Info { return l.info }

// Path returns the lock file's path.
func (l *Lock) Path() string { return l.path }

// Release removes the lock file if it is still ours. A lock that was
// force-unlocked (and maybe re-taken by someone else) is left alone and
// reported.
func (l *Lock) Release() error {
	cur, err := Read(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("release %s: the lock was removed (force-unlocked?) while held", l.path)
	}
	if err != nil {
		return fmt.Errorf("release %s: %w", l.path, err)
	}
	if cur.ID != l.info.ID {
		return fmt.Errorf("release %s: the lock now belongs to %s, not to lock %s: left in place", l.path, cur, l.info.ID)
	}
	if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("release %s: %w", l.path, err)
	}
	return nil
}

// Locker acquires locks. The zero value is ready to use with defaults.
type Locker struct {
	// MinBackoff and MaxBackoff bound the exponential wait between two
	// attempts (defaults 50 ms and 2 s: a deploy holds the lock for
	// seconds to minutes, a report never takes it).
	MinBackoff, MaxBackoff time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// CorruptGrace is how old an undecodable lock file must be before it
	// counts as stale (default 10 s): younger, its holder may still be
	// writing it.
	CorruptGrace time.Duration
}

// Acquire takes the lock at path with the default Locker.
func Acquire(ctx context.Context, path string, info Info, timeout time.Duration) (*Lock, error) {
	return (&Locker{}).Acquire(ctx, path, info, timeout)
}

// Acquire takes the lock at path, waiting with exponential backoff up to
// timeout (0: one attempt) while a live holder has it; then it fails with a
// *HeldError naming the holder. A lock whose holder process is dead on this
// host is taken over (Lock.TakenOver says so). Missing fields of info (ID,
// Who, Host, PID, Created) are filled in.
func (lk *Locker) Acquire(ctx context.Context, path string, info Info, timeout time.Duration) (*Lock, error) {
	lk.defaults()
	info, err := lk.fill(info)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	start := lk.Now()
	deadline := start.Add(timeout)
	backoff := lk.MinBackoff
	var takenOver *Info
	for {
		created, err := create(path, info)
		if err != nil {
			return nil, err
		}
		if created {
			return &Lock{path: path, info: info, TakenOver: takenOver}, nil
		}
		holder, stale, err := lk.inspect(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // released between our create and read: retry at once
		case err != nil && !stale:
			var ce *CorruptError
			if !errors.As(err, &ce) {
				return nil, err
			}
			// A lock file being written right now: treat as held.
		}
		if stale {
			took, err := takeOver(path, holder)
			if err != nil {
				return nil, err
			}
			if took {
				h := holder
				takenOver = &h
				continue
			}
			// Another process is taking it over: wait like for a holder.
		}
		now := lk.Now()
		if !now.Before(deadline) {
			return nil, &HeldError{Path: path, Holder: holder, Waited: now.Sub(start)}
		}
		wait := min(backoff, deadline.Sub(now))
		backoff = min(backoff*2, lk.MaxBackoff)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("lock %s: waiting for %s: %w", path, holder, ctx.Err())
		case <-t.C:
		}
	}
}

func (lk *Locker) defaults() {
	if lk.MinBackoff <= 0 {
		lk.MinBackoff = 50 * time.Millisecond
	}
	if lk.MaxBackoff <= 0 {
		lk.MaxBackoff = 2 * time.Second
	}
	if lk.Now == nil {
		lk.Now = time.Now
	}
	if lk.CorruptGrace <= 0 {
		lk.CorruptGrace = 10 * time.Second
	}
}

func (lk *Locker) fill(info Info) (Info, error) {
	if info.ID == "" {
		id, err := NewID()
		if err != nil {
			return info, err
		}
		info.ID = id
	}
	if info.Host == "" {
		info.Host, _ = os.Hostname()
	}
	if info.Who == "" {
		name := "unknown"
		if u, err := user.Current(); err == nil && u.Username != "" {
			name = u.Username
		}
		info.Who = name + "@" + info.Host
	}
	if info.PID == 0 {
		info.PID = os.Getpid()
	}
	if info.Created.IsZero() {
		info.Created = lk.Now().UTC()
	}
	return info, nil
}

// inspect reads the current lock and says whether it is stale: its holder
// ran on this host and its pid is gone, or the file is undecodable and
// older than CorruptGrace.
func (lk *Locker) inspect(path string) (Info, bool, error) {
	holder, err := Read(path)
	if err != nil {
		var ce *CorruptError
		if errors.As(err, &ce) {
			fi, serr := os.Stat(path)
			if serr == nil && lk.Now().Sub(fi.ModTime()) > lk.CorruptGrace {
				return Info{ID: "(unreadable)", Created: fi.ModTime()}, true, err
			}
			return Info{ID: "(being written)"}, false, err
		}
		return Info{}, false, err
	}
	host, _ := os.Hostname()
	stale := holder.Host == host && holder.PID > 0 && !processAlive(holder.PID)
	return holder, stale, nil
}

// create makes the lock file with O_EXCL. It reports false when the file
// already exists. A failed write removes the partial file.
func create(path string, info Info) (bool, error) {
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", path, err)
	}
	_, werr := f.Write(append(data, '\n'))
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(path)
		return false, fmt.Errorf("lock %s: %w", path, werr)
	}
	return true, nil
}

// takeOver removes a stale lock. Two processes may judge the same lock
// stale; without care the slower one would delete the lock the faster one
// just created. So the removal happens under a short-lived guard file
// (O_EXCL), and the lock is re-read under the guard: only the very lock
// judged stale (same ID) is removed. It reports whether it removed it.
func takeOver(path string, stale Info) (bool, error) {
	guard := path + ".takeover"
	g, err := os.OpenFile(guard, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		// Somebody else is taking over. A guard left by a process killed in
		// this tiny window would block forever: remove old ones.
		if fi, serr := os.Stat(guard); serr == nil && time.Since(fi.ModTime()) > 10*time.Second {
			_ = os.Remove(guard)
		}
		time.Sleep(5 * time.Millisecond)
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lock %s: take over stale lock: %w", path, err)
	}
	_ = g.Close()
	defer os.Remove(guard)
	cur, err := Read(path)
	var ce *CorruptError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case errors.As(err, &ce):
		if stale.ID != "(unreadable)" {
			return false, nil
		}
	case err != nil:
		return false, err
	case cur.ID != stale.ID:
		return false, nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("lock %s: remove stale lock: %w", path, err)
	}
	return true, nil
}

// Read returns the lock at path. A missing lock is fs.ErrNotExist
// (wrapped); an undecodable one a *CorruptError.
func Read(path string) (Info, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Info{}, fmt.Errorf("read lock %s: %w", path, err)
	}
	var info Info
	if err := json.Unmarshal(data, &info); err != nil {
		return Info{}, &CorruptError{Path: path, Err: err}
	}
	if info.ID == "" {
		return Info{}, &CorruptError{Path: path, Err: errors.New("no lock ID")}
	}
	return info, nil
}

// ForceUnlock removes the lock at path if its ID is id, whoever holds it.
// The ID is required so that nobody releases a lock they have not seen.
func ForceUnlock(path, id string) error {
	cur, err := Read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("force-unlock %s: %w: there is no lock file", path, ErrNotLocked)
	}
	var ce *CorruptError
	if errors.As(err, &ce) {
		return fmt.Errorf("force-unlock %s: %w", path, err)
	}
	if err != nil {
		return fmt.Errorf("force-unlock %s: %w", path, err)
	}
	if cur.ID != id {
		return fmt.Errorf("force-unlock %s: %w: %q is not the current lock, which is held by %s, pid %d, since %s; copy the ID from the 'is held' error",
			path, ErrIDMismatch, id, orUnknown(cur.Who), cur.PID, cur.Created.UTC().Format(time.RFC3339))
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("force-unlock %s: %w", path, err)
	}
	return nil
}

var namePart = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// PathFor is the lock file of one environment of one target in a state
// directory: <dir>/<target>-<environment>.lock. Both names must match
// [A-Za-z0-9_.-]+ so the lock stays inside dir.
func PathFor(dir, target, environment string) (string, error) {
	for _, s := range []string{target, environment} {
		if !namePart.MatchString(s) || s == "." || s == ".." {
			return "", fmt.Errorf("lock name %q: use only letters, digits, '_', '.' and '-'", s)
		}
	}
	return filepath.Join(dir, target+"-"+environment+".lock"), nil
}

// NewID returns a random lock ID (128 bits, hex in UUID layout).
func NewID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("lock ID: %w", err)
	}
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
