// Package unittest reads the unit tests kept beside a table, in shift_left's
// format: tests/test_definitions.yaml names the input tables of the table
// under test (foundations, each with a DDL written for the test) and a suite
// of named cases, each with input files (SQL or CSV) and a validation query
// that returns PASS or FAIL. It also turns those files into the statements a
// run needs (suffixed names, CSV rows as typed INSERT … VALUES). It never
// talks to a target: running the statements is the workspace's job.
package unittest

import (
	"fmt"
	"path/filepath"
)

// DefinitionFile is the suite's file name inside the table's tests folder.
const DefinitionFile = "test_definitions.yaml"

// TestsDir is the folder of a table that holds its tests.
const TestsDir = "tests"

// Suffix is what every table of a case ends with, as in shift_left. A run
// that executes cases side by side adds a run id after it.
const Suffix = "_ut"

// FileType of an input: SQL statements run as given, or CSV rows turned
// into INSERT … VALUES.
type FileType string

const (
	SQL FileType = "sql"
	CSV FileType = "csv"
)

// Suite is one table's tests/test_definitions.yaml.
type Suite struct {
	// Dir is the table folder; every file name of the suite is relative to
	// it (shift_left writes them as ./tests/…).
	Dir string `json:"dir"`
	// File is the definition file's path as it was read.
	File        string       `json:"file"`
	Foundations []Foundation `json:"foundations"`
	Cases       []Case       `json:"test_suite"`
}

// Foundation is an input table of the table under test and the DDL that
// creates its test copy (the file already names the table with _ut).
type Foundation struct {
	Table   string `json:"table_name"`
	DDLFile string `json:"ddl_for_test"`
	Line    int    `json:"line"`
}

// Case is one named test case.
type Case struct {
	Name    string   `json:"name"`
	Inputs  []Input  `json:"inputs"`
	Outputs []Output `json:"outputs"`
	Line    int      `json:"line"`
}

// Input fills one input table of a case.
type Input struct {
	Table string   `json:"table_name"`
	File  string   `json:"file_name"`
	Type  FileType `json:"file_type"`
	Line  int      `json:"line"`
}

// Output names the validation query of a case for a table: it returns a
// single column whose value is PASS or FAIL.
type Output struct {
	Table string `json:"table_name"`
	File  string `json:"file_name"`
	Line  int    `json:"line"`
}

// Warning is something in a definition file that is read but ignored, or
// likely a mistake, with its place.
type Warning struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Msg  string `json:"message"`
}

func (w Warning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Msg)
	}
	return w.File + ": " + w.Msg
}

// Path is the path of a file of the suite (a name as written in the
// definition file, relative to the table folder).
func (s *Suite) Path(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(s.Dir, filepath.FromSlash(name))
}

// Case returns the named case, or nil.
func (s *Suite) Case(name string) *Case {
	for i := range s.Cases {
		if s.Cases[i].Name == name {
			return &s.Cases[i]
		}
	}
	return nil
}

// Foundation returns the foundation of a table, or nil.
func (s *Suite) Foundation(table string) *Foundation {
	for i := range s.Foundations {
		if s.Foundations[i].Table == table {
			return &s.Foundations[i]
		}
	}
	return nil
}

// CaseNames lists the cases in file order.
func (s *Suite) CaseNames() []string {
	out := make([]string, len(s.Cases))
	for i, c := range s.Cases {
		out[i] = c.Name
	}
	return out
}
