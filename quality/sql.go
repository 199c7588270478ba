// Package quality turns the data-quality rules of a product's output ports
// (products.Rule) into bounded queries on the deployed tables, and the rows
// those queries return into pass or fail results with a count and a sample
// of offending rows. It builds SQL and judges rows; running the queries is
// the caller's (workspace, through a target that can read rows).
package quality

import (
	"fmt"
	"strings"

	"github.com/shiftleft-dev/shiftleft/products"
)

// SampleSize is the most offending rows a failed rule shows.
const SampleSize = 5

// BoundedHint is the dynamic table options hint that makes a scan of a
// Kafka-backed table end at the offsets the topic has when the query
// starts, so a streaming query over it ends by itself ("scan.bounded.mode"
// of the kafka and upsert-kafka connectors, and of Confluent Cloud's
// tables; see the Apache Kafka SQL connector's "Bounded Ending Position").
const BoundedHint = "/*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */"

// Queries are the statements that check one rule. Count returns one row
// (or none, which means zero: a streaming global aggregate over no rows
// emits nothing) whose first value is the rule's count: offending rows,
// duplicated keys, or the table's rows for row_count. Sample reads up to
// SampleSize offending rows; it is "" for row_count, which has none.
type Queries struct {
	Count  string
	Sample string
}

// Build makes the queries of a rule on table. bounded adds BoundedHint to
// every scan of the table (the caller knows whether the table is a Kafka
// topic). Identifiers are quoted with backticks, accepted values as string
// literals; the expression of an expression rule is the manifest's SQL,
// on lines of its own so that a trailing -- comment cannot swallow the
// rest of the query.
//
// Semantics, for each kind:
//   - not_null [a, b]: rows where any of the columns is NULL; Count's next
//     values are the NULLs of each column in turn.
//   - unique [a, b]: values of the columns together held by more than one
//     row; rows with a NULL in a key column are left out (as SQL's UNIQUE
//     does: not_null is the rule for NULLs). Count's second value is the
//     rows holding those values.
//   - accepted_values {column, values}: rows whose column, cast to STRING,
//     is not one of the values. NULL is accepted (NOT IN gives unknown);
//     add not_null to refuse it.
//   - row_count {min, max}: the table's rows, which must be within bounds.
//   - expression: rows where the condition is not TRUE, so a row where it
//     is NULL offends; write "x IS NULL OR x >= 0" to accept NULLs.
func Build(table string, r products.Rule, bounded bool) (Queries, error) {
	from := Ident(table)
	if bounded {
		from += " " + BoundedHint
	}
	var where string
	switch r.Kind {
	case products.NotNull:
		if len(r.Columns) == 0 {
			return Queries{}, fmt.Errorf("%s rule without columns", r.Kind)
		}
		conds := make([]string, len(r.Columns))
		counts := make([]string, len(r.Columns))
		for i, c := range r.Columns {
			conds[i] = Ident(c) + " IS NULL"
			counts[i] = fmt.Sprintf("COUNT(*) - COUNT(%s) AS nulls_%d", Ident(c), i+1)
		}
		where = strings.Join(conds, " OR ")
		return Queries{
			Count:  "SELECT COUNT(*) AS violations, " + strings.Join(counts, ", ") + "\nFROM " + from + "\nWHERE " + where,
			Sample: sample(from, where),
		}, nil
	case products.Unique:
		if len(r.Columns) == 0 {
			return Queries{}, fmt.Errorf("%s rule without columns", r.Kind)
		}
		keys := make([]string, len(r.Columns))
		conds := make([]string, len(r.Columns))
		for i, c := range r.Columns {
			keys[i] = Ident(c)
			conds[i] = Ident(c) + " IS NOT NULL"
		}
		group := "\nFROM " + from + "\nWHERE " + strings.Join(conds, " AND ") +
			"\nGROUP BY " + strings.Join(keys, ", ") + "\nHAVING COUNT(*) > 1"
		return Queries{
			Count:  "SELECT COUNT(*) AS violations, SUM(n) AS duplicate_rows\nFROM (\nSELECT COUNT(*) AS n" + group + "\n)",
			Sample: "SELECT " + strings.Join(keys, ", ") + ", COUNT(*) AS duplicate_rows" + group + fmt.Sprintf("\nLIMIT %d", SampleSize),
		}, nil
	case products.AcceptedValues:
		if r.Column == "" || len(r.Values) == 0 {
			return Queries{}, fmt.Errorf("%s rule without a column or values", r.Kind)
		}
		lits := make([]string, len(r.Values))
		for i, v := range r.Values {
			lits[i] = Literal(v)
		}
		where = "CAST(" + Ident(r.Column) + " AS STRING) NOT IN (" + strings.Join(lits, ", ") + ")"
	case products.RowCount:
		if r.Min == nil && r.Max == nil {
			return Queries{}, fmt.Errorf("%s rule without min or max", r.Kind)
		}
		// A plain COUNT(*) straight over the hinted scan did not end on
		// Flink 2.2 with the Kafka connector (the rows were all read, the
		// job kept running); over a subquery it ends like the others.
		return Queries{Count: "SELECT COUNT(*) AS row_count\nFROM (SELECT * FROM " + from + ")"}, nil
	case products.Expression:
		if strings.TrimSpace(r.Expression) == "" {
			return Queries{}, fmt.Errorf("%s rule without a condition", r.Kind)
		}
		where = "(\n" + strings.TrimSpace(r.Expression) + "\n) IS NOT TRUE"
	default:
		return Queries{}, fmt.Errorf("unknown rule kind %q", r.Kind)
	}
	return Queries{
		Count:  "SELECT COUNT(*) AS violations\nFROM " + from + "\nWHERE " + where,
		Sample: sample(from, where),
	}, nil
}

func sample(from, where string) string {
	return fmt.Sprintf("SELECT *\nFROM %s\nWHERE %s\nLIMIT %d", from, where, SampleSize)
}

// Ident quotes a name for Flink SQL: `name`, a backtick doubled.
func Ident(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// Literal quotes a string for Flink SQL: 'text', a quote doubled.
func Literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
