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

// CorruptStateError is a state file that cannot be read back. The file is
// never reset or rewritten by the target: the user decides.
type CorruptStateError struct {
	Path      string
	Err       error
	HasBackup bool // Path+".bak" exists
}

func (e *CorruptStateError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "local state file %s is corrupt: %v. It was left untouched. ", e.Path, e.Err)
	if e.HasBackup {
		fmt.Fprintf(&b, "Restore the previous version (one change older) with 'cp %s.bak %s', or move %s aside to start from an empty environment (the local target then forgets every table and statement)", e.Path, e.Path, e.Path)
	} else {
		fmt.Fprintf(&b, "Repair it by hand, or move it aside to start from an empty environment (the local target then forgets every table and statement)")
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

// LoadState reads the state file at path. A missing file is an empty
// state for env (the first deploy); an unreadable or invalid one is a
// *CorruptStateError naming the file and how to recover.
func LoadState(path, env string) (*State, error) {
	data, err := readStateFile(path)
	if err != nil || data == nil {
		if err == nil {
			return newState(env), nil
		}
		return nil, err
	}
	return decodeStateFile(path, env, data)
}

// readStateFile returns the file's bytes, nil for a missing file.
func readStateFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, berr := os.Stat(path + ".bak"); berr == nil {
			// Writes keep path in place at every instant, so only a person
			// removes it: do not guess whether they meant to reset.
			return nil, fmt.Errorf("local state file %s is missing but its backup %s.bak exists: restore it with 'mv %s.bak %s', or delete the backup too to start from an empty environment", path, path, path, path)
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read local state: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStateSize+1))
	if err != nil {
		return nil, fmt.Errorf("read local state %s: %w", path, err)
	}
	if len(data) > maxStateSize {
		return nil, corrupt(path, fmt.Errorf("larger than %d MB", maxStateSize>>20))
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
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
