package flink

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// defaultRemove are option-key patterns that only Confluent Cloud knows:
// its changelog and Kafka topic settings, and the Schema Registry formats'
// options. '*' matches any run of characters, dots included.
var defaultRemove = []string{
	"changelog.mode",
	"kafka.*",
	"*avro-registry*",
	"*json-registry*",
	"*protobuf-registry*",
	"error-handling.*",
}

// RenderDDL rewrites a CREATE TABLE written for Confluent Cloud into one
// this Flink cluster runs, with flinksql.RewriteDDL (through the lexer's
// tokens, not string replacement): the DISTRIBUTED BY clause goes, options
// only Confluent Cloud knows go (defaultRemove plus Options.RemoveOptions,
// and key/value formats that name a schema registry), and
// Options.TableOptions are set ('topic' defaults to the table name). An
// upsert-kafka connector on a table without PRIMARY KEY becomes 'kafka'
// (append-only), as upsert-kafka requires a key; a kafka table without a
// startup mode reads from the earliest offset, as on Confluent Cloud. warnings lists what was
// removed or changed and why, for the plan. Cost: two lexer passes, O(n).
func (t *Target) RenderDDL(table, sql string) (string, []string, error) {
	r, err := renderDDL(table, sql, t.opts.TableOptions, t.opts.RemoveOptions)
	return r.SQL, r.Warnings, err
}

// rendered is a DDL rewritten for this target.
type rendered struct {
	SQL      string
	Warnings []string
	// Options is the final WITH clause.
	Options map[string]string
}

func renderDDL(table, sql string, setOpts map[string]string, remove []string) (rendered, error) {
	an, err := flinksql.Analyze([]byte(sql))
	if err != nil {
		return rendered{}, fmt.Errorf("DDL of table %s: %w", table, err)
	}
	if len(an.Tables) != 1 || an.Statements != 1 {
		return rendered{}, fmt.Errorf("DDL of table %s: expected one CREATE TABLE statement with a column list, found %d statements and %d tables", table, an.Statements, len(an.Tables))
	}
	def := an.Tables[0]
	orig := make(map[string]string, len(def.Options))
	for _, o := range def.Options {
		orig[o.Key] = o.Value
	}

	set := make(map[string]string, len(setOpts)+1)
	for k, v := range setOpts {
		set[k] = v
	}
	if _, ok := set["topic"]; !ok && len(setOpts) > 0 {
		set["topic"] = table
	}
	connector := set["connector"]
	if connector == "" {
		connector = orig["connector"]
	}
	var warnings []string
	dropKey := false
	if connector == "upsert-kafka" && len(def.PrimaryKey) == 0 {
		warnings = append(warnings, fmt.Sprintf("table %s has no PRIMARY KEY: connector 'kafka' (append-only) instead of 'upsert-kafka'", table))
		connector = "kafka"
		if _, ok := set["connector"]; ok {
			set["connector"] = "kafka"
		}
		delete(set, "key.format")
		dropKey = true
	}

	if _, ok := orig["scan.startup.mode"]; connector == "kafka" && !ok && set["scan.startup.mode"] == "" {
		// Confluent Cloud reads new tables from the earliest offset; the
		// Kafka connector's default (group-offsets) fails without a
		// committed offset.
		set["scan.startup.mode"] = "earliest-offset"
	}

	type rule struct{ pattern, why string }
	var rules []rule
	for _, p := range defaultRemove {
		rules = append(rules, rule{p, "Confluent Cloud only"})
	}
	for _, p := range remove {
		rules = append(rules, rule{p, "matches targets.flink.remove_options"})
	}
	if dropKey {
		rules = append(rules, rule{"key.*", "no PRIMARY KEY, so no message key"})
	}
	if connector == "upsert-kafka" {
		// upsert-kafka always reads the whole topic: no startup mode.
		rules = append(rules, rule{"scan.startup.*", "not supported by the upsert-kafka connector"})
	}
	why := map[string]string{}
	drop := func(key string) bool {
		if _, ok := set[key]; ok {
			return false // replaced in place
		}
		v := orig[key]
		if (key == "key.format" || key == "value.format" || key == "format") && strings.Contains(v, "registry") {
			why[key] = "Schema Registry formats are Confluent Cloud only"
			return true
		}
		for _, r := range rules {
			if globMatch(r.pattern, key) {
				why[key] = r.why
				return true
			}
		}
		return false
	}

	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// connector first, as people write it.
	sort.SliceStable(keys, func(i, j int) bool { return keys[i] == "connector" && keys[j] != "connector" })
	setList := make([]flinksql.Option, 0, len(keys))
	for _, k := range keys {
		setList = append(setList, flinksql.Option{Key: k, Value: set[k]})
		if old, ok := orig[k]; ok && old != set[k] {
			warnings = append(warnings, fmt.Sprintf("table %s: option '%s' = '%s' replaced by '%s'", table, k, old, set[k]))
		}
	}

	out, removed, err := flinksql.RewriteDDL([]byte(sql), flinksql.RewriteOptions{DropDistributedBy: true, Drop: drop, SetOptions: setList})
	if err != nil {
		return rendered{}, fmt.Errorf("DDL of table %s: %w", table, err)
	}
	final := map[string]string{}
	for _, o := range def.Options {
		if _, dropped := why[o.Key]; !dropped {
			final[o.Key] = o.Value
		}
	}
	for k, v := range set {
		final[k] = v
	}
	for _, r := range removed {
		if strings.HasPrefix(r, "DISTRIBUTED") {
			warnings = append(warnings, fmt.Sprintf("table %s: removed DISTRIBUTED BY clause (open-source Flink has no bucketed tables)", table))
			continue
		}
		key := strings.TrimSuffix(strings.TrimPrefix(r, "option '"), "'")
		reason := why[key]
		if reason == "" {
			reason = "not known to open-source Flink"
		}
		warnings = append(warnings, fmt.Sprintf("table %s: removed %s (%s)", table, r, reason))
	}
	stmt, err := statementText(out)
	if err != nil {
		return rendered{}, fmt.Errorf("DDL of table %s: %w", table, err)
	}
	return rendered{SQL: stmt, Warnings: warnings, Options: final}, nil
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
