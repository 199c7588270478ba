// Package release models releases without downtime: a breaking change to
// stateful tables is deployed as new versions of those tables (<table>_v<N>)
// beside the running ones, which keep serving until the new versions have
// caught up and are promoted. The versions live in the target's state (an
// opaque JSON document the target keeps per environment, see
// deployers.ReleaseStore), never in the pipeline files.
//
// The package is pure: it computes a release from a deploy plan, rewrites
// SQL through the lexer to the versioned names, renders plans and decides
// catch-up. Package workspace runs releases on a target.
package release

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// Phase is where a release is. The -ing phases record an intent before
// anything is changed on the target, so that a run cut short (Ctrl-C, a
// crash) leaves a state that a rerun of the same command finishes.
type Phase string

const (
	PhaseStarting    Phase = "starting"
	PhaseStarted     Phase = "started"
	PhasePromoting   Phase = "promoting"
	PhasePromoted    Phase = "promoted"
	PhaseRollingBack Phase = "rolling back"
	PhaseRolledBack  Phase = "rolled back"
	PhaseFinalizing  Phase = "finalizing"
	PhaseFinalized   Phase = "finalized"
)

// Open reports whether a release in this phase still holds its tables:
// anything but rolled back and finalized.
func (p Phase) Open() bool { return p != PhaseRolledBack && p != PhaseFinalized }

// Version is one table of a release: the version that was live when the
// release started (Old, the file's name for a table never released) and
// the new one (New = <table>_v<N>).
type Version struct {
	// Table is the table's name in the pipeline files.
	Table    string `json:"table"`
	Product  string `json:"product,omitempty"`
	Stateful bool   `json:"stateful,omitempty"`
	// Reason is why the deploy plan acts on the table.
	Reason string `json:"reason"`
	// Old and New are the physical table names (and topics, where the
	// topic follows the table name).
	Old string `json:"old"`
	New string `json:"new"`
	N   int    `json:"n"`
	// OldTopic and NewTopic are the topics the versions write: consumers
	// switch from the first to the second after promote.
	OldTopic string `json:"old_topic"`
	NewTopic string `json:"new_topic"`
	// Statement names of the old and new versions.
	OldDDL string `json:"old_ddl"`
	OldDML string `json:"old_dml,omitempty"`
	NewDDL string `json:"new_ddl"`
	NewDML string `json:"new_dml,omitempty"`
	// After are the tables of the release (file names) this one reads.
	After []string `json:"after,omitempty"`
	// Reads are the tables outside the release the new version reads, at
	// their live versions (physical names), sorted.
	Reads []string `json:"reads,omitempty"`
	// DDL and DML are the rewritten statements the new version runs.
	DDL string `json:"ddl"`
	DML string `json:"dml,omitempty"`
	// CaughtUpSince is when the new version was first seen caught up
	// (lag at most the --max-lag asked), zero until then or once it fell
	// behind again.
	CaughtUpSince time.Time `json:"caught_up_since,omitzero"`
}

// Release is one release and where it is.
type Release struct {
	Name      string    `json:"name"`
	Phase     Phase     `json:"phase"`
	CreatedAt time.Time `json:"created_at"`
	// Since is the git reference the release was planned from, if any.
	Since      string    `json:"since,omitempty"`
	PromotedAt time.Time `json:"promoted_at,omitzero"`
	// KeepUntil is when finalize may drop the old tables (set by promote).
	KeepUntil time.Time `json:"keep_until,omitzero"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
	// Versions are in dependency order: a version comes after those it
	// reads.
	Versions []Version `json:"versions"`
}

// Version returns the version of a table (its file name), or nil.
func (r *Release) Version(table string) *Version {
	for i := range r.Versions {
		if r.Versions[i].Table == table {
			return &r.Versions[i]
		}
	}
	return nil
}

// DocumentVersion is the version of the stored document's format.
const DocumentVersion = 1

// Document is what a target stores for one environment: every release (the
// newest last) and the live version of every table whose live version is
// not its file's name.
type Document struct {
	FormatVersion int       `json:"format_version"`
	Releases      []Release `json:"releases"`
	// Live maps a table's file name to its live physical name, for tables
	// whose live version came from a promoted release.
	Live map[string]string `json:"live,omitempty"`
}

// Decode reads a stored document; empty data is an empty document.
func Decode(data []byte) (*Document, error) {
	d := &Document{FormatVersion: DocumentVersion}
	if len(data) == 0 {
		return d, nil
	}
	if err := json.Unmarshal(data, d); err != nil {
		return nil, fmt.Errorf("release state: %w", err)
	}
	if d.FormatVersion > DocumentVersion {
		return nil, fmt.Errorf("release state: format version %d is newer than this shiftleft reads (%d): upgrade shiftleft", d.FormatVersion, DocumentVersion)
	}
	d.FormatVersion = DocumentVersion
	return d, nil
}

// Encode writes the document, indented, with sorted keys.
func (d *Document) Encode() ([]byte, error) {
	d.FormatVersion = DocumentVersion
	return json.MarshalIndent(d, "", "  ")
}

// LiveName is the physical name of a table's live version.
func (d *Document) LiveName(table string) string {
	if n, ok := d.Live[table]; ok {
		return n
	}
	return table
}

// Forget drops a table's live version (its file name): the table was
// undeployed, and deploys create it under its file's name again.
func (d *Document) Forget(table string) {
	delete(d.Live, table)
	if len(d.Live) == 0 {
		d.Live = nil
	}
}

// Open returns the open release, or nil. There is at most one.
func (d *Document) Open() *Release {
	for i := len(d.Releases) - 1; i >= 0; i-- {
		if d.Releases[i].Phase.Open() {
			return &d.Releases[i]
		}
	}
	return nil
}

// Find returns the release of that name, or nil.
func (d *Document) Find(name string) *Release {
	for i := range d.Releases {
		if d.Releases[i].Name == name {
			return &d.Releases[i]
		}
	}
	return nil
}

// Put replaces the release of the same name, or appends it.
func (d *Document) Put(r Release) {
	if old := d.Find(r.Name); old != nil {
		*old = r
		return
	}
	d.Releases = append(d.Releases, r)
}

// Physical lists every physical name the document knows for tables (live
// versions, old and new versions of every open release), sorted: names a
// new version must not take.
func (d *Document) Physical() []string {
	var out []string
	for _, n := range d.Live {
		out = append(out, n)
	}
	for _, r := range d.Releases {
		if !r.Phase.Open() {
			continue
		}
		for _, v := range r.Versions {
			out = append(out, v.Old, v.New)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

var nameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$`)

// CheckName checks a release name: 1 to 40 characters of a-z, 0-9 and '-',
// starting and ending with a letter or digit (it goes into messages and
// file names, never into statement names).
func CheckName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("release name %q: use 1 to 40 characters of a-z, 0-9 and '-', starting and ending with a letter or digit", name)
	}
	return nil
}

// ErrNoRelease is returned (wrapped) when a command names no release and
// none is open, or names one that does not exist.
var ErrNoRelease = errors.New("no such release")

// OpenError is a release that is open when a command needs none (a deploy
// or another release).
type OpenError struct {
	Name  string
	Phase Phase
	// Deploy says a deploy was refused: the message names the flag that
	// deploys within the release.
	Deploy bool
}

func (e *OpenError) Error() string {
	msg := fmt.Sprintf("release %s is open (%s): finish it first (shiftleft release promote %s, then finalize %s; or rollback %s)",
		e.Name, e.Phase, e.Name, e.Name, e.Name)
	if e.Deploy {
		msg += fmt.Sprintf(", or deploy tables outside it within the release: pipeline deploy --release %s", e.Name)
	}
	return msg
}

// PhaseError is a command that does not apply to a release in its phase.
type PhaseError struct {
	Name    string
	Phase   Phase
	Command string
	Hint    string
}

func (e *PhaseError) Error() string {
	msg := fmt.Sprintf("release %s is %s: %s does not apply", e.Name, e.Phase, e.Command)
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}
