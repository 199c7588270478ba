// Package changes computes what changed in a pipelines folder between a git
// revision and HEAD (optionally plus the uncommitted edits), maps every
// changed file to its table folder and table, and classifies DDL changes as
// compatible or breaking schema changes.
//
// It reads the repository with go-git only: it never runs the git binary,
// never checks anything out and never writes to the working tree or the
// index.
package changes

import (
	"context"
	"errors"
	"fmt"
)

// Kind is how a file or a table changed.
type Kind string

const (
	// KindDDL: the table's DDL (or its ddl.*.properties) changed.
	KindDDL Kind = "ddl"
	// KindDML: the table's DML (or its dml.*.properties) changed.
	KindDML Kind = "dml"
	// KindAdded: a new table folder (no file of the folder existed at the base).
	KindAdded Kind = "added"
	// KindDeleted: the table folder was removed.
	KindDeleted Kind = "deleted"
	// KindRenamed: the table folder moved; the table name is the same.
	KindRenamed Kind = "renamed"
	// KindOther: tests/, Makefile, tracking.md, generated files
	// (pipeline_definition.json, inventory.json) and anything outside a table
	// folder. Listed, never deployed.
	KindOther Kind = "other"
)

// Git-level actions of a FileChange.
const (
	ActionAdded    = "added"
	ActionModified = "modified"
	ActionDeleted  = "deleted"
	ActionRenamed  = "renamed"
)

// FileChange is one changed file under the pipelines folder. Paths are
// slash-separated.
type FileChange struct {
	// Path is relative to the pipelines root (the new path for renames, the
	// old one for deletions).
	Path string `json:"path"`
	// OldPath is the path at the base for renames and deletions.
	OldPath string `json:"old_path,omitempty"`
	// RepoPath is Path relative to the repository root.
	RepoPath string `json:"repo_path"`
	// Table is the table of the file's table folder ("" outside one).
	Table string `json:"table,omitempty"`
	// Kind is ddl, dml or other by the file's role; files holding SQL of a
	// table folder that was added, deleted or renamed as a whole carry that
	// kind instead. Files of kind other stay other.
	Kind Kind `json:"kind"`
	// Action is the git-level action: added, modified, deleted, renamed.
	Action string `json:"action"`
	// Uncommitted is true when the change (or its last part) is in the
	// working tree only.
	Uncommitted bool `json:"uncommitted,omitempty"`
}

// TableChange is the change of one table. Tables whose folders only had
// changes of kind other (tests, Makefile, …) are not listed.
type TableChange struct {
	Table string `json:"table"`
	// Kind: added, deleted, renamed for whole folders; otherwise ddl when the
	// DDL changed (ddl beats dml), else dml.
	Kind Kind `json:"kind"`
	// Content is set for renamed tables whose SQL also changed: ddl or dml.
	Content Kind `json:"content,omitempty"`
	// OldName is the previous table name, when it differs from Table.
	OldName string `json:"old_name,omitempty"`
	// Folder is the table folder relative to the pipelines root (at the base
	// for deleted tables).
	Folder string `json:"folder"`
	// OldFolder is the folder at the base for renamed tables.
	OldFolder string `json:"old_folder,omitempty"`
	// Files are the changed files of the table, relative to the pipelines
	// root, sorted; for renamed tables both the old and the new paths.
	Files []string `json:"files"`
	// Schema is the classification of a DDL change (also for renamed tables
	// whose DDL changed); nil otherwise.
	Schema *SchemaChange `json:"schema,omitempty"`
	// FormattingOnly is true for a ddl or dml change that only touched
	// comments, white space or letter case outside literals: every changed
	// SQL file normalizes (flinksql.Normalize) to the same text and no
	// .properties file changed. Such a change deploys nothing and impacts
	// no one.
	FormattingOnly bool `json:"formatting_only,omitempty"`
	// Base is the table's SQL at the base, for deleted tables: what it
	// takes to undeploy a table that is gone from the pipelines.
	Base *BaseSQL `json:"-"`
}

// BaseSQL is a deleted table's SQL files as the base had them. Paths are
// relative to the pipelines root, "" for a missing file.
type BaseSQL struct {
	DDLPath, DDL string
	DMLPath, DML string
}

// Schema change categories.
const (
	Compatible = "compatible"
	Breaking   = "breaking"
)

// SchemaChange classifies a DDL change.
type SchemaChange struct {
	// Category is compatible or breaking.
	Category string `json:"category"`
	// Reasons list what changed, breaking reasons first, each in source
	// order, e.g. "column amount removed", "type of x changed DECIMAL(10, 2)
	// → DECIMAL(12, 2)", "primary key changed (id) → (id, ts)".
	Reasons []string `json:"reasons"`
}

// Breaking reports whether the change is breaking.
func (s *SchemaChange) Breaking() bool { return s != nil && s.Category == Breaking }

// ChangeSet is the result of Compute.
type ChangeSet struct {
	// Repo is the absolute path of the repository's working tree.
	Repo string `json:"repo"`
	// PipelinesPath is the pipelines folder relative to Repo ("." when it is
	// the repository root).
	PipelinesPath string `json:"pipelines_path"`
	// BaseRef is Options.Since as given.
	BaseRef string `json:"base_ref"`
	// Base is the commit diffed from (the merge base of Since and HEAD);
	// empty when the pipelines history starts after a --since date.
	Base string `json:"base"`
	// Head is the HEAD commit.
	Head   string        `json:"head"`
	Files  []FileChange  `json:"files"`  // sorted by Path
	Tables []TableChange `json:"tables"` // sorted by Table
	// Warnings are problems that did not stop the computation (unreadable
	// SQL, a table name guessed from a file name), sorted.
	Warnings []string `json:"warnings,omitempty"`
}

// Options configure Compute.
type Options struct {
	// PipelinesDir is the pipelines folder (absolute, or relative to the
	// current directory).
	PipelinesDir string
	// RepoDir is the repository; default: the first folder holding .git
	// from PipelinesDir upward.
	RepoDir string
	// Since is the base: a branch, tag, remote branch (origin/main), commit
	// (hash or prefix), HEAD~N / REF^, or a date. A date (YYYY-MM-DD, read
	// as 00:00 UTC, or RFC3339) selects the newest commit on HEAD's
	// first-parent line committed at or before that instant, like `git
	// rev-list -1 --first-parent --before=DATE HEAD`; a ref with the same
	// name wins over the date reading. Empty means HEAD: only uncommitted
	// changes (with IncludeUncommitted) are reported.
	Since string
	// IncludeUncommitted adds the differences between HEAD and the files on
	// disk under the pipelines folder (staged or not). Untracked files
	// matched by .gitignore are skipped.
	IncludeUncommitted bool
	// TableOf maps a current path (relative to the pipelines root) to its
	// table, typically from the scanned project. When nil or when it
	// returns "", the table is read from the folder's SQL.
	TableOf func(pipelinesRelPath string) string
}

// ShallowError is returned when the repository is a shallow clone whose
// history does not reach the base revision or the merge base.
type ShallowError struct {
	Since string
	// What is the step that hit the shallow boundary.
	What string
}

func (e *ShallowError) Error() string {
	return fmt.Sprintf("the repository is a shallow clone and its history does not reach %s (%s): "+
		"fetch more history with `git fetch --unshallow` (or `git fetch --deepen N`), "+
		"or set `fetch-depth: 0` on the checkout step in CI", e.Since, e.What)
}

// UnknownRevisionError is returned when Since names nothing.
type UnknownRevisionError struct {
	Since string
	Tried []string
	Err   error
}

func (e *UnknownRevisionError) Error() string {
	msg := fmt.Sprintf("unknown revision %q: tried %s", e.Since, joinOr(e.Tried))
	if e.Err != nil {
		msg += " (" + e.Err.Error() + ")"
	}
	return msg + "; give a branch, tag, remote branch, commit, HEAD~N or a date YYYY-MM-DD"
}

func (e *UnknownRevisionError) Unwrap() error { return e.Err }

// ErrNoRepository is returned when no git repository holds the pipelines
// folder.
var ErrNoRepository = errors.New("no git repository found")

// Compute returns the changes under opts.PipelinesDir between the merge base
// of opts.Since and HEAD, and HEAD and the working tree with
// IncludeUncommitted.
//
// Cost: resolving a ref is O(1); a date walks first parents from HEAD;
// the merge base walks the ancestors of the newer commit (O(commits)); the
// tree diff visits only subtrees whose hashes differ (O(changed paths ×
// depth)); the uncommitted scan reads and hashes every file of the pipelines
// folder (O(bytes)). SQL is analysed only for changed table folders.
func Compute(ctx context.Context, opts Options) (*ChangeSet, error) {
	r, err := openRepo(opts)
	if err != nil {
		return nil, err
	}
	defer r.close()
	base, head, err := r.resolveBase(ctx, opts.Since)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cs := &ChangeSet{
		Repo:          r.root,
		PipelinesPath: r.relPipelines,
		BaseRef:       opts.Since,
		Head:          head.Hash.String(),
	}
	if base != nil {
		cs.Base = base.Hash.String()
	}
	st, err := r.collect(ctx, base, head, opts.IncludeUncommitted)
	if err != nil {
		return nil, err
	}
	if err := r.build(ctx, st, cs, opts.TableOf); err != nil {
		return nil, err
	}
	return cs, nil
}

func joinOr(items []string) string {
	switch len(items) {
	case 0:
		return "nothing"
	case 1:
		return items[0]
	}
	out := ""
	for i, s := range items {
		switch {
		case i == 0:
		case i == len(items)-1:
			out += " and "
		default:
			out += ", "
		}
		out += s
	}
	return out
}
