package changes

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// ClassifySchema compares two versions of a DDL file and says whether
// readers of the table survive the change.
//
// Compatible: new nullable columns appended after all existing ones,
// changes of options that do not alter the physical topic or its format,
// comments and formatting. Breaking: anything else — a removed, renamed,
// retyped or reordered column, a nullability change, a new column that is
// NOT NULL or not at the end, a renamed column (a column replaced in place
// by one of the same type), a primary key, distribution or bucket count
// change, a changed LIKE source or table name, a CREATE TABLE without a
// column list on either side (CTAS) whose text changed, and any change of
// an option that alters the topic or its serialization:
//
//	connector, topic, topic-pattern, format, changelog.mode,
//	properties.bootstrap.servers, key.*, value.*, kafka.* except
//	kafka.retention.* and kafka.producer.* (retention and compression are
//	invisible to readers)
//
// scan.* and other options are listed as compatible reasons. O(columns +
// options).
func ClassifySchema(oldDDL, newDDL []byte) (*SchemaChange, error) {
	oa, err := flinksql.Analyze(oldDDL)
	if err != nil {
		return nil, fmt.Errorf("base DDL: %w", err)
	}
	na, err := flinksql.Analyze(newDDL)
	if err != nil {
		return nil, fmt.Errorf("new DDL: %w", err)
	}
	var c classifier
	od, nd := firstTable(oa), firstTable(na)
	switch {
	case od == nil && nd == nil:
		if !bytes.Equal(bytes.Join(bytes.Fields(oldDDL), nil), bytes.Join(bytes.Fields(newDDL), nil)) {
			c.breaking("no column list to compare (CREATE TABLE AS SELECT, LIKE or no CREATE TABLE) and the DDL changed")
		}
	case od == nil:
		c.breaking("column list added")
	case nd == nil:
		c.breaking("column list removed")
	default:
		c.compare(od, nd)
	}
	return c.result(), nil
}

func firstTable(a *flinksql.Analysis) *flinksql.TableDefinition {
	if a == nil || len(a.Tables) == 0 {
		return nil
	}
	return &a.Tables[0]
}

type classifier struct {
	broken, fine []string
}

func (c *classifier) breaking(format string, args ...any) {
	c.broken = append(c.broken, fmt.Sprintf(format, args...))
}

func (c *classifier) compatible(format string, args ...any) {
	c.fine = append(c.fine, fmt.Sprintf(format, args...))
}

func (c *classifier) result() *SchemaChange {
	sc := &SchemaChange{Category: Compatible, Reasons: append(append([]string{}, c.broken...), c.fine...)}
	if len(c.broken) > 0 {
		sc.Category = Breaking
	}
	return sc
}

func (c *classifier) compare(od, nd *flinksql.TableDefinition) {
	if o, n := od.Name.Table(), nd.Name.Table(); o != n {
		c.breaking("table renamed %s → %s", o, n)
	}
	c.columns(od.Columns, nd.Columns)
	if !equalStrings(od.PrimaryKey, nd.PrimaryKey) {
		c.breaking("primary key changed %s → %s", list(od.PrimaryKey), list(nd.PrimaryKey))
	}
	if !equalStrings(od.DistributedBy, nd.DistributedBy) {
		c.breaking("distribution changed %s → %s", list(od.DistributedBy), list(nd.DistributedBy))
	}
	if od.Buckets != nd.Buckets {
		c.breaking("bucket count changed %d → %d", od.Buckets, nd.Buckets)
	}
	if o, n := likeName(od.Like), likeName(nd.Like); o != n {
		c.breaking("LIKE source changed %q → %q", o, n)
	}
	c.options(od.Options, nd.Options)
}

func (c *classifier) columns(oldCols, newCols []flinksql.Column) {
	// Flink rejects duplicate column names; compare the first of each so
	// such a DDL still classifies consistently.
	oldCols, newCols = firstOfEach(oldCols), firstOfEach(newCols)
	newIdx := make(map[string]int, len(newCols))
	for i, col := range newCols {
		newIdx[col.Name] = i
	}
	oldIdx := make(map[string]int, len(oldCols))
	for i, o := range oldCols {
		oldIdx[o.Name] = i
	}
	// A column gone from position i while a new column of the same type
	// and nullability takes that position reads as a rename.
	renamedTo := map[string]bool{}
	var kept []string // old columns still present, in old order
	for i, o := range oldCols {
		j, ok := newIdx[o.Name]
		if !ok {
			if i < len(newCols) {
				n := newCols[i]
				if _, existed := oldIdx[n.Name]; !existed && n.Type == o.Type && n.NotNull == o.NotNull && n.Computed == o.Computed {
					renamedTo[n.Name] = true
					c.breaking("column %s renamed to %s", o.Name, n.Name)
					continue
				}
			}
			c.breaking("column %s removed", o.Name)
			continue
		}
		kept = append(kept, o.Name)
		n := newCols[j]
		if o.Type != n.Type {
			c.breaking("type of %s changed %s → %s", o.Name, o.Type, n.Type)
		}
		switch {
		case !o.NotNull && n.NotNull:
			c.breaking("column %s became NOT NULL", o.Name)
		case o.NotNull && !n.NotNull:
			c.breaking("column %s became nullable", o.Name)
		}
		switch {
		case !o.Computed && n.Computed:
			c.breaking("column %s changed from physical to computed or metadata", o.Name)
		case o.Computed && !n.Computed:
			c.breaking("column %s changed from computed or metadata to physical", o.Name)
		}
	}
	// The kept columns must open the new list in their old order; new
	// columns may only follow them.
	var newOrder []string
	for _, n := range newCols {
		if _, ok := oldIdx[n.Name]; ok {
			newOrder = append(newOrder, n.Name)
		}
	}
	if !equalStrings(kept, newOrder) {
		c.breaking("column order changed %s → %s", list(kept), list(newOrder))
	}
	lastKept := -1
	for j, n := range newCols {
		if _, ok := oldIdx[n.Name]; ok {
			lastKept = j
		}
	}
	for j, n := range newCols {
		if _, ok := oldIdx[n.Name]; ok || renamedTo[n.Name] {
			continue
		}
		switch {
		case j < lastKept:
			c.breaking("column %s added before existing column %s", colDesc(n), newCols[lastKept].Name)
		case n.NotNull:
			c.breaking("column %s added as NOT NULL", colDesc(n))
		default:
			c.compatible("column %s added at the end", colDesc(n))
		}
	}
}

func (c *classifier) options(oldOpts, newOpts []flinksql.Option) {
	// With a repeated key the last value counts, as in Flink.
	oldVals := map[string]string{}
	for _, o := range oldOpts {
		oldVals[o.Key] = o.Value
	}
	newVals := map[string]string{}
	for _, o := range newOpts {
		newVals[o.Key] = o.Value
	}
	oldOpts, newOpts = lastOfEach(oldOpts, oldVals), lastOfEach(newOpts, newVals)
	report := func(key, format string, args ...any) {
		if physicalOption(key) {
			c.breaking(format, args...)
		} else {
			c.compatible(format, args...)
		}
	}
	for _, o := range oldOpts {
		n, ok := newVals[o.Key]
		switch {
		case !ok:
			report(o.Key, "option '%s' removed (was '%s')", o.Key, o.Value)
		case n != o.Value:
			report(o.Key, "option '%s' changed '%s' → '%s'", o.Key, o.Value, n)
		}
	}
	for _, n := range newOpts {
		if _, ok := oldVals[n.Key]; !ok {
			report(n.Key, "option '%s' added '%s'", n.Key, n.Value)
		}
	}
}

// physicalOption reports whether a WITH option changes where the rows are
// stored or how they are serialized.
func physicalOption(key string) bool {
	k := strings.ToLower(key)
	switch k {
	case "connector", "topic", "topic-pattern", "format", "changelog.mode", "properties.bootstrap.servers":
		return true
	}
	switch {
	case strings.HasPrefix(k, "kafka.retention."), strings.HasPrefix(k, "kafka.producer."):
		return false
	case strings.HasPrefix(k, "kafka."), strings.HasPrefix(k, "key."), strings.HasPrefix(k, "value."):
		return true
	}
	return false
}

func firstOfEach(cols []flinksql.Column) []flinksql.Column {
	seen := make(map[string]bool, len(cols))
	out := cols[:0:0]
	for _, c := range cols {
		if !seen[c.Name] {
			seen[c.Name] = true
			out = append(out, c)
		}
	}
	return out
}

// lastOfEach keeps one option per key, at its first position, with the
// key's final value.
func lastOfEach(opts []flinksql.Option, vals map[string]string) []flinksql.Option {
	seen := make(map[string]bool, len(opts))
	out := opts[:0:0]
	for _, o := range opts {
		if !seen[o.Key] {
			seen[o.Key] = true
			o.Value = vals[o.Key]
			out = append(out, o)
		}
	}
	return out
}

// colDesc is "name TYPE", or the name alone for computed columns, whose
// type the DDL does not spell.
func colDesc(c flinksql.Column) string {
	if c.Type == "" {
		return c.Name
	}
	return c.Name + " " + c.Type
}

func likeName(n *flinksql.Name) string {
	if n == nil {
		return ""
	}
	return n.String()
}

func list(s []string) string { return "(" + strings.Join(s, ", ") + ")" }

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
