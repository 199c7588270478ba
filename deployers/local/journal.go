package local

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// An environment's state lives in two files: the snapshot
// (local-<env>.json, the whole State) and its journal (local-<env>.journal),
// one JSON line per change made since the snapshot. A change appends one
// line, so it costs the size of the change, not of the environment, and
// changes made at the same time share one fsync. The journal is folded into
// a new snapshot when it grows larger than the snapshot, and when a Target
// that wrote is closed, so the snapshot alone is current after a command.

// minCompaction is the journal size below which it is never folded while
// a Target works: rewriting a small snapshot is cheap, but not free.
const minCompaction = 1 << 20

// JournalPath is the journal of the state file at statePath.
func JournalPath(statePath string) string {
	return strings.TrimSuffix(statePath, ".json") + ".journal"
}

// journalEntry is one change: the tables and statements it wrote, a nil
// value for one it removed.
type journalEntry struct {
	Serial     int64                       `json:"serial"`
	UpdatedAt  time.Time                   `json:"updated_at"`
	Tables     map[string]*TableEntry      `json:"tables,omitempty"`
	Statements map[string]*StatementRecord `json:"statements,omitempty"`
}

// store reads and writes the snapshot and journal of one environment.
type store struct {
	path, journal, env string
	noSync             bool
	foldAt             int64 // the journal is folded past max(foldAt, snapshot size)

	// Guarded by Target.mu. cached is the state read from the snapshot
	// snapInfo (nil: there is none) and the first jOff bytes of the
	// journal; it is handed to one caller at a time and never out.
	cached   *State
	snapInfo os.FileInfo
	jOff     int64
	jf       *os.File // the journal, opened by the first change
	pending  bool     // this store appended since the last snapshot

	written atomic.Int64 // journal bytes this store ever appended
	syncMu  sync.Mutex
	synced  int64 // of written, the bytes known to be on disk; guarded by syncMu
}

func newStore(path, env string, noSync bool) *store {
	return &store{path: path, journal: JournalPath(path), env: env, noSync: noSync, foldAt: minCompaction}
}

// load returns the current state. When the snapshot is the one read last
// time, only the journal's new lines are read: a stat of each file is all
// an unchanged state costs. A reader holds no lock, so a writer may fold
// the journal while it is being read: lines that look out of place then
// come with a new snapshot, and the read starts over.
func (s *store) load() (*State, error) {
	for attempt := 0; ; attempt++ {
		st, err := s.loadOnce()
		var ce *CorruptStateError
		if err != nil && errors.As(err, &ce) && ce.Journal && attempt < 3 && s.snapshotMoved() {
			s.cached = nil
			continue
		}
		return st, err
	}
}

// snapshotMoved reports whether the snapshot is no longer the one read.
func (s *store) snapshotMoved() bool {
	si, err := os.Stat(s.path)
	return err != nil || s.snapInfo == nil || !sameVersion(si, s.snapInfo)
}

func (s *store) loadOnce() (*State, error) {
	si, err := os.Stat(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, berr := os.Stat(s.path + ".bak"); berr == nil {
			// Writes keep the snapshot in place at every instant, so only
			// a person removes it: do not guess whether they meant to reset.
			return nil, fmt.Errorf("local state file %s is missing but its backup %s.bak exists: restore it with 'mv %s.bak %s', or delete the backup too to start from an empty environment", s.path, s.path, s.path, s.path)
		}
		// No snapshot: an empty environment (a journal left beside no
		// snapshot belonged to a state someone moved aside).
		s.cached, s.snapInfo, s.jOff = newState(s.env), nil, 0
		return s.cached, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read local state: %w", err)
	}
	if s.cached == nil || s.snapInfo == nil || !sameVersion(si, s.snapInfo) {
		if err := s.reload(); err != nil {
			return nil, err
		}
	}
	if s.snapInfo == nil {
		return s.cached, nil
	}
	reloaded, err := s.catchUp()
	if err != nil {
		s.cached = nil
		return nil, err
	}
	if reloaded {
		if err := s.reload(); err != nil {
			return nil, err
		}
		if _, err := s.catchUp(); err != nil {
			s.cached = nil
			return nil, err
		}
	}
	return s.cached, nil
}

// sameVersion reports whether two stats show the same version of a file:
// a snapshot is replaced by rename, never written in place.
func sameVersion(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// reload reads the snapshot afresh; the journal is then read from its
// start.
func (s *store) reload() error {
	s.cached = nil
	f, err := os.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		s.cached, s.snapInfo, s.jOff = newState(s.env), nil, 0
		return nil
	}
	if err != nil {
		return fmt.Errorf("read local state: %w", err)
	}
	defer f.Close()
	si, err := f.Stat()
	if err != nil {
		return fmt.Errorf("read local state %s: %w", s.path, err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxStateSize+1))
	if err != nil {
		return fmt.Errorf("read local state %s: %w", s.path, err)
	}
	if len(data) > maxStateSize {
		return corrupt(s.path, fmt.Errorf("larger than %d MB", maxStateSize>>20))
	}
	st, err := decodeStateFile(s.path, s.env, data)
	if err != nil {
		return err
	}
	s.cached, s.snapInfo, s.jOff = st, si, 0
	return nil
}

// catchUp applies the journal lines written since the last read. It
// reports true when the journal shrank or vanished under a snapshot it
// belonged to: the caller reads everything again.
func (s *store) catchUp() (reload bool, err error) {
	ji, err := os.Stat(s.journal)
	if errors.Is(err, fs.ErrNotExist) {
		return s.jOff > 0, nil
	}
	if err != nil {
		return false, fmt.Errorf("read local state journal: %w", err)
	}
	switch {
	case ji.Size() < s.jOff:
		return true, nil
	case ji.Size() == s.jOff:
		return false, nil
	}
	f, err := os.Open(s.journal)
	if err != nil {
		return false, fmt.Errorf("read local state journal: %w", err)
	}
	defer f.Close()
	data := make([]byte, ji.Size()-s.jOff)
	n, err := f.ReadAt(data, s.jOff)
	if err != nil && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("read local state journal %s: %w", s.journal, err)
	}
	used, err := s.apply(s.cached, data[:n], s.jOff)
	s.jOff += used
	return false, err
}

// apply replays the complete lines of data (read from the journal at
// offset base) onto st and returns the bytes used. A last line without its
// newline is being written, or was cut by a killed writer: it is not a
// change yet.
func (s *store) apply(st *State, data []byte, base int64) (int64, error) {
	var used int64
	for {
		i := bytes.IndexByte(data[used:], '\n')
		if i < 0 {
			return used, nil
		}
		line := data[used : used+int64(i)]
		at := base + used
		var e journalEntry
		if err := json.Unmarshal(line, &e); err != nil {
			return used, s.corruptJournal(at, fmt.Errorf("invalid JSON: %w", err))
		}
		switch {
		case e.Serial < 1:
			return used, s.corruptJournal(at, errors.New("no serial"))
		case e.Serial <= st.Serial:
			// Already in the snapshot: a writer killed between writing a
			// snapshot and emptying the journal leaves such lines.
		case e.Serial != st.Serial+1:
			return used, s.corruptJournal(at, fmt.Errorf("change %d does not follow change %d", e.Serial, st.Serial))
		default:
			if err := st.applyEntry(&e); err != nil {
				return used, s.corruptJournal(at, err)
			}
		}
		used += int64(i) + 1
	}
}

func (s *store) corruptJournal(offset int64, err error) error {
	return &CorruptStateError{Path: s.journal, Err: err, Journal: true, JournalOffset: offset}
}

// applyEntry applies one journal entry, checked like a state file.
func (st *State) applyEntry(e *journalEntry) error {
	for k, t := range e.Tables {
		switch {
		case t == nil:
			delete(st.Tables, k)
		case k == "" || t.Name != k:
			return fmt.Errorf("table entry %q: its name does not match its key", k)
		default:
			st.Tables[k] = t
		}
	}
	for k, r := range e.Statements {
		switch {
		case r == nil:
			delete(st.Statements, k)
		case k == "" || r.Name != k:
			return fmt.Errorf("statement entry %q: its name does not match its key", k)
		case r.Phase == "":
			return fmt.Errorf("statement %q: no phase", k)
		default:
			st.Statements[k] = r
		}
	}
	st.Serial, st.UpdatedAt = e.Serial, e.UpdatedAt
	return nil
}

// lock opens the journal on the first change and takes its lock, which
// every writer of the environment takes around reading and appending.
func (s *store) lock() (release func(), err error) {
	if s.jf == nil {
		// The state directory too is made by the first change (Open).
		if err := os.MkdirAll(filepath.Dir(s.journal), 0o755); err != nil {
			return nil, fmt.Errorf("local target: create state directory: %w", err)
		}
		f, err := os.OpenFile(s.journal, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("open local state journal: %w", err)
		}
		if !s.noSync {
			// The journal's name must survive a crash as its lines do.
			if err := syncDir(filepath.Dir(s.journal)); err != nil {
				f.Close()
				return nil, err
			}
		}
		s.jf = f
	}
	if err := lockExclusive(s.jf); err != nil {
		return nil, fmt.Errorf("lock local state journal %s: %w", s.journal, err)
	}
	return func() { unlock(s.jf) }, nil
}

// commit records the change just made to st (its marks; Serial and
// UpdatedAt already set): one journal line, or a new snapshot when there is
// none yet or the journal outgrew it. It returns the journal position to
// sync up to (0: nothing to sync). The caller holds Target.mu and the lock.
func (s *store) commit(st *State) (int64, error) {
	e := st.takeChanges()
	if s.snapInfo == nil || s.jOff > max(s.foldAt, s.snapInfo.Size()) {
		return 0, s.compact(st)
	}
	line, err := json.Marshal(e)
	if err != nil {
		return 0, fmt.Errorf("save local state: %w", err)
	}
	line = append(line, '\n')
	// Bytes past what was read are the cut line of a killed writer.
	if ji, err := s.jf.Stat(); err == nil && ji.Size() != s.jOff {
		if err := s.jf.Truncate(s.jOff); err != nil {
			return 0, fmt.Errorf("save local state journal %s: %w", s.journal, err)
		}
	}
	if _, err := s.jf.WriteAt(line, s.jOff); err != nil {
		_ = s.jf.Truncate(s.jOff)
		return 0, fmt.Errorf("save local state journal %s: %w", s.journal, err)
	}
	s.jOff += int64(len(line))
	s.pending = true
	return s.written.Add(int64(len(line))), nil
}

// compact writes st as the new snapshot (atomically, the old one kept as
// .bak) and empties the journal. A kill in between leaves journal lines the
// snapshot already holds, which reading skips.
func (s *store) compact(st *State) error {
	if _, err := saveState(s.path, st, s.noSync); err != nil {
		return err
	}
	if err := s.jf.Truncate(0); err != nil {
		return fmt.Errorf("save local state journal %s: %w", s.journal, err)
	}
	si, err := os.Stat(s.path)
	if err != nil {
		return fmt.Errorf("save local state: %w", err)
	}
	s.snapInfo, s.jOff, s.pending = si, 0, false
	return nil
}

// sync makes the journal durable up to position upTo. Callers arriving
// while an fsync runs wait for it and then find their line covered, or run
// one fsync for all of them: a group commit.
func (s *store) sync(upTo int64) error {
	if s.noSync || upTo == 0 {
		return nil
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if s.synced >= upTo || s.jf == nil {
		return nil // covered by another fsync, or by the fold of close
	}
	end := s.written.Load()
	if err := s.jf.Sync(); err != nil {
		return fmt.Errorf("save local state journal %s: %w", s.journal, err)
	}
	s.synced = end
	return nil
}

// close folds what this store appended into the snapshot and closes the
// journal. The caller holds Target.mu.
func (s *store) close() error {
	if s.jf == nil {
		return nil
	}
	defer func() {
		s.syncMu.Lock() // no sync may use the file being closed
		s.jf.Close()
		s.jf, s.cached = nil, nil
		s.syncMu.Unlock()
	}()
	if !s.pending {
		return nil
	}
	release, err := s.lock()
	if err != nil {
		return err
	}
	defer release()
	st, err := s.load()
	if err != nil {
		return err
	}
	return s.compact(st)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// takeChanges returns the journal entry of the marked tables and
// statements and clears the marks.
func (st *State) takeChanges() *journalEntry {
	e := &journalEntry{Serial: st.Serial, UpdatedAt: st.UpdatedAt}
	if len(st.changedTables) > 0 {
		e.Tables = make(map[string]*TableEntry, len(st.changedTables))
		for k := range st.changedTables {
			e.Tables[k] = st.Tables[k]
		}
	}
	if len(st.changedStatements) > 0 {
		e.Statements = make(map[string]*StatementRecord, len(st.changedStatements))
		for k := range st.changedStatements {
			e.Statements[k] = st.Statements[k]
		}
	}
	st.changedTables, st.changedStatements = nil, nil
	return e
}

// touchTable and touchStatement mark an entry a change wrote or removed.
func (st *State) touchTable(name string) {
	if st.changedTables == nil {
		st.changedTables = map[string]struct{}{}
	}
	st.changedTables[name] = struct{}{}
}

func (st *State) touchStatement(name string) {
	if st.changedStatements == nil {
		st.changedStatements = map[string]struct{}{}
	}
	st.changedStatements[name] = struct{}{}
}
