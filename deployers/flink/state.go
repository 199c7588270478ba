package flink

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/shiftleft-dev/shiftleft/internal/atomicfile"
)

// stateVersion is the format version of the state file.
const stateVersion = 1

// stateFile is what the target remembers between runs. The SQL Gateway's
// catalog is in memory and per session, so the DDL of every table the
// target created is kept here and replayed into each new session; the SQL
// of every started job is kept so a plan can compare it with the project.
// Job states themselves always come from the JobManager.
type stateFile struct {
	Version int `json:"version"`
	// Tables by table name.
	Tables map[string]tableRecord `json:"tables"`
	// Statements (DML jobs) by statement name.
	Statements map[string]statementRecord `json:"statements"`
	// Savepoints by statement name: taken by a stop with savepoint and used
	// by the next start of that statement when restoring is asked for.
	Savepoints map[string]savepointRecord `json:"savepoints,omitempty"`
	// Seq orders table creation, so replays create LIKE targets first.
	Seq int `json:"seq"`
}

type tableRecord struct {
	Statement string `json:"statement"`
	// DDL is the statement as requested (the project's SQL), compared by
	// plans; Rendered is what the gateway ran after the per-target rewrite.
	DDL      string `json:"ddl"`
	Rendered string `json:"rendered"`
	// Bootstrap and Topic name the Kafka topic the target created with
	// the table ("" when it did not).
	Bootstrap string    `json:"bootstrap,omitempty"`
	Topic     string    `json:"topic,omitempty"`
	Seq       int       `json:"seq"`
	CreatedAt time.Time `json:"created_at"`
}

// savepointRecord is a savepoint of a stopped statement, dropped with its
// table.
type savepointRecord struct {
	Path  string `json:"path"`
	Table string `json:"table,omitempty"`
}

type statementRecord struct {
	Table     string    `json:"table,omitempty"`
	SQL       string    `json:"sql"`
	JobID     string    `json:"job_id"`
	Stopped   bool      `json:"stopped,omitempty"`
	Savepoint string    `json:"restored_from,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

func newState() *stateFile {
	return &stateFile{
		Version:    stateVersion,
		Tables:     map[string]tableRecord{},
		Statements: map[string]statementRecord{},
		Savepoints: map[string]savepointRecord{},
	}
}

// loadState reads the state file; a missing file is an empty state.
func loadState(path string) (*stateFile, error) {
	st := newState()
	if path == "" {
		return st, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read flink target state %s: %w", path, err)
	}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("read flink target state %s: %w (fix or delete the file; it only remembers what was deployed)", path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("read flink target state %s: version %d, want %d", path, st.Version, stateVersion)
	}
	if st.Tables == nil {
		st.Tables = map[string]tableRecord{}
	}
	if st.Statements == nil {
		st.Statements = map[string]statementRecord{}
	}
	if st.Savepoints == nil {
		st.Savepoints = map[string]savepointRecord{}
	}
	return st, nil
}

// save writes the state atomically; encoding/json sorts map keys, so the
// file is stable for equal states.
func (s *stateFile) save(path string) error {
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write flink target state: %w", err)
	}
	if err := atomicfile.WriteJSON(path, s, 0o644); err != nil {
		return fmt.Errorf("write flink target state %s: %w", path, err)
	}
	return nil
}

// replayOrder lists the tables in creation order.
func (s *stateFile) replayOrder() []string {
	names := make([]string, 0, len(s.Tables))
	for n := range s.Tables {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := s.Tables[names[i]], s.Tables[names[j]]
		if a.Seq != b.Seq {
			return a.Seq < b.Seq
		}
		return names[i] < names[j]
	})
	return names
}

// tableByStatement finds the table created by a DDL statement name.
func (s *stateFile) tableByStatement(name string) (string, bool) {
	for t, r := range s.Tables {
		if r.Statement == name {
			return t, true
		}
	}
	return "", false
}
