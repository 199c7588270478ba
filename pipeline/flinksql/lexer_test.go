package flinksql

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestLexTokens(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // kind:text@line:col
	}{
		{
			name: "keywords identifiers punctuation",
			src:  "select a.b, `c d` from t;",
			want: []string{"kw:select@1:1", "id:a@1:8", "op:.@1:9", "id:b@1:10", "op:,@1:11", "qid:`c d`@1:13", "kw:from@1:19", "id:t@1:24", "op:;@1:25"},
		},
		{
			name: "comments dropped, positions across lines",
			src:  "-- head\n/* a\n b */ x -- tail\n  y",
			want: []string{"id:x@3:7", "id:y@4:3"},
		},
		{
			name: "strings with doubled quotes and newlines",
			src:  "'it''s'\n'a\nb' z",
			want: []string{"str:'it''s'@1:1", "str:'a\nb'@2:1", "id:z@3:4"},
		},
		{
			name: "E-string with backslash escape",
			src:  `E'a\'b' e`,
			want: []string{`str:E'a\'b'@1:1`, "id:e@1:9"},
		},
		{
			name: "U+FEFF between tokens is white space, inside an identifier a letter",
			src:  "a \ufeffb c\ufeffd",
			want: []string{"id:a@1:1", "id:b@1:4", "id:c\ufeffd@1:6"},
		},
		{
			name: "doubled backquote",
			src:  "`a``b`.c",
			want: []string{"qid:`a``b`@1:1", "op:.@1:7", "id:c@1:8"},
		},
		{
			name: "numbers",
			src:  "1 2.5 .5 1e3 1.5E-2 3.",
			want: []string{"num:1@1:1", "num:2.5@1:3", "num:.5@1:7", "num:1e3@1:10", "num:1.5E-2@1:14", "num:3.@1:21"},
		},
		{
			name: "two-character operators",
			src:  "a<=b<>c||d=>e!=f>=g::h->i",
			want: []string{"id:a@1:1", "op:<=@1:2", "id:b@1:4", "op:<>@1:5", "id:c@1:7", "op:||@1:8", "id:d@1:10", "op:=>@1:11", "id:e@1:13", "op:!=@1:14", "id:f@1:16", "op:>=@1:17", "id:g@1:19", "op:::@1:20", "id:h@1:22", "op:->@1:23", "id:i@1:25"},
		},
		{
			name: "columns count runes",
			src:  "'é€' x\n日本 y",
			want: []string{"str:'é€'@1:1", "id:x@1:6", "id:日本@2:1", "id:y@2:4"},
		},
		{
			name: "byte order mark skipped",
			src:  "\xEF\xBB\xBFselect",
			want: []string{"kw:select@1:1"},
		},
		{
			name: "dollar inside identifiers",
			src:  "$rowtime a$b",
			want: []string{"op:$@1:1", "id:rowtime@1:2", "id:a$b@1:10"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toks, err := Lex([]byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tok := range toks {
				got = append(got, describe([]byte(tt.src), tok))
			}
			if strings.Join(got, " | ") != strings.Join(tt.want, " | ") {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func describe(src []byte, t Token) string {
	kind := map[TokenKind]string{TokIdent: "id", TokQuotedIdent: "qid", TokString: "str", TokNumber: "num", TokOp: "op"}[t.Kind]
	if t.Kind == TokIdent && t.Kw != KwNone {
		kind = "kw"
	}
	return fmt.Sprintf("%s:%s@%d:%d", kind, t.Text(src), t.Pos.Line, t.Pos.Col)
}

func TestLexErrors(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		line, col int
		msg       string
	}{
		{"empty", "", 1, 1, "no SQL statement"},
		{"blank", "  \n\t\n", 3, 1, "no SQL statement"},
		{"comment only", "-- x\n/* y */", 2, 8, "no SQL statement"},
		{"unterminated string", "select\n  'abc", 2, 3, "unterminated string literal"},
		{"unterminated string ends in doubled quote", "x 'ab''", 1, 3, "unterminated string literal"},
		{"unterminated double-quoted string", `x "ab`, 1, 3, "unterminated string literal"},
		{"unterminated E-string", `x E'ab\'`, 1, 3, "unterminated string literal"},
		{"unterminated comment", "a\nb /* c\n d", 2, 3, "unterminated /* comment"},
		{"unterminated quoted identifier", "from `cat`.`db", 1, 12, "unterminated quoted identifier"},
		{"NUL byte", "select\n a\x00b", 2, 3, "NUL byte"},
		{"control byte", "select \x01", 1, 8, "control byte 0x01"},
		{"invalid UTF-8", "select 'é\xff'", 1, 10, "invalid UTF-8"},
		{"truncated UTF-8", "ab\n\xe2\x82", 2, 1, "invalid UTF-8"},
		// Past the first words read eight bytes at a time, at each offset
		// within a word.
		{"NUL after long ASCII", "select abcdefghijklmnopqrstuvwxyz\x00", 1, 34, "NUL byte"},
		{"control byte at a word's last byte", "select abcdefghijklmnop\x1f", 1, 24, "control byte 0x1f"},
		{"control byte at a word's first byte", "select a\x02", 1, 9, "control byte 0x02"},
		{"invalid UTF-8 after long ASCII", "select 'abcdefghijklmnopq\xc0'", 1, 26, "invalid UTF-8"},
		{"a byte order mark mid-file is white space", " \ufeff", 1, 3, "no SQL statement"},
		{"DEL and tabs are fine, then 0x07", "select\t'\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f'\x07", 1, 18, "control byte 0x07"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Lex([]byte(tt.src))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *SyntaxError", err, err)
			}
			if se.Pos.Line != tt.line || se.Pos.Col != tt.col || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("got %d:%d %q, want %d:%d containing %q", se.Pos.Line, se.Pos.Col, se.Msg, tt.line, tt.col, tt.msg)
			}
		})
	}
}

func TestLexerReusesBuffer(t *testing.T) {
	var l Lexer
	src := []byte("select a, b from t where x = 'y'")
	if _, err := l.Lex(src); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := l.Lex(src); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Lexer.Lex allocates %.0f times per call on a warm buffer, want 0", allocs)
	}
}

func TestTokenValues(t *testing.T) {
	src := []byte("`a``b` 'it''s' \"say \"\"hi\"\"\" E'x\\ny\\'z' plain")
	toks, err := Lex(src)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{toks[0].IdentValue(src), toks[1].StringValue(src), toks[2].StringValue(src), toks[3].StringValue(src), toks[4].IdentValue(src)}
	want := []string{"a`b", "it's", `say "hi"`, "x\ny'z", "plain"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("value %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestPosAt(t *testing.T) {
	src := []byte("ab\ncdé\nf")
	for _, tt := range []struct {
		off       int
		line, col int
	}{{0, 1, 1}, {2, 1, 3}, {3, 2, 1}, {7, 2, 4}, {8, 3, 1}, {100, 3, 2}} {
		if p := PosAt(src, tt.off); p.Line != tt.line || p.Col != tt.col {
			t.Errorf("PosAt(%d) = %d:%d, want %d:%d", tt.off, p.Line, p.Col, tt.line, tt.col)
		}
	}
	withBOM := []byte("\xEF\xBB\xBFab \x00")
	if p := PosAt(withBOM, 6); p != (Pos{1, 4}) {
		t.Errorf("PosAt after a byte order mark = %+v, want 1:4", p)
	}
	if _, err := Lex(withBOM); err == nil || err.Error() != "line 1, column 4: NUL byte: not a SQL text file (binary?)" {
		t.Errorf("NUL after a byte order mark: %v", err)
	}
}

func TestKeywordTable(t *testing.T) {
	seen := map[Keyword]bool{}
	for _, k := range kwTable {
		if len(k.word) > maxKwLen {
			t.Errorf("%s is longer than maxKwLen %d: the lexer would never find it", k.word, maxKwLen)
		}
		if seen[k.kw] {
			t.Errorf("%s: keyword listed twice", k.word)
		}
		seen[k.kw] = true
		if got := lookupKeyword([]byte(strings.ToLower(k.word))); got != k.kw {
			t.Errorf("lookupKeyword(%q) = %v, want %v", strings.ToLower(k.word), got, k.kw)
		}
	}
	for k := KwNone + 1; k < kwCount; k++ {
		if !seen[k] {
			t.Errorf("keyword %d has no spelling in kwTable", k)
		}
	}
}
