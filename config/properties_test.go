package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseProperties(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
		err  string
	}{
		{"empty", "", map[string]string{}, ""},
		{"forms", "a=1\nb: 2\nc 3\nd = 4\ne\t:\t5\n", map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}, ""},
		{"comments and blanks", "# c\n! c\n\n   \nsql.state-ttl=1 d\n", map[string]string{"sql.state-ttl": "1 d"}, ""},
		{"value keeps separators", "url=jdbc:x=y\n", map[string]string{"url": "jdbc:x=y"}, ""},
		{"empty value", "k=\nk2\n", map[string]string{"k": "", "k2": ""}, ""},
		{"continuation", "k=a,\\\n    b,\\\n    c\n", map[string]string{"k": "a,b,c"}, ""},
		{"escaped backslash is no continuation", "k=a\\\\\nj=b\n", map[string]string{"k": `a\`, "j": "b"}, ""},
		{"escapes", `k=tab\there\u00e9\n` + "\n" + `a\=b=c` + "\n" + `x\ y=z`, map[string]string{"k": "tab\there\u00e9\n", "a=b": "c", "x y": "z"}, ""},
		{"last wins", "k=1\nk=2\n", map[string]string{"k": "2"}, ""},
		{"crlf", "a=1\r\nb=2\r\n", map[string]string{"a": "1", "b": "2"}, ""},
		{"bad unicode escape", "k=\\u12\n", nil, "p.properties:1: value of k: malformed"},
		{"bad hex", "k=\\uZZZZ\n", nil, "p.properties:1: value of k: malformed"},
		{"empty key", "=v\n", nil, "p.properties:1: empty key"},
		{"not utf-8", "k=\xff\n", nil, "not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProperties([]byte(tt.in), "p.properties")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestReadProperties(t *testing.T) {
	dir := t.TempDir()
	got, err := ReadProperties(filepath.Join(dir, "missing.properties"))
	if got != nil || err != nil {
		t.Errorf("missing file: %v, %v", got, err)
	}
	p := filepath.Join(dir, "dml.t.properties")
	os.WriteFile(p, []byte("sql.state-ttl=2 d\n"), 0o644)
	got, err = ReadProperties(p)
	if err != nil || got["sql.state-ttl"] != "2 d" {
		t.Errorf("read: %v, %v", got, err)
	}
	os.WriteFile(p, []byte("k=\\uXY\n"), 0o644)
	if _, err := ReadProperties(p); err == nil || !strings.Contains(err.Error(), p+":1") {
		t.Errorf("error should name the file and line: %v", err)
	}
}

func FuzzParseProperties(f *testing.F) {
	for _, s := range []string{"a=1\nb: 2\nc 3\n", "k=a,\\\n  b\n", `k=\u00e9\t` + "\n", "# c\n! c\n", "\\", "k=\\u", "=\n", "a\\=b=c"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseProperties(data, "fuzz.properties")
		if err != nil {
			return
		}
		for k := range m {
			if k == "" {
				t.Fatalf("empty key accepted from %q", data)
			}
		}
	})
}
