package flink

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// RenderDDL implements deployers.DDLRenderer: it translates a CREATE TABLE
// written for Confluent Cloud into one this Flink cluster runs (see
// render). Errors that name a place in the DDL are *deployers.SQLError
// (several: deployers.SQLErrors).
func (t *Target) RenderDDL(table, sql string) (string, []string, error) {
	r, err := t.render(table, sql)
	return r.SQL, r.Warnings, err
}

// rendered is a DDL translated for this target.
type rendered struct {
	SQL      string
	Warnings []string
	// Options is the final WITH clause.
	Options map[string]string
	// Partitions is the topic's partition count (DISTRIBUTED … INTO n
	// BUCKETS), 0 for the broker's default.
	Partitions int32
	// TopicConfigs are the topic configs translated from kafka.* options.
	TopicConfigs map[string]string
}

// render is RenderDDL's work; CreateTable also reads the final options,
// partitions and topic configs.
func (t *Target) render(table, sql string) (rendered, error) {
	return renderDDL(table, sql, t.dialect())
}

// dialect is the translation's view of the options.
func (t *Target) dialect() dialect {
	return dialect{set: t.opts.TableOptions, remove: t.opts.RemoveOptions, bootstrap: t.opts.Bootstrap, registryURL: t.opts.SchemaRegistryURL}
}

// renderDDL translates one CREATE TABLE through the lexer's tokens
// (flinksql.RewriteDDL with KeepLines, so every line stays where it was in
// the file and comments stay): Confluent-only statements and functions are
// refused, the options are decided (decideOptions), `$rowtime` and its
// watermark are added to Kafka tables, DISTRIBUTED BY goes (its buckets
// become the topic's partitions). warnings lists each change, errors each
// option that cannot be translated, with its line. Cost: two lexer passes,
// O(n), plus the analysis.
func renderDDL(table, sql string, d dialect) (rendered, error) {
	src := []byte(sql)
	toks, err := flinksql.Lex(src)
	if err != nil {
		return rendered{}, fmt.Errorf("DDL of table %s: %w", table, sqlError(err))
	}
	if errs := confluentOnly(src, toks); len(errs) > 0 {
		return rendered{}, joinErrors(errs)
	}
	if err := materialized(src, toks); err != nil {
		return rendered{}, err
	}
	def, err := tableDefinition(table, sql)
	if err != nil {
		return rendered{}, err
	}
	c := decideOptions(table, def, toks, src, d)
	if len(c.errs) > 0 {
		return rendered{}, joinErrors(c.errs)
	}
	setList, replaced := setOptionList(table, c.set, c.orig)
	out, removed, err := flinksql.RewriteDDL(src, flinksql.RewriteOptions{
		DropDistributedBy: true, Drop: c.drop, SetOptions: setList,
		AppendColumns: c.columns, DropPrimaryKey: c.dropPK, KeepLines: true,
	})
	if err != nil {
		return rendered{}, fmt.Errorf("DDL of table %s: %w", table, sqlError(err))
	}
	warnings := append(c.warnings, replaced...)
	warnings = append(warnings, removedWarnings(table, removed, c.why, def)...)
	stmt, err := statementText(out)
	if err != nil {
		return rendered{}, fmt.Errorf("DDL of table %s: %w", table, err)
	}
	stmt = keepLeadingLines(out, stmt)
	r := rendered{SQL: stmt, Warnings: warnings, Options: finalOptions(def.Options, c.set, c.why), TopicConfigs: c.topicConfigs}
	if def.Buckets > 0 {
		r.Partitions = int32(def.Buckets)
	}
	return r, nil
}

// tableDefinition reads the DDL's single CREATE TABLE with a column list:
// the rewrite handles one table, so anything else is refused.
func tableDefinition(table, sql string) (flinksql.TableDefinition, error) {
	an, err := flinksql.Analyze([]byte(sql))
	if err != nil {
		return flinksql.TableDefinition{}, fmt.Errorf("DDL of table %s: %w", table, sqlError(err))
	}
	if len(an.Tables) != 1 || an.Statements != 1 {
		return flinksql.TableDefinition{}, fmt.Errorf("DDL of table %s: expected one CREATE TABLE statement with a column list, found %d statements and %d tables", table, an.Statements, len(an.Tables))
	}
	return an.Tables[0], nil
}

// choice is the translation decided for one table.
type choice struct {
	orig map[string]string // the file's options
	pos  map[string]flinksql.Pos
	// set are the options to set (replacing the file's value in place, or
	// appended).
	set map[string]string
	// why records each removed key's reason.
	why map[string]string
	// rules are extra removal patterns (remove_options, key.*).
	rules []removeRule
	// columns are appended to the column list (`$rowtime`, watermark).
	columns []string
	dropPK  bool
	// topicConfigs are topic configs from kafka.* options.
	topicConfigs map[string]string
	warnings     []string
	errs         []error
}

// removeRule removes the options whose key matches pattern, for why.
type removeRule struct{ pattern, why string }

// errAt records an option that cannot be translated, at its line.
func (c *choice) errAt(key, format string, args ...any) {
	p := c.pos[key]
	c.errs = append(c.errs, &deployers.SQLError{Line: p.Line, Col: p.Col, Msg: fmt.Sprintf("option '%s': ", key) + fmt.Sprintf(format, args...)})
}

// drop tells the rewriter whether one of the file's options goes. An option
// being set is replaced in place, never dropped.
func (c *choice) drop(key string) bool {
	if _, ok := c.set[key]; ok {
		return false
	}
	if _, ok := c.why[key]; ok {
		return true
	}
	for _, r := range c.rules {
		if globMatch(r.pattern, key) {
			c.why[key] = r.why
			return true
		}
	}
	return false
}

// decideOptions applies the dialect rules to the file's options, in this
// order: the connector (changelog.mode and the primary key), the Kafka
// connection (topic, bootstrap servers), formats, keys, the kafka.* and
// other Confluent-only options, then `$rowtime`. Configured table_options
// win over every rule.
func decideOptions(table string, def flinksql.TableDefinition, toks []flinksql.Token, src []byte, d dialect) *choice {
	c := &choice{orig: map[string]string{}, pos: map[string]flinksql.Pos{}, set: map[string]string{}, why: map[string]string{}, topicConfigs: map[string]string{}}
	for _, o := range def.Options {
		c.orig[o.Key] = o.Value
		c.pos[o.Key] = o.Pos
	}
	for k, v := range d.set {
		c.set[k] = v
	}
	connector := c.connector(table, def, d)
	if kafkaFamily(connector) {
		c.kafkaConnection(table, d)
		c.formats(table, connector, d)
		c.keys(table, connector, def)
		c.kafkaOptions(table, connector)
		c.rowtime(table, def, toks, src)
	}
	for _, p := range d.remove {
		c.rules = append(c.rules, removeRule{p, "matches targets.flink.remove_options"})
	}
	for _, p := range []string{"error-handling.*", "*avro-registry*", "*json-registry*", "*proto-registry*", "*protobuf-registry*"} {
		c.rules = append(c.rules, removeRule{p, "Confluent Cloud only"})
	}
	return c
}

// connector decides the connector. Where the configured or written
// connector is a Kafka one (or none), Confluent's changelog mode picks it:
// 'append' → kafka, 'upsert' → upsert-kafka (which needs the primary key),
// none → upsert-kafka with a primary key, kafka without; 'retract' has no
// Kafka connector and is refused.
func (c *choice) connector(table string, def flinksql.TableDefinition, d dialect) string {
	base := c.set["connector"]
	if base == "" {
		base = c.orig["connector"]
	}
	mode, hasMode := c.orig["changelog.mode"]
	if hasMode {
		c.why["changelog.mode"] = "Confluent Cloud only; the connector carries the changelog mode"
	}
	if !kafkaFamily(base) {
		return base
	}
	var chosen, because string
	switch m := strings.ToLower(strings.TrimSpace(mode)); {
	case !hasMode && len(def.PrimaryKey) > 0:
		chosen, because = "upsert-kafka", "PRIMARY KEY without 'changelog.mode'"
	case !hasMode:
		chosen, because = "kafka", "no PRIMARY KEY and no 'changelog.mode'"
	case m == "append":
		chosen, because = "kafka", "'changelog.mode' = 'append'"
	case m == "upsert" && len(def.PrimaryKey) == 0:
		c.errAt("changelog.mode", "'upsert' needs a PRIMARY KEY (the upsert-kafka connector keys its records by it); add one or use 'append'")
		return ""
	case m == "upsert":
		chosen, because = "upsert-kafka", "'changelog.mode' = 'upsert'"
	case m == "retract":
		c.errAt("changelog.mode", "'retract' cannot run on open-source Flink: no Kafka connector stores retractions (-U/+U records); use 'upsert' with a PRIMARY KEY, or 'append'")
		return ""
	default:
		c.errAt("changelog.mode", "unknown mode %q (Confluent Cloud knows append, upsert and retract)", mode)
		return ""
	}
	if base != chosen {
		if base == "" {
			c.warnings = append(c.warnings, fmt.Sprintf("table %s: connector '%s' (%s)", table, chosen, because))
		} else {
			c.warnings = append(c.warnings, fmt.Sprintf("table %s: connector '%s' instead of '%s' (%s)", table, chosen, base, because))
		}
	}
	c.set["connector"] = chosen
	return chosen
}

// kafkaConnection sets the topic (the table name unless configured or
// written) and the bootstrap servers (configured, else kafka.bootstrap.servers).
func (c *choice) kafkaConnection(table string, d dialect) {
	if _, ok := c.orig["topic"]; !ok && c.set["topic"] == "" {
		c.set["topic"] = table
	}
	if _, ok := c.orig["properties.bootstrap.servers"]; !ok && c.set["properties.bootstrap.servers"] == "" && d.bootstrap != "" {
		c.set["properties.bootstrap.servers"] = d.bootstrap
	}
}

// formats replaces Schema Registry formats with the target's (json, or
// avro-confluent with a registry URL, which is then set too) and gives a
// Kafka table the formats its connector requires.
func (c *choice) formats(table, connector string, d dialect) {
	for _, k := range []string{"format", "key.format", "value.format"} {
		v, ok := c.orig[k]
		if !ok {
			continue
		}
		if _, configured := c.set[k]; configured {
			continue
		}
		f, known := d.formatFor(v)
		if !known {
			if strings.Contains(strings.ToLower(v), "registry") {
				c.errAt(k, "format '%s' has no open-source Flink equivalent", v)
			}
			continue
		}
		c.set[k] = f
		c.registryURL(k, f, d)
	}
	has := func(k string) bool { _, a := c.orig[k]; _, b := c.set[k]; return a || b }
	if !has("format") && !has("value.format") {
		c.set["value.format"] = d.defaultFormat()
		c.registryURL("value.format", d.defaultFormat(), d)
		c.warnings = append(c.warnings, fmt.Sprintf("table %s: 'value.format' = '%s' (the table names no format)", table, d.defaultFormat()))
	}
	if connector == "upsert-kafka" && !has("key.format") {
		c.set["key.format"] = d.defaultFormat()
		c.registryURL("key.format", d.defaultFormat(), d)
		c.warnings = append(c.warnings, fmt.Sprintf("table %s: 'key.format' = '%s' (upsert-kafka needs a key format)", table, d.defaultFormat()))
	}
}

// registryURL sets '<prefix>avro-confluent.url' for a format that reads
// the registry.
func (c *choice) registryURL(formatKey, format string, d dialect) {
	if d.registryURL == "" || !strings.HasSuffix(format, "avro-confluent") {
		return
	}
	prefix := strings.TrimSuffix(formatKey, "format")
	if _, ok := c.set[prefix+format+".url"]; !ok {
		c.set[prefix+format+".url"] = d.registryURL
	}
}

// keys maps Confluent's message key to the connector's: upsert-kafka keys
// by the primary key; kafka has no primary key (Flink refuses one on an
// append-only table), so the primary key is removed and the key columns
// (DISTRIBUTED BY's, else the primary key's) become 'key.fields'; without
// key columns the key options go.
func (c *choice) keys(table, connector string, def flinksql.TableDefinition) {
	if connector != "kafka" {
		return
	}
	cols := def.DistributedBy
	if len(cols) == 0 {
		cols = def.PrimaryKey
	}
	if len(def.PrimaryKey) > 0 {
		c.dropPK = true
	}
	_, fileKey := c.orig["key.format"]
	_, setKey := c.set["key.format"]
	if !fileKey && !setKey {
		return
	}
	if len(cols) == 0 {
		c.rules = append(c.rules, removeRule{"key.*", "no key columns (no DISTRIBUTED BY, no PRIMARY KEY), so no message key"})
		delete(c.set, "key.format")
		return
	}
	if _, ok := c.orig["key.fields"]; !ok && c.set["key.fields"] == "" {
		c.set["key.fields"] = strings.Join(cols, ";")
		c.warnings = append(c.warnings, fmt.Sprintf("table %s: 'key.fields' = '%s' (the message key, as Confluent Cloud writes it)", table, c.set["key.fields"]))
	}
}

// kafkaOptions translates kafka.* (topic configs, producer and consumer
// properties), scan.bounded.mode, scan.startup.mode and
// value.fields-include.
func (c *choice) kafkaOptions(table, connector string) {
	for _, k := range sortedKeys(c.orig) {
		v := c.orig[k]
		if _, configured := c.set[k]; configured {
			continue
		}
		switch {
		case strings.HasPrefix(k, "kafka."):
			ko, ok := kafkaOptions[k]
			if !ok {
				c.why[k] = "Confluent Cloud only, no open-source equivalent"
				continue
			}
			out, ok := ko.convert(v)
			if !ok {
				c.errAt(k, "value '%s' cannot be translated", v)
				continue
			}
			if ko.topicConfig != "" {
				c.topicConfigs[ko.topicConfig] = out
				c.why[k] = fmt.Sprintf("becomes the topic config %s=%s when the target creates the topic", ko.topicConfig, out)
			} else {
				c.set[ko.option] = out
				c.why[k] = fmt.Sprintf("becomes '%s' = '%s'", ko.option, out)
			}
		case k == "scan.bounded.mode":
			switch m := strings.ToLower(v); {
			case m == "unbounded":
				c.why[k] = "'unbounded' is the connector's default"
			}
			// Other modes are kept: the kafka connector has them, and
			// upsert-kafka too since the Kafka connector 3.1 (FLINK-31740,
			// "Allow setting boundedness options for upsert-kafka").
		case k == "value.fields-include":
			switch strings.ToLower(v) {
			case "all":
				c.set[k] = "ALL"
			case "except-key", "except_key":
				c.set[k] = "EXCEPT_KEY"
			default:
				c.errAt(k, "value '%s' is neither 'all' nor 'except-key'", v)
			}
		case k == "scan.startup.mode" && connector == "upsert-kafka":
			// upsert-kafka always reads the whole topic.
			c.why[k] = "not supported by the upsert-kafka connector, which reads the whole topic"
		}
	}
	if _, ok := c.orig["scan.startup.mode"]; connector == "kafka" && !ok && c.set["scan.startup.mode"] == "" {
		// Confluent Cloud reads new tables from the earliest offset; the
		// Kafka connector's default (group-offsets) fails without a
		// committed offset.
		c.set["scan.startup.mode"] = "earliest-offset"
	}
	if connector == "upsert-kafka" {
		delete(c.set, "scan.startup.mode")
		c.rules = append(c.rules, removeRule{"scan.startup.*", "not supported by the upsert-kafka connector, which reads the whole topic"})
	}
}

// rowtime adds Confluent's `$rowtime` column (the record's timestamp) and a
// watermark on it, unless the DDL declares the column or a watermark.
func (c *choice) rowtime(table string, def flinksql.TableDefinition, toks []flinksql.Token, src []byte) {
	hasCol := false
	for _, col := range def.Columns {
		hasCol = hasCol || col.Name == "$rowtime"
	}
	hasWatermark := false
	for i, t := range toks {
		if t.Kw == flinksql.KwWatermark && i+1 < len(toks) && toks[i+1].Kw == flinksql.KwFor {
			hasWatermark = true
		}
	}
	if !hasCol {
		c.columns = append(c.columns, rowtimeColumn)
	}
	if !hasWatermark {
		c.columns = append(c.columns, rowtimeWatermark)
	}
	switch {
	case !hasCol && !hasWatermark:
		c.warnings = append(c.warnings, fmt.Sprintf("table %s: added `$rowtime` (the Kafka record timestamp) and a watermark on it, as Confluent Cloud has them", table))
	case !hasCol:
		c.warnings = append(c.warnings, fmt.Sprintf("table %s: added `$rowtime` (the Kafka record timestamp), as Confluent Cloud has it; the table's own watermark stays", table))
	case !hasWatermark:
		c.warnings = append(c.warnings, fmt.Sprintf("table %s: added a watermark on `$rowtime`", table))
	}
}

// setOptionList is the options to set in a stable order (connector first,
// as people write it, then by key), and a warning for each one that
// replaces a different value of the file.
func setOptionList(table string, set, orig map[string]string) ([]flinksql.Option, []string) {
	keys := sortedKeys(set)
	sort.SliceStable(keys, func(i, j int) bool { return keys[i] == "connector" && keys[j] != "connector" })
	var warnings []string
	list := make([]flinksql.Option, 0, len(keys))
	for _, k := range keys {
		list = append(list, flinksql.Option{Key: k, Value: set[k]})
		if old, ok := orig[k]; ok && old != set[k] {
			warnings = append(warnings, fmt.Sprintf("table %s: option '%s' = '%s' replaced by '%s'", table, k, old, set[k]))
		}
	}
	return list, warnings
}

// finalOptions is the rendered WITH clause: the file's options that were
// not removed, overridden by the ones set.
func finalOptions(fileOpts []flinksql.Option, set, why map[string]string) map[string]string {
	final := map[string]string{}
	for _, o := range fileOpts {
		if _, dropped := why[o.Key]; !dropped {
			final[o.Key] = o.Value
		}
	}
	for k, v := range set {
		final[k] = v
	}
	return final
}

// removedWarnings explains each clause or option the rewriter removed (as
// it names them: "DISTRIBUTED BY …", "PRIMARY KEY" or "option 'key'"),
// with the reason recorded, else as not known to open-source Flink.
func removedWarnings(table string, removed []string, why map[string]string, def flinksql.TableDefinition) []string {
	var warnings []string
	for _, r := range removed {
		switch {
		case strings.HasPrefix(r, "DISTRIBUTED"):
			w := fmt.Sprintf("table %s: removed DISTRIBUTED BY clause (open-source Flink has no bucketed tables)", table)
			if def.Buckets > 0 {
				w = fmt.Sprintf("table %s: removed DISTRIBUTED BY clause; its %d buckets become the partitions of the topic the target creates", table, def.Buckets)
			}
			warnings = append(warnings, w)
			continue
		case r == "PRIMARY KEY":
			warnings = append(warnings, fmt.Sprintf("table %s: removed PRIMARY KEY (the append-only kafka connector takes none; its columns are the message key)", table))
			continue
		}
		key := strings.TrimSuffix(strings.TrimPrefix(r, "option '"), "'")
		reason := why[key]
		if reason == "" {
			reason = "not known to open-source Flink"
		}
		warnings = append(warnings, fmt.Sprintf("table %s: removed %s (%s)", table, r, reason))
	}
	return warnings
}

// trimSemicolons drops trailing ';' tokens.
func trimSemicolons(toks []flinksql.Token) []flinksql.Token {
	for len(toks) > 0 && toks[len(toks)-1].Kind == flinksql.TokOp && toks[len(toks)-1].Ch == ';' {
		toks = toks[:len(toks)-1]
	}
	return toks
}

// statementText is the SQL from its first to its last token, without
// leading comments or a trailing ';': the gateway takes one statement.
func statementText(sql string) (string, error) {
	src := []byte(sql)
	toks, err := flinksql.Lex(src)
	if err != nil {
		return "", err
	}
	toks = trimSemicolons(toks)
	if len(toks) == 0 {
		return "", fmt.Errorf("no SQL statement")
	}
	return string(src[toks[0].Start:toks[len(toks)-1].End]), nil
}

// globMatch matches key against a glob pattern where '*' matches any run
// of characters, dots included.
func globMatch(p, s string) bool {
	parts := strings.Split(p, "*")
	if len(parts) == 1 {
		return p == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// materialized refuses CREATE MATERIALIZED TABLE: the rewrite handles
// Kafka tables, and Flink's materialized tables need a catalog that
// stores them and a FRESHNESS … AS query it refreshes.
func materialized(src []byte, toks []flinksql.Token) error {
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].Kw == flinksql.KwCreate && strings.EqualFold(toks[i+1].Text(src), "MATERIALIZED") {
			return &deployers.SQLError{Line: toks[i].Pos.Line, Col: toks[i].Pos.Col,
				Msg: "CREATE MATERIALIZED TABLE cannot be translated for the flink target: open-source Flink keeps materialized tables in a catalog that stores them, refreshed from a FRESHNESS … AS query; define a CREATE TABLE and an INSERT instead"}
		}
	}
	return nil
}
