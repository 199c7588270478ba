package unittest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// field is one CSV value as written: quoted values are text even when
// empty; an unquoted empty value or NULL is a null.
type field struct {
	text   string
	quoted bool
	col    int
}

// CSVInsert turns a CSV input into one INSERT … VALUES into table, typed
// from the foundation's columns. The first line names the columns (any
// order, a subset; the others get NULL). Values may be plain, "double
// quoted" as in RFC 4180, or 'single quoted' SQL literals as shift_left
// writes them. Each value becomes a literal of its column's type: strings
// quoted, numbers and booleans checked, DATE/TIME/TIMESTAMP literals (an ISO
// 'T' and a trailing Z are accepted), NULL cast to the column's type.
// path is for messages: a bad value is a *pipeline.FileError at its line
// and column. Cost: O(size of the file).
func CSVInsert(path, content, table string, cols []flinksql.Column) (string, error) {
	lines := strings.Split(strings.ReplaceAll(content, "\r\n", "\n"), "\n")
	ferr := func(line, col int, format string, args ...any) error {
		return &pipeline.FileError{Path: path, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
	}
	for i, l := range lines {
		if !utf8.ValidString(l) {
			return "", ferr(i+1, 1, "invalid UTF-8: save the file as UTF-8")
		}
		if k := strings.IndexFunc(l, func(r rune) bool { return r < 0x20 && r != '\t' }); k >= 0 {
			return "", ferr(i+1, k+1, "control byte 0x%02x: not a text file", l[k])
		}
	}
	hdrLine := -1
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			hdrLine = i
			break
		}
	}
	if hdrLine < 0 {
		return "", ferr(0, 0, "empty CSV: the first line names the columns")
	}
	hdr, err := splitCSV(lines[hdrLine])
	if err != nil {
		return "", ferr(hdrLine+1, 1, "%v", err)
	}
	byName := map[string]int{}
	for i, c := range cols {
		byName[strings.ToLower(c.Name)] = i
	}
	pos := make([]int, len(hdr)) // header index → column index
	given := make([]bool, len(cols))
	for i, h := range hdr {
		name := strings.Trim(h.text, "`")
		k, ok := byName[strings.ToLower(name)]
		if !ok {
			return "", ferr(hdrLine+1, h.col, "column %q is not a column of %s (its foundation DDL has %s)", name, table, colNames(cols))
		}
		if given[k] {
			return "", ferr(hdrLine+1, h.col, "column %q given twice", name)
		}
		pos[i], given[k] = k, true
	}
	var rows []string
	for n := hdrLine + 1; n < len(lines); n++ {
		if strings.TrimSpace(lines[n]) == "" {
			continue
		}
		fs, err := splitCSV(lines[n])
		if err != nil {
			return "", ferr(n+1, 1, "%v", err)
		}
		if len(fs) != len(hdr) {
			return "", ferr(n+1, 1, "%d values for %d columns", len(fs), len(hdr))
		}
		vals := make([]string, len(cols))
		for k, c := range cols {
			vals[k] = "CAST(NULL AS " + c.Type + ")"
		}
		for i, f := range fs {
			c := cols[pos[i]]
			v, err := literal(f, c.Type)
			if err != nil {
				return "", ferr(n+1, f.col, "column %s %s: %v", c.Name, c.Type, err)
			}
			vals[pos[i]] = v
		}
		rows = append(rows, "("+strings.Join(vals, ", ")+")")
	}
	if len(rows) == 0 {
		return "", ferr(hdrLine+1, 1, "no rows after the header")
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = "`" + strings.ReplaceAll(c.Name, "`", "``") + "`"
	}
	return "INSERT INTO `" + table + "` (" + strings.Join(names, ", ") + ") VALUES\n" + strings.Join(rows, ",\n"), nil
}

func colNames(cols []flinksql.Column) string {
	n := make([]string, len(cols))
	for i, c := range cols {
		n[i] = c.Name
	}
	return strings.Join(n, ", ")
}

// splitCSV splits one line at commas outside quotes.
func splitCSV(line string) ([]field, error) {
	var out []field
	i := 0
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		f := field{col: i + 1}
		if i < len(line) && (line[i] == '\'' || line[i] == '"') {
			q := line[i]
			var sb strings.Builder
			j := i + 1
			closed := false
			for j < len(line) {
				if line[j] == q {
					if j+1 < len(line) && line[j+1] == q {
						sb.WriteByte(q)
						j += 2
						continue
					}
					closed = true
					j++
					break
				}
				sb.WriteByte(line[j])
				j++
			}
			if !closed {
				return nil, fmt.Errorf("column %d: unterminated %c quote", f.col, q)
			}
			f.text, f.quoted = sb.String(), true
			for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
				j++
			}
			if j < len(line) && line[j] != ',' {
				return nil, fmt.Errorf("column %d: text after a closing quote", j+1)
			}
			i = j
		} else {
			j := strings.IndexByte(line[i:], ',')
			if j < 0 {
				j = len(line) - i
			}
			f.text = strings.TrimSpace(line[i : i+j])
			i += j
		}
		out = append(out, f)
		if i >= len(line) {
			return out, nil
		}
		i++ // the comma
	}
}

var (
	dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	timeRE = regexp.MustCompile(`^\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$`)
	tsRE   = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?$`)
)

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// literal is the SQL literal of a CSV value for a column type.
func literal(f field, typ string) (string, error) {
	if !f.quoted && (f.text == "" || strings.EqualFold(f.text, "null")) {
		return "CAST(NULL AS " + typ + ")", nil
	}
	base := strings.ToUpper(typ)
	if i := strings.IndexAny(base, "( "); i >= 0 {
		base = base[:i]
	}
	v := f.text
	switch base {
	case "STRING", "VARCHAR", "CHAR":
		return quote(v), nil
	case "TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT":
		if _, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil {
			return "", fmt.Errorf("%s is not an integer", quote(v))
		}
		return "CAST(" + strings.TrimSpace(v) + " AS " + typ + ")", nil
	case "DECIMAL", "DEC", "NUMERIC", "FLOAT", "DOUBLE", "REAL":
		if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
			return "", fmt.Errorf("%s is not a number", quote(v))
		}
		return "CAST(" + strings.TrimSpace(v) + " AS " + typ + ")", nil
	case "BOOLEAN":
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "1":
			return "TRUE", nil
		case "false", "0":
			return "FALSE", nil
		}
		return "", fmt.Errorf("%s is not a boolean (true or false)", quote(v))
	case "DATE":
		if !dateRE.MatchString(v) {
			return "", fmt.Errorf("%s is not a date (YYYY-MM-DD)", quote(v))
		}
		return "DATE " + quote(v), nil
	case "TIME":
		if !timeRE.MatchString(v) {
			return "", fmt.Errorf("%s is not a time (HH:MM:SS)", quote(v))
		}
		return "TIME " + quote(v), nil
	case "TIMESTAMP", "TIMESTAMP_LTZ":
		m := tsRE.FindStringSubmatch(v)
		if m == nil {
			return "", fmt.Errorf("%s is not a timestamp (YYYY-MM-DD HH:MM:SS[.fff])", quote(v))
		}
		ts := "TIMESTAMP " + quote(m[1]+" "+m[2])
		if base == "TIMESTAMP_LTZ" || strings.Contains(strings.ToUpper(typ), "LOCAL TIME ZONE") {
			// The value is taken as UTC; the zone given is not applied.
			return "CAST(" + ts + " AS " + typ + ")", nil
		}
		return ts, nil
	}
	// ARRAY, MAP, ROW, BYTES…: an unquoted value is an expression, a
	// quoted one is cast.
	if f.quoted {
		return "CAST(" + quote(v) + " AS " + typ + ")", nil
	}
	return v, nil
}
