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
// startup mode reads from the earliest offset, as on Confluent Cloud.
// warnings lists what was removed or changed and why, for the plan. Cost:
// two lexer passes, O(n).
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

// renderDDL is RenderDDL's work; Deploy also reads the final options. The
// steps: read the one CREATE TABLE, choose the options to set (and the
// connector), decide which of the file's options go, rewrite through the
// lexer's tokens, and explain each change in a warning (connector first,
// then replaced options, then removed ones, in the rewriter's order).
// Cost: two lexer passes, O(n), plus the analysis.
func renderDDL(table, sql string, setOpts map[string]string, remove []string) (rendered, error) {
	def, err := tableDefinition(table, sql)
	if err != nil {
		return rendered{}, err
	}
	orig := make(map[string]string, len(def.Options))
	for _, o := range def.Options {
		orig[o.Key] = o.Value
	}
	opts := chooseOptions(table, def, orig, setOpts)
	dr := &dropper{set: opts.set, orig: orig, rules: removalRules(remove, opts.dropKey, opts.connector), why: map[string]string{}}
	setList, replaced := setOptionList(table, opts.set, orig)
	out, removed, err := flinksql.RewriteDDL([]byte(sql), flinksql.RewriteOptions{DropDistributedBy: true, Drop: dr.drop, SetOptions: setList})
	if err != nil {
		return rendered{}, fmt.Errorf("DDL of table %s: %w", table, err)
	}
	warnings := append(opts.warnings, replaced...)
	warnings = append(warnings, removedWarnings(table, removed, dr.why)...)
	stmt, err := statementText(out)
	if err != nil {
		return rendered{}, fmt.Errorf("DDL of table %s: %w", table, err)
	}
	return rendered{SQL: stmt, Warnings: warnings, Options: finalOptions(def.Options, opts.set, dr.why)}, nil
}

// tableDefinition reads the DDL's single CREATE TABLE with a column list:
// the rewrite handles one table, so anything else is refused.
func tableDefinition(table, sql string) (flinksql.TableDefinition, error) {
	an, err := flinksql.Analyze([]byte(sql))
	if err != nil {
		return flinksql.TableDefinition{}, fmt.Errorf("DDL of table %s: %w", table, err)
	}
	if len(an.Tables) != 1 || an.Statements != 1 {
		return flinksql.TableDefinition{}, fmt.Errorf("DDL of table %s: expected one CREATE TABLE statement with a column list, found %d statements and %d tables", table, an.Statements, len(an.Tables))
	}
	return an.Tables[0], nil
}

// optionChoice is the options to set on a table and what led to them.
type optionChoice struct {
	// set are the options to set (Options.TableOptions plus the defaults).
	set map[string]string
	// connector is the table's connector once rendered.
	connector string
	// dropKey: the message key options go (upsert-kafka without a key).
	dropKey  bool
	warnings []string
}

// chooseOptions decides the options to set: the configured ones, 'topic'
// defaulting to the table name when any are configured, 'kafka' instead of
// 'upsert-kafka' for a table without PRIMARY KEY (upsert-kafka requires a
// key), and an earliest-offset startup mode for a kafka table that sets
// none, as Confluent Cloud reads new tables.
func chooseOptions(table string, def flinksql.TableDefinition, orig, setOpts map[string]string) optionChoice {
	c := optionChoice{set: make(map[string]string, len(setOpts)+1)}
	for k, v := range setOpts {
		c.set[k] = v
	}
	if _, ok := c.set["topic"]; !ok && len(setOpts) > 0 {
		c.set["topic"] = table
	}
	c.connector = c.set["connector"]
	if c.connector == "" {
		c.connector = orig["connector"]
	}
	if c.connector == "upsert-kafka" && len(def.PrimaryKey) == 0 {
		c.warnings = append(c.warnings, fmt.Sprintf("table %s has no PRIMARY KEY: connector 'kafka' (append-only) instead of 'upsert-kafka'", table))
		c.connector = "kafka"
		if _, ok := c.set["connector"]; ok {
			c.set["connector"] = "kafka"
		}
		delete(c.set, "key.format")
		c.dropKey = true
	}
	if _, ok := orig["scan.startup.mode"]; c.connector == "kafka" && !ok && c.set["scan.startup.mode"] == "" {
		// Confluent Cloud reads new tables from the earliest offset; the
		// Kafka connector's default (group-offsets) fails without a
		// committed offset.
		c.set["scan.startup.mode"] = "earliest-offset"
	}
	return c
}

// removeRule removes the options whose key matches pattern, for why.
type removeRule struct{ pattern, why string }

// removalRules are the option patterns to remove, in the order their
// reasons are preferred: Confluent-only options, the configured
// remove_options, the key options of a table that lost its key, and the
// startup mode upsert-kafka does not take.
func removalRules(remove []string, dropKey bool, connector string) []removeRule {
	var rules []removeRule
	for _, p := range defaultRemove {
		rules = append(rules, removeRule{p, "Confluent Cloud only"})
	}
	for _, p := range remove {
		rules = append(rules, removeRule{p, "matches targets.flink.remove_options"})
	}
	if dropKey {
		rules = append(rules, removeRule{"key.*", "no PRIMARY KEY, so no message key"})
	}
	if connector == "upsert-kafka" {
		// upsert-kafka always reads the whole topic: no startup mode.
		rules = append(rules, removeRule{"scan.startup.*", "not supported by the upsert-kafka connector"})
	}
	return rules
}

// dropper decides, for the rewriter, which of the file's options go, and
// records why for the warnings and the final options.
type dropper struct {
	set, orig map[string]string
	rules     []removeRule
	why       map[string]string // removed key → reason
}

// drop reports whether the option key goes. An option being set is
// replaced in place, never dropped; a format naming a schema registry
// goes whatever the rules.
func (d *dropper) drop(key string) bool {
	if _, ok := d.set[key]; ok {
		return false
	}
	v := d.orig[key]
	if (key == "key.format" || key == "value.format" || key == "format") && strings.Contains(v, "registry") {
		d.why[key] = "Schema Registry formats are Confluent Cloud only"
		return true
	}
	for _, r := range d.rules {
		if globMatch(r.pattern, key) {
			d.why[key] = r.why
			return true
		}
	}
	return false
}

// setOptionList is the options to set in a stable order (connector first,
// as people write it, then by key), and a warning for each one that
// replaces a different value of the file.
func setOptionList(table string, set, orig map[string]string) ([]flinksql.Option, []string) {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
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
// it names them: "DISTRIBUTED BY …" or "option 'key'"), with the reason
// drop recorded, else as not known to open-source Flink.
func removedWarnings(table string, removed []string, why map[string]string) []string {
	var warnings []string
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
