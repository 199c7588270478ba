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
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/internal/atomicfile"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// StateVersion is the state file format this package writes and reads.
const StateVersion = 1

// maxStateSize bounds what LoadState reads: 10,000 tables with their DDL
// and DML are a few tens of MB; anything far larger is not our file.
const maxStateSize = 256 << 20

// State is the content of one environment's state file.
type State struct {
	// Version is the file format (StateVersion).
	Version int `json:"version"`
	// Serial increments on every write, so a reader (or a saved plan) can
	// tell that the state changed.
	Serial      int64     `json:"serial"`
	Environment string    `json:"environment"`
	UpdatedAt   time.Time `json:"updated_at"`
	// Tables is the catalog, keyed by table name.
	Tables map[string]*TableEntry `json:"tables"`
	// Statements are keyed by statement name.
	Statements map[string]*StatementRecord `json:"statements"`

	// The entries the change being made wrote or removed (journal.go).
	changedTables, changedStatements map[string]struct{}
}

// TableEntry is one table of the catalog.
type TableEntry struct {
	Name string `json:"name"`
	// DDL is the statement the table was created with.
	DDL string `json:"ddl"`
	// Columns is the parsed column list (empty for views and CTAS without
	// one).
	Columns   []flinksql.Column `json:"columns,omitempty"`
	Statement string            `json:"statement,omitempty"` // DDL statement name
	CreatedAt time.Time         `json:"created_at"`
}

// StatementRecord is a statement plus the tables it reads and writes, which
// the local target needs to refuse dropping a table in use.
type StatementRecord struct {
	deployers.Statement
	Reads  []string `json:"reads,omitempty"`
	Writes []string `json:"writes,omitempty"`
}

func newState(env string) *State {
	return &State{
		Version:     StateVersion,
		Environment: env,
		Tables:      map[string]*TableEntry{},
		Statements:  map[string]*StatementRecord{},
	}
}

// CorruptStateError is a state file or journal that cannot be read back.
// Neither is ever reset or rewritten by the target: the user decides.
type CorruptStateError struct {
	Path      string
	Err       error
	HasBackup bool // Path+".bak" exists (snapshots)
	// Journal is set when Path is the journal; JournalOffset is where its
	// first bad line starts: every change before it is intact.
	Journal       bool
	JournalOffset int64
}

func (e *CorruptStateError) Error() string {
	var b strings.Builder
	if e.Journal {
		fmt.Fprintf(&b, "local state journal %s is corrupt at byte %d: %v. It was left untouched. ", e.Path, e.JournalOffset, e.Err)
		fmt.Fprintf(&b, "The changes before that byte are intact: keep them with 'truncate -s %d %s' (the later ones are lost)", e.JournalOffset, e.Path)
		return b.String()
	}
	fmt.Fprintf(&b, "local state file %s is corrupt: %v. It was left untouched. ", e.Path, e.Err)
	journal := JournalPath(e.Path)
	if e.HasBackup {
		fmt.Fprintf(&b, "Restore the previous snapshot with 'cp %s.bak %s' and remove %s (the changes made since that snapshot are lost), or move both files aside to start from an empty environment (the local target then forgets every table and statement)", e.Path, e.Path, journal)
	} else {
		fmt.Fprintf(&b, "Repair it by hand, or move it and %s aside to start from an empty environment (the local target then forgets every table and statement)", journal)
	}
	return b.String()
}

func (e *CorruptStateError) Unwrap() error { return e.Err }

// DecodeState parses and validates a state file's content.
func DecodeState(data []byte) (*State, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var st State
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON object")
	}
	if err := st.validate(); err != nil {
		return nil, err
	}
	return &st, nil
}

func (st *State) validate() error {
	switch {
	case st.Version == 0:
		return errors.New(`no "version" field: not a shiftleft local state file`)
	case st.Version > StateVersion:
		return fmt.Errorf("format version %d was written by a newer shiftleft (this one reads version %d): upgrade shiftleft", st.Version, StateVersion)
	case st.Version < 0:
		return fmt.Errorf("invalid format version %d", st.Version)
	case st.Serial < 0:
		return fmt.Errorf("invalid serial %d", st.Serial)
	}
	if st.Tables == nil {
		st.Tables = map[string]*TableEntry{}
	}
	if st.Statements == nil {
		st.Statements = map[string]*StatementRecord{}
	}
	for k, t := range st.Tables {
		if t == nil || k == "" || t.Name != k {
			return fmt.Errorf("table entry %q: its name does not match its key", k)
		}
	}
	for k, s := range st.Statements {
		if s == nil || k == "" || s.Name != k {
			return fmt.Errorf("statement entry %q: its name does not match its key", k)
		}
		if s.Phase == "" {
			return fmt.Errorf("statement %q: no phase", k)
		}
	}
	return nil
}

// LoadState reads the state at path: the snapshot and its journal. A
// missing snapshot is an empty state for env (the first deploy); an
// unreadable or invalid file is a *CorruptStateError naming the file and how
// to recover.
func LoadState(path, env string) (*State, error) {
	return newStore(path, env, true).load()
}

func decodeStateFile(path, env string, data []byte) (*State, error) {
	st, err := DecodeState(data)
	if err != nil {
		return nil, corrupt(path, err)
	}
	if st.Environment == "" {
		st.Environment = env
	}
	return st, nil
}

func corrupt(path string, err error) error {
	_, berr := os.Stat(path + ".bak")
	return &CorruptStateError{Path: path, Err: err, HasBackup: berr == nil}
}

// saveState writes st to path atomically after keeping the current file
// as path.bak, and returns the bytes written. The backup is a hard link (no
// copy): the rename that installs the new file leaves the old inode
// reachable under .bak. The JSON is compact: indenting doubles the
// encoding cost, and 'jq .' reads it. Cost: one JSON encoding, one fsync of
// the file and one of the directory (none with noSync).
func saveState(path string, st *State, noSync bool) ([]byte, error) {
	data, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("save local state %s: %w", path, err)
	}
	data = append(data, '\n')
	bak := path + ".bak"
	if err := os.Remove(bak); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("save local state: %w", err)
	}
	opts := atomicfile.Options{NoSync: noSync}
	if err := os.Link(path, bak); err != nil && !errors.Is(err, fs.ErrNotExist) {
		// Some file systems have no hard links: a copy does the same job.
		if old, rerr := os.ReadFile(path); rerr == nil {
			if werr := atomicfile.WriteWith(bak, old, 0o644, opts); werr != nil {
				return nil, fmt.Errorf("save local state: backup: %w", werr)
			}
		}
	}
	if err := atomicfile.WriteWith(path, data, 0o644, opts); err != nil {
		return nil, err
	}
	return data, nil
}

// removeOldTemps deletes temporary files of interrupted writes (a process
// killed between creating and renaming one). Only old ones: a younger one
// may belong to a write in progress in another process.
func removeOldTemps(path string, now time.Time) {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*"))
	for _, m := range matches {
		if fi, err := os.Stat(m); err == nil && now.Sub(fi.ModTime()) > time.Minute {
			_ = os.Remove(m)
		}
	}
}
