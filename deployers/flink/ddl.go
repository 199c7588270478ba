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
// this Flink cluster runs, through the lexer's tokens: the DISTRIBUTED BY
// clause goes, options only Confluent Cloud knows go (defaultRemove plus
// Options.RemoveOptions, and key/value formats that name a schema
// registry), and Options.TableOptions are set ('topic' defaults to the
// table name). An upsert-kafka connector on a table without PRIMARY KEY
// becomes 'kafka' (append-only), as upsert-kafka requires a key. The WITH
// clause is rebuilt one option a line (comments inside it are dropped);
// everything before it is kept byte for byte. warnings lists what was
// removed or changed, for the plan. Cost: one lexer pass, O(n).
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
	src := []byte(sql)
	toks, err := flinksql.Lex(src)
	if err != nil {
		return rendered{}, fmt.Errorf("DDL of table %s: %w", table, err)
	}
	toks = trimSemicolons(toks)
	if len(toks) == 0 || toks[0].Kw != flinksql.KwCreate {
		return rendered{}, fmt.Errorf("DDL of table %s: expected a CREATE statement", table)
	}
	end := toks[len(toks)-1].End

	var warnings []string
	var (
		distFrom, distTo = -1, -1 // byte span of DISTRIBUTED ... clause
		withTok          = -1     // index of the WITH token
		withClose        = -1     // index of the WITH clause's ')'
		hasPK            bool
		depth            int
	)
	for i := 0; i < len(toks); i++ {
		tk := toks[i]
		switch {
		case tk.Kind == flinksql.TokOp && tk.Ch == '(':
			depth++
		case tk.Kind == flinksql.TokOp && tk.Ch == ')':
			depth--
		case tk.Kw == flinksql.KwPrimary && i+1 < len(toks) && toks[i+1].Kw == flinksql.KwKey:
			hasPK = true
		case depth == 0 && tk.Kw == flinksql.KwDistributed:
			j := distributedEnd(toks, i)
			distFrom, distTo = toks[i-1].End, toks[j].End
			i = j
		case depth == 0 && tk.Kw == flinksql.KwWith && i+1 < len(toks) && toks[i+1].Kind == flinksql.TokOp && toks[i+1].Ch == '(':
			withTok = i
			withClose = matchParen(toks, i+1)
			if withClose < 0 {
				return rendered{}, fmt.Errorf("DDL of table %s: line %d: unclosed WITH (", table, toks[i+1].Pos.Line)
			}
			i = withClose
		}
	}

	type option struct{ key, value string }
	var orig []option
	if withTok >= 0 {
		body := toks[withTok+2 : withClose]
		for k := 0; k < len(body); {
			if k+2 >= len(body) || body[k].Kind != flinksql.TokString || body[k+1].Text(src) != "=" || body[k+2].Kind != flinksql.TokString {
				return rendered{}, fmt.Errorf("DDL of table %s: line %d: expected 'key' = 'value' in WITH", table, body[k].Pos.Line)
			}
			orig = append(orig, option{body[k].StringValue(src), body[k+2].StringValue(src)})
			k += 3
			if k < len(body) {
				if body[k].Kind != flinksql.TokOp || body[k].Ch != ',' {
					return rendered{}, fmt.Errorf("DDL of table %s: line %d: expected ',' between WITH options", table, body[k].Pos.Line)
				}
				k++
			}
		}
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
		for _, o := range orig {
			if o.key == "connector" {
				connector = o.value
			}
		}
	}
	dropKey := false
	if connector == "upsert-kafka" && !hasPK {
		warnings = append(warnings, fmt.Sprintf("table %s has no PRIMARY KEY: connector 'kafka' (append-only) instead of 'upsert-kafka'", table))
		connector = "kafka"
		if _, ok := set["connector"]; ok {
			set["connector"] = "kafka"
		}
		delete(set, "key.format")
		dropKey = true
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

	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// connector first, as people write it.
	sort.SliceStable(keys, func(i, j int) bool { return keys[i] == "connector" && keys[j] != "connector" })
	kept := make([]option, 0, len(keys)+len(orig))
	for _, k := range keys {
		kept = append(kept, option{k, set[k]})
	}
	for _, o := range orig {
		if v, ok := set[o.key]; ok {
			if v != o.value {
				warnings = append(warnings, fmt.Sprintf("table %s: option '%s' = '%s' replaced by '%s'", table, o.key, o.value, v))
			}
			continue
		}
		why := ""
		if (o.key == "key.format" || o.key == "value.format" || o.key == "format") && strings.Contains(o.value, "registry") {
			why = "Schema Registry formats are Confluent Cloud only"
		}
		for _, r := range rules {
			if why == "" && globMatch(r.pattern, o.key) {
				why = r.why
			}
		}
		if why != "" {
			warnings = append(warnings, fmt.Sprintf("table %s: removed option '%s' (%s)", table, o.key, why))
			continue
		}
		kept = append(kept, o)
	}

	var b strings.Builder
	head := end
	if withTok >= 0 {
		head = toks[withTok].Start
	}
	if distFrom >= 0 && distFrom < head {
		b.Write(src[toks[0].Start:distFrom])
		b.Write(src[distTo:head])
		warnings = append(warnings, fmt.Sprintf("table %s: removed DISTRIBUTED BY clause (open-source Flink has no bucketed tables)", table))
	} else {
		b.Write(src[toks[0].Start:head])
	}
	if len(kept) > 0 {
		if withTok < 0 {
			b.WriteString("\n")
		}
		b.WriteString("WITH (\n")
		for i, o := range kept {
			fmt.Fprintf(&b, "  %s = %s", quoteString(o.key), quoteString(o.value))
			if i < len(kept)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString(")")
	}
	if withTok >= 0 && withClose+1 < len(toks) {
		// Anything after the WITH clause (e.g. LIKE ...) stays as written.
		b.Write(src[toks[withClose].End:end])
	}
	final := make(map[string]string, len(kept))
	for _, o := range kept {
		final[o.key] = o.value
	}
	return rendered{SQL: strings.TrimRight(b.String(), " \t\n"), Warnings: warnings, Options: final}, nil
}

// distributedEnd returns the index of the last token of a DISTRIBUTED BY
// [HASH|RANDOM](cols) [INTO n BUCKETS] or DISTRIBUTED INTO n BUCKETS clause.
func distributedEnd(toks []flinksql.Token, i int) int {
	j := i
	for j+1 < len(toks) {
		next := toks[j+1]
		if next.Kind == flinksql.TokOp && next.Ch == '(' {
			if c := matchParen(toks, j+1); c > 0 {
				j = c
				continue
			}
			return j
		}
		if next.Kw == flinksql.KwWith || next.Kw == flinksql.KwLike || next.Kw == flinksql.KwPartitioned || next.Kw == flinksql.KwComment {
			return j
		}
		j++
		if toks[j].Kw == flinksql.KwBuckets {
			return j
		}
	}
	return j
}

// matchParen returns the index of the ')' closing the '(' at open, or -1.
func matchParen(toks []flinksql.Token, open int) int {
	depth := 0
	for j := open; j < len(toks); j++ {
		if toks[j].Kind != flinksql.TokOp {
			continue
		}
		switch toks[j].Ch {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
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

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

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
