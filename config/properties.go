package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxPropertiesSize bounds a .properties file; statement properties are a
// handful of lines.
const maxPropertiesSize = 1 << 20

// ReadProperties reads a Java properties file (per-table statement
// properties such as sql-scripts/dml.<table>.properties). A missing file is
// no properties and no error.
func ReadProperties(path string) (map[string]string, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read properties %s: %w", path, err)
	}
	if info.Size() > maxPropertiesSize {
		return nil, fmt.Errorf("read properties %s: larger than %d bytes", path, maxPropertiesSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read properties %s: %w", path, err)
	}
	return ParseProperties(data, path)
}

// ParseProperties parses the Java properties format: one key=value,
// key:value or "key value" per logical line; '#' and '!' start comments;
// a trailing odd backslash continues the line (leading blanks of the next
// line dropped); escapes \t \n \r \f \uXXXX and an escaped separator or
// blank in a key. A later key replaces an earlier one, as in Java. The
// path only names the file in errors, which give the line. Cost: O(n).
func ParseProperties(data []byte, path string) (map[string]string, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: not UTF-8 text", path)
	}
	out := map[string]string{}
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		line := strings.TrimLeft(lines[i], " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		// Join continuation lines.
		for endsWithOddBackslash(line) && i+1 < len(lines) {
			i++
			line = line[:len(line)-1] + strings.TrimLeft(lines[i], " \t\f")
		}
		if endsWithOddBackslash(line) {
			line = line[:len(line)-1]
		}
		key, value := splitProperty(line)
		k, err := unescapeProperty(key)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: key: %v", path, start, err)
		}
		v, err := unescapeProperty(value)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: value of %s: %v", path, start, k, err)
		}
		if k == "" {
			return nil, fmt.Errorf("%s:%d: empty key; write key=value", path, start)
		}
		out[k] = v
	}
	return out, nil
}

func endsWithOddBackslash(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitProperty splits at the first unescaped '=', ':' or blank; blanks
// around the separator are dropped.
func splitProperty(line string) (key, value string) {
	for i := 0; i < len(line); i++ {
		switch c := line[i]; c {
		case '\\':
			i++
		case '=', ':', ' ', '\t', '\f':
			key, rest := line[:i], strings.TrimLeft(line[i:], " \t\f")
			if c == ' ' || c == '\t' || c == '\f' {
				if rest != "" && (rest[0] == '=' || rest[0] == ':') {
					rest = rest[1:]
				}
			} else {
				rest = rest[1:]
			}
			return key, strings.TrimLeft(rest, " \t\f")
		}
	}
	return line, ""
}

func unescapeProperty(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if len(s)-(i+1) < 4 {
				return "", fmt.Errorf(`malformed \uXXXX escape %q`, s[i-1:])
			}
			n, err := strconv.ParseUint(s[i+1:i+5], 16, 16)
			if err != nil {
				return "", fmt.Errorf(`malformed \uXXXX escape %q`, s[i-1:i+5])
			}
			b.WriteRune(rune(n))
			i += 4
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

// MaskSecretProperties copies statement properties with the values of
// sql.secrets.* keys masked, so plans, state files and reports never carry
// them.
func MaskSecretProperties(p map[string]string) map[string]string {
	if p == nil {
		return nil
	}
	out := make(map[string]string, len(p))
	for k, v := range p {
		if strings.HasPrefix(k, "sql.secrets.") {
			v = Mask
		}
		out[k] = v
	}
	return out
}
