package flink

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// The dialect translation: Confluent Cloud for Apache Flink's SQL as
// open-source Flink runs it. Each rule is documented in docs/targets.md
// (flink section); Confluent's behaviour is from "CREATE TABLE Statement in
// Confluent Cloud for Apache Flink" and "Confluent Cloud for Apache Flink
// compared with Apache Flink".

// rowtimeColumn is the system column Confluent Cloud gives every table: the
// Kafka record's timestamp. Declared the same way here, so DMLs that read
// `$rowtime` run unchanged.
const rowtimeColumn = "`$rowtime` TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL"

// rowtimeWatermark is the watermark put on `$rowtime` when the DDL declares
// none: one second of out-of-orderness. Confluent Cloud's default strategy
// (derived from observed delays) has no open-source equivalent; a table that
// needs another declares its own WATERMARK.
const rowtimeWatermark = "WATERMARK FOR `$rowtime` AS `$rowtime` - INTERVAL '1' SECOND"

// columnExpansion keeps `$rowtime` out of SELECT *, as on Confluent Cloud,
// where system columns are not expanded (Flink 1.19+:
// table.column-expansion-strategy).
const columnExpansion = "EXCLUDE_ALIASED_VIRTUAL_METADATA_COLUMNS"

// sessionProperties are the properties of every session the target opens.
func sessionProperties() map[string]string {
	return map[string]string{
		"execution.runtime-mode":          "streaming",
		"table.column-expansion-strategy": columnExpansion,
	}
}

// confluentOnlyCalls are Confluent Cloud's built-in functions with no
// open-source Flink equivalent, matched case-insensitively on a name
// followed by '('. AI_* and ML_* (model inference, forecasting, anomaly
// detection, ML preprocessing) are matched by prefix. Flink 2.1 has an
// ML_PREDICT of its own, with another signature (TABLE, MODEL, DESCRIPTOR)
// and other model providers: Confluent's calls do not translate to it.
var confluentOnlyCalls = map[string]bool{
	"KEY_SEARCH_AGG":    true,
	"TEXT_SEARCH_AGG":   true,
	"VECTOR_SEARCH_AGG": true,
	"VECTOR_SEARCH":     true,
	"FEDERATED_SEARCH":  true,
}

// confluentOnlyObjects are the objects of Confluent-only CREATE / ALTER /
// DROP statements (CREATE MODEL, CREATE CONNECTION, CREATE AGENT, CREATE
// TOOL).
var confluentOnlyObjects = map[string]bool{"MODEL": true, "CONNECTION": true, "AGENT": true, "TOOL": true}

// confluentOnly finds the Confluent-only functions and statements of src.
// Cost: one pass over the tokens.
func confluentOnly(src []byte, toks []flinksql.Token) []error {
	var errs []error
	word := func(i int) string {
		if i < 0 || i >= len(toks) || toks[i].Kind != flinksql.TokIdent {
			return ""
		}
		return strings.ToUpper(toks[i].Text(src))
	}
	for i, t := range toks {
		if t.Kind != flinksql.TokIdent && t.Kind != flinksql.TokQuotedIdent {
			continue
		}
		if w := word(i); w == "CREATE" || w == "ALTER" || w == "DROP" {
			j := i + 1
			for _, skip := range []string{"OR", "REPLACE", "TEMPORARY", "TEMP", "SYSTEM"} {
				if word(j) == skip {
					j++
				}
			}
			if obj := word(j); confluentOnlyObjects[obj] {
				errs = append(errs, &deployers.SQLError{Line: t.Pos.Line, Col: t.Pos.Col,
					Msg: fmt.Sprintf("%s %s is Confluent Cloud only: open-source Flink has no such statement (deploy this file with --target confluent)", w, obj)})
			}
			continue
		}
		if i+1 >= len(toks) || toks[i+1].Kind != flinksql.TokOp || toks[i+1].Ch != '(' {
			continue
		}
		name := strings.ToUpper(t.IdentValue(src))
		if confluentOnlyCalls[name] || strings.HasPrefix(name, "AI_") || strings.HasPrefix(name, "ML_") {
			errs = append(errs, &deployers.SQLError{Line: t.Pos.Line, Col: t.Pos.Col,
				Msg: fmt.Sprintf("function %s is Confluent Cloud only: open-source Flink has no equivalent (deploy this table with --target confluent)", name)})
		}
	}
	return errs
}

// RenderDML implements deployers.DMLRenderer: a DML runs as written (its
// `$rowtime` reads the column every table of this target has), unless it
// calls a Confluent-only function, which is an error naming its line.
func (t *Target) RenderDML(table, sql string) (string, []string, error) {
	src := []byte(sql)
	toks, err := flinksql.Lex(src)
	if err != nil {
		return "", nil, fmt.Errorf("DML of table %s: %w", table, sqlError(err))
	}
	if errs := confluentOnly(src, toks); len(errs) > 0 {
		return "", nil, joinErrors(errs)
	}
	out, err := statementText(sql)
	if err != nil {
		return "", nil, fmt.Errorf("DML of table %s: %w", table, err)
	}
	return keepLeadingLines(sql, out), nil, nil
}

// sqlError turns the lexer's *flinksql.SyntaxError into a
// *deployers.SQLError, so callers name file:line.
func sqlError(err error) error {
	if se, ok := err.(*flinksql.SyntaxError); ok {
		return &deployers.SQLError{Line: se.Pos.Line, Col: se.Pos.Col, Msg: se.Msg}
	}
	return err
}

// joinErrors is one error for a non-empty list of *deployers.SQLError,
// sorted by position.
func joinErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	sort.SliceStable(errs, func(i, j int) bool {
		a, _ := errs[i].(*deployers.SQLError)
		b, _ := errs[j].(*deployers.SQLError)
		return a != nil && b != nil && (a.Line < b.Line || a.Line == b.Line && a.Col < b.Col)
	})
	return deployers.SQLErrors(errs)
}

// keepLeadingLines puts back, as empty lines, the lines before stmt in
// full (comments), so a line the engine names is the file's line.
func keepLeadingLines(full, stmt string) string {
	if i := strings.Index(full, stmt); i > 0 {
		return strings.Repeat("\n", strings.Count(full[:i], "\n")) + stmt
	}
	return stmt
}

// registryFormats maps Confluent's Schema Registry formats to the format
// open-source Flink reads without a registry (json) and the one it reads
// with one (a registry URL is configured).
var registryFormats = map[string][2]string{
	"avro-registry":          {"json", "avro-confluent"},
	"json-registry":          {"json", "json"},
	"proto-registry":         {"json", "json"},
	"protobuf-registry":      {"json", "json"},
	"avro-debezium-registry": {"debezium-json", "debezium-avro-confluent"},
}

// formatFor is the format a registry format becomes and, with a registry
// URL, the URL option key of that format for prefix ("key.", "value." or
// "").
func (d dialect) formatFor(value string) (string, bool) {
	f, ok := registryFormats[strings.ToLower(value)]
	if !ok {
		return "", false
	}
	if d.registryURL != "" {
		return f[1], true
	}
	return f[0], true
}

// defaultFormat is the format of a table that names none.
func (d dialect) defaultFormat() string {
	if d.registryURL != "" {
		return "avro-confluent"
	}
	return "json"
}

// dialect is what the translation needs from the target's options.
type dialect struct {
	set         map[string]string // targets.flink.table_options
	remove      []string          // targets.flink.remove_options
	bootstrap   string            // default properties.bootstrap.servers
	registryURL string            // targets.flink.schema_registry_url
}

// kafkaFamily reports the connectors whose flavour the changelog mode picks.
func kafkaFamily(c string) bool { return c == "" || c == "kafka" || c == "upsert-kafka" }

// parseRetention reads Confluent's kafka.retention.time ('0' keeps forever;
// a number of milliseconds, or a number and a unit: ms, s, min, h, d) as
// Kafka's retention.ms.
func parseRetention(v string) (string, bool) {
	v = strings.TrimSpace(strings.ToLower(v))
	num, unit := v, ""
	if i := strings.IndexFunc(v, func(r rune) bool { return (r < '0' || r > '9') && r != '.' }); i >= 0 {
		num, unit = strings.TrimSpace(v[:i]), strings.TrimSpace(v[i:])
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n < 0 {
		return "", false
	}
	mult := map[string]float64{"": 1, "ms": 1, "milli": 1, "millis": 1, "s": 1e3, "sec": 1e3, "second": 1e3, "seconds": 1e3,
		"min": 6e4, "minute": 6e4, "minutes": 6e4, "h": 36e5, "hour": 36e5, "hours": 36e5, "d": 864e5, "day": 864e5, "days": 864e5}
	m, ok := mult[unit]
	if !ok {
		return "", false
	}
	if n == 0 {
		return "-1", true
	}
	return strconv.FormatInt(int64(n*m), 10), true
}

// parseBytes reads kafka.retention.size / kafka.max-message-size: a number
// of bytes ('0' for retention size means no limit).
func parseBytes(v string, zeroUnlimited bool) (string, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return "", false
	}
	if n == 0 && zeroUnlimited {
		return "-1", true
	}
	return strconv.FormatInt(n, 10), true
}

// kafkaOption is how one kafka.* option of Confluent Cloud translates: to a
// config of the topic the target creates, or to a connector option.
type kafkaOption struct {
	topicConfig string // Kafka topic config key, or ""
	option      string // connector option key, or ""
	convert     func(string) (string, bool)
}

var kafkaOptions = map[string]kafkaOption{
	"kafka.retention.time":   {topicConfig: "retention.ms", convert: parseRetention},
	"kafka.retention.size":   {topicConfig: "retention.bytes", convert: func(v string) (string, bool) { return parseBytes(v, true) }},
	"kafka.max-message-size": {topicConfig: "max.message.bytes", convert: func(v string) (string, bool) { return parseBytes(v, false) }},
	"kafka.cleanup-policy": {topicConfig: "cleanup.policy", convert: func(v string) (string, bool) {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "delete":
			return "delete", true
		case "compact":
			return "compact", true
		case "delete-compact", "compact-delete":
			return "compact,delete", true
		}
		return "", false
	}},
	// The connector hands properties.* to the Kafka producer and consumer.
	"kafka.producer.compression.type": {option: "properties.compression.type", convert: func(v string) (string, bool) {
		switch v = strings.ToLower(strings.TrimSpace(v)); v {
		case "none", "gzip", "snappy", "lz4", "zstd":
			return v, true
		}
		return "", false
	}},
	"kafka.consumer.isolation-level": {option: "properties.isolation.level", convert: func(v string) (string, bool) {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "read-committed", "read_committed":
			return "read_committed", true
		case "read-uncommitted", "read_uncommitted":
			return "read_uncommitted", true
		}
		return "", false
	}},
}

// sortedKeys lists a map's keys in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
