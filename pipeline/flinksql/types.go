// Package flinksql is a lexer and a shallow structural analyser for Flink SQL
// files: which table a file writes, which tables it reads, whether its DML
// keeps state, and the column list of its DDL. It is not a full parser: it
// knows exactly as much grammar as dependency extraction needs, and it never
// looks inside string literals or comments.
package flinksql

import (
	"fmt"
	"strings"
)

// Pos is a 1-based line and column in the source file.
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"col"`
}

// Name is a possibly qualified object name (`cat`.`db`.`tbl`), with the
// backquotes removed and doubled backquotes unescaped.
type Name struct {
	Parts []string `json:"parts"`
	Pos   Pos      `json:"pos"`
}

// String is the dotted form, e.g. "cat.db.tbl".
func (n Name) String() string {
	return strings.Join(n.Parts, ".")
}

// Table is the last part of the name, which is what graph nodes match on.
func (n Name) Table() string {
	if len(n.Parts) == 0 {
		return ""
	}
	return n.Parts[len(n.Parts)-1]
}

// Column is one physical or computed column of a CREATE TABLE.
type Column struct {
	Name     string `json:"name"`
	Type     string `json:"type"` // normalized: upper-case, single spaces, e.g. "DECIMAL(10, 2)"
	NotNull  bool   `json:"not_null"`
	Computed bool   `json:"computed,omitempty"` // `AS expr` or METADATA columns
}

// Option is one `'key' = 'value'` pair of a WITH clause, in source order.
type Option struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	Pos   Pos    `json:"pos"`
}

// TableDefinition is what a CREATE TABLE declares. Only filled for CREATE
// TABLE statements with a column list (not for views or CTAS without one).
type TableDefinition struct {
	Name          Name     `json:"name"`
	Columns       []Column `json:"columns"`
	PrimaryKey    []string `json:"primary_key,omitempty"`
	DistributedBy []string `json:"distributed_by,omitempty"`
	Buckets       int      `json:"buckets,omitempty"` // DISTRIBUTED ... INTO n BUCKETS
	Options       []Option `json:"options,omitempty"`
	Like          *Name    `json:"like,omitempty"`
}

// Analysis is everything the toolkit needs to know about one SQL file.
type Analysis struct {
	// Writes are the tables the file writes, in source order: INSERT
	// INTO/OVERWRITE targets, CREATE [OR REPLACE] [TEMPORARY] TABLE|VIEW,
	// CTAS, CREATE MATERIALIZED TABLE, every INSERT of a statement set.
	Writes []Name `json:"writes"`
	// Reads are the tables the file reads, deduplicated by qualified name,
	// in order of first appearance. CTE names, aliases, LATERAL TABLE(fn),
	// UNNEST and the file's own write targets are not reads.
	Reads []Name `json:"reads"`
	// Stateful is true when the DML needs Flink state: joins, GROUP BY,
	// OVER, window TVF aggregation, DISTINCT, UNION without ALL,
	// MATCH_RECOGNIZE. StatefulBecause names the first construct found.
	Stateful        bool   `json:"stateful"`
	StatefulBecause string `json:"stateful_because,omitempty"`
	// ChangelogMode is the value of the 'changelog.mode' option of a CREATE
	// TABLE, lower-cased ("" when absent).
	ChangelogMode string `json:"changelog_mode,omitempty"`
	// Tables holds the CREATE TABLE definitions of the file.
	Tables []TableDefinition `json:"tables,omitempty"`
	// Statements is the number of top-level statements (a statement set
	// counts as one).
	Statements int `json:"statements"`
}

// SyntaxError is returned for input that cannot be lexed (unterminated
// string, comment or quoted identifier, invalid UTF-8, NUL bytes) or that is
// empty. It names the position so the caller can prefix the file name.
type SyntaxError struct {
	Pos Pos
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}
