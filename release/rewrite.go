package release

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// RewriteDDL renames the tables of a DDL (the created table to its new
// version n) and gives the new version its own topic: where the topic
// follows the table name (no 'topic' option: Confluent Cloud, and the
// flink target's default) the new name is the new topic; a 'topic' option
// naming the old table becomes the new name, and any other explicit topic
// gets the version suffix (<topic>_v<n>, an earlier suffix replaced), so
// the new version never writes into the old version's topic.
func RewriteDDL(ddl, old, next string, n int, renames map[string]string) (string, error) {
	out, err := flinksql.RenameTables(ddl, renames)
	if err != nil {
		return "", err
	}
	a, err := flinksql.Analyze([]byte(out))
	if err != nil {
		return "", err
	}
	for _, td := range a.Tables {
		for _, o := range td.Options {
			if !strings.EqualFold(o.Key, "topic") {
				continue
			}
			topic := next
			if !strings.EqualFold(o.Value, old) && !strings.EqualFold(o.Value, next) {
				topic = versionName(stripVersion(o.Value), n)
			}
			out, _, err = flinksql.RewriteDDL([]byte(out), flinksql.RewriteOptions{
				SetOptions: []flinksql.Option{{Key: o.Key, Value: topic}}, KeepLines: true,
			})
			if err != nil {
				return "", fmt.Errorf("set the topic of %s: %w", next, err)
			}
			return out, nil
		}
	}
	return out, nil
}

// stripVersion removes a _v<N> suffix.
func stripVersion(s string) string {
	i := strings.LastIndex(s, "_v")
	if i <= 0 {
		return s
	}
	if _, err := strconv.Atoi(s[i+2:]); err != nil {
		return s
	}
	return s[:i]
}

// Topic is the topic a DDL writes: its 'topic' option, else the table
// name (the convention of Confluent Cloud and of the flink target).
func Topic(ddl, table string) string {
	a, err := flinksql.Analyze([]byte(ddl))
	if err != nil {
		return table
	}
	for _, td := range a.Tables {
		for _, o := range td.Options {
			if strings.EqualFold(o.Key, "topic") {
				return o.Value
			}
		}
	}
	return table
}

// ColumnClashError is a release refused because a column is named like a
// table the release renames: the rename would change the column too.
type ColumnClashError struct {
	Table, Column string
}

func (e *ColumnClashError) Error() string {
	return fmt.Sprintf("table %s has a column %s named like a table this release renames: rename the column first (shiftleft renames tables by identifier)", e.Table, e.Column)
}
