package unittest

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// CaseSuffix is the suffix of every table of one case: _ut alone, or _ut
// and a run id when cases run side by side (each needs its own tables).
func CaseSuffix(runID string) string {
	if runID == "" {
		return Suffix
	}
	return Suffix + "_" + runID
}

// leftoverRE matches a test copy of a table: name_ut, or name_ut_<run id>.
var leftoverRE = regexp.MustCompile(`^(.+)_ut(_[a-z0-9]+)?$`)

// IsTestTable reports whether name is a test copy of one of tables (name
// is base_ut or base_ut_<run id> for a base in tables), and which.
func IsTestTable(name string, tables map[string]bool) (base string, ok bool) {
	m := leftoverRE.FindStringSubmatch(strings.ToLower(name))
	if m == nil {
		return "", false
	}
	if tables[m[1]] {
		return m[1], true
	}
	return "", false
}

// Renames maps the tables of a case to their test copies: both the plain
// name (the DML under test reads and writes it) and the name_ut the test
// files of shift_left already use. Keys are lower-case.
func Renames(tables []string, suffix string) map[string]string {
	m := make(map[string]string, 2*len(tables))
	for _, t := range tables {
		m[strings.ToLower(t)] = t + suffix
		m[strings.ToLower(t+Suffix)] = t + suffix
	}
	return m
}

// BoundedOptions make a test table's reads end by themselves: every query
// on it (the DML under test, the validation) reads from the first offset to
// the latest one when it starts, then finishes.
var BoundedOptions = []flinksql.Option{
	{Key: "scan.startup.mode", Value: "earliest-offset"},
	{Key: "scan.bounded.mode", Value: "latest-offset"},
}

// BoundedDDL sets BoundedOptions on the CREATE TABLE statements of ddl.
func BoundedDDL(ddl string) (string, error) {
	out, _, err := flinksql.RewriteDDL([]byte(ddl), flinksql.RewriteOptions{SetOptions: BoundedOptions, KeepLines: true})
	return out, err
}

// Columns are the physical columns of the first CREATE TABLE of ddl (the
// ones an INSERT gives values to).
func Columns(ddl string) ([]flinksql.Column, error) {
	a, err := flinksql.Analyze([]byte(ddl))
	if err != nil {
		return nil, err
	}
	if len(a.Tables) == 0 {
		return nil, fmt.Errorf("no CREATE TABLE with a column list")
	}
	var cols []flinksql.Column
	for _, c := range a.Tables[0].Columns {
		if !c.Computed {
			cols = append(cols, c)
		}
	}
	return cols, nil
}

// TestDDL adapts the DDL of a test table so a case ends by itself: every
// test table is bounded (BoundedOptions), so the DML under test and the
// validation queries end once they have read what the topics hold. An
// input table (a foundation) that is an upsert table is read as an append
// stream ('changelog.mode' = 'append'): rows written by INSERT … VALUES
// are inserts anyway. The table under test keeps its changelog mode (its
// DML may write updates); upsert-kafka is bounded too (FLINK-31740).
func TestDDL(ddl string, input bool) (string, error) {
	a, err := flinksql.Analyze([]byte(ddl))
	if err != nil {
		return "", err
	}
	if len(a.Tables) == 0 {
		return "", fmt.Errorf("no CREATE TABLE with a column list")
	}
	mode := strings.ToLower(a.ChangelogMode)
	upsert := mode == "upsert" || mode == "retract" || (mode == "" && len(a.Tables[0].PrimaryKey) > 0)
	set := BoundedOptions
	if input && upsert {
		set = append([]flinksql.Option{{Key: "changelog.mode", Value: "append"}}, BoundedOptions...)
	}
	out, _, err := flinksql.RewriteDDL([]byte(ddl), flinksql.RewriteOptions{SetOptions: set, KeepLines: true})
	return out, err
}
