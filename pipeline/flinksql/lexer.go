package flinksql

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// TokenKind classifies a token.
type TokenKind uint8

const (
	// TokIdent is a bare identifier; Token.Kw says whether it is a keyword.
	TokIdent TokenKind = iota + 1
	// TokQuotedIdent is a backquoted identifier (`a``b`).
	TokQuotedIdent
	// TokString is a string literal: '…' (” escapes), "…" or E'…'
	// (backslash escapes).
	TokString
	// TokNumber is a numeric literal (12, 1.5, .5, 1e-3).
	TokNumber
	// TokOp is punctuation or an operator; Token.Ch holds single-character
	// ones.
	TokOp
)

// Token is one lexical token. It holds offsets, not text: use Text,
// IdentValue or StringValue with the source to materialise values.
type Token struct {
	Kind TokenKind
	Ch   byte    // the character of a single-character TokOp, else 0
	Kw   Keyword // for TokIdent, KwNone when not a keyword
	// Start and End are byte offsets into the source: src[Start:End].
	Start, End int
	Pos        Pos
}

// Text is the token exactly as written.
func (t Token) Text(src []byte) string { return string(src[t.Start:t.End]) }

// IdentValue is the identifier's name: the text of a bare identifier, or a
// quoted one without its backquotes and with doubled backquotes unescaped.
func (t Token) IdentValue(src []byte) string {
	return strings.Clone(identValue(t, bytesAsString(src)))
}

// StringValue is the value of a string literal without quotes and escapes.
// For other tokens it is the text.
func (t Token) StringValue(src []byte) string {
	return strings.Clone(stringValue(t, bytesAsString(src)))
}

// identValue is IdentValue on the source as a string; the result is a
// substring of text unless it needed unescaping.
func identValue(t Token, text string) string {
	if t.Kind != TokQuotedIdent {
		return text[t.Start:t.End]
	}
	body := text[t.Start+1 : t.End-1]
	if strings.IndexByte(body, '`') < 0 {
		return body
	}
	return strings.ReplaceAll(body, "``", "`")
}

// stringValue is StringValue on the source as a string; the result is a
// substring of text unless it needed unescaping.
func stringValue(t Token, text string) string {
	if t.Kind != TokString {
		return text[t.Start:t.End]
	}
	q := text[t.Start]
	if q == 'E' || q == 'e' {
		return unescapeBackslash(text[t.Start+2 : t.End-1])
	}
	body := text[t.Start+1 : t.End-1]
	if strings.IndexByte(body, q) < 0 {
		return body
	}
	return strings.ReplaceAll(body, string([]byte{q, q}), string(q))
}

// bytesAsString views b as a string without copying; the caller must not
// keep the result (or a substring) past the next change of b.
func bytesAsString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// stringAsBytes views s as a byte slice without copying, for the lexer,
// which only reads its input.
func stringAsBytes(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

func unescapeBackslash(b string) string {
	if strings.IndexByte(b, '\\') < 0 && strings.IndexByte(b, '\'') < 0 {
		return b
	}
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '\\' && i+1 < len(b):
			i++
			switch b[i] {
			case 'n':
				sb.WriteByte('\n')
			case 't':
				sb.WriteByte('\t')
			case 'r':
				sb.WriteByte('\r')
			default:
				sb.WriteByte(b[i])
			}
		case c == '\'' && i+1 < len(b) && b[i+1] == '\'':
			sb.WriteByte('\'')
			i++
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// is reports whether t is the single-character punctuation c.
func (t *Token) is(c byte) bool { return t.Ch == c && t.Kind == TokOp }

// Lexer tokenizes sources into a buffer it reuses, so that scanning many
// files allocates almost nothing. The zero value is ready to use; a Lexer
// is not safe for concurrent use.
type Lexer struct {
	buf []Token
}

// Lex tokenizes src. The returned slice is reused by the next call.
func (l *Lexer) Lex(src []byte) ([]Token, error) {
	toks, err := AppendTokens(l.buf[:0], src)
	l.buf = toks[:0]
	return toks, err
}

// Lex tokenizes src (comments and white space are dropped). Errors are
// *SyntaxError. Cost: two linear passes over src (validation, then
// tokens), one allocation for the token slice.
func Lex(src []byte) ([]Token, error) {
	return AppendTokens(make([]Token, 0, len(src)/5+8), src)
}

// AppendTokens appends the tokens of src to dst and returns the extended
// slice. Input that is not UTF-8, holds NUL or other control bytes, has an
// unterminated string, comment or quoted identifier, or has no token at all
// is an error (*SyntaxError with the position of the problem).
func AppendTokens(dst []Token, src []byte) ([]Token, error) {
	if err := validate(src); err != nil {
		return dst, err
	}
	first := len(dst)
	n := len(src)
	i := 0
	if bytes.HasPrefix(src, bom) {
		i = 3
	}
	line := 1
	// Columns count runes; cOff/cCol is the last position computed on the
	// current line, so each byte is counted once: O(n) overall.
	cOff, cCol := 0, 1
	if i == 3 {
		cOff = 3
	}
	newlines := func(from, to int) {
		if k := bytes.LastIndexByte(src[from:to], '\n'); k >= 0 {
			line += bytes.Count(src[from:to], []byte{'\n'})
			cOff, cCol = from+k+1, 1
		}
	}
	posOf := func(off int) Pos {
		cCol += utf8.RuneCount(src[cOff:off])
		cOff = off
		return Pos{Line: line, Col: cCol}
	}
	for i < n {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '\n':
			i++
			line++
			cOff, cCol = i, 1
		case c == 0xEF && i+2 < n && src[i+1] == 0xBB && src[i+2] == 0xBF:
			// U+FEFF between tokens (a byte order mark pasted mid-file, a
			// zero-width no-break space) is white space: as an identifier
			// it would vanish when normalization moves it to the start,
			// where it reads as the file's byte order mark.
			i += 3
		case c == '-' && i+1 < n && src[i+1] == '-':
			k := bytes.IndexByte(src[i:], '\n')
			if k < 0 {
				i = n
			} else {
				i += k // the newline itself is handled above
			}
		case c == '/' && i+1 < n && src[i+1] == '*':
			k := bytes.Index(src[i+2:], []byte("*/"))
			if k < 0 {
				return dst, &SyntaxError{Pos: posOf(i), Msg: "unterminated /* comment: add the closing */"}
			}
			end := i + 2 + k + 2
			newlines(i, end)
			i = end
		case isIdentStart(c):
			j := i + 1
			for j < n && isIdentPart(src[j]) {
				j++
			}
			if j == i+1 && (c == 'E' || c == 'e') && j < n && src[j] == '\'' {
				p := posOf(i)
				end, ok := scanEString(src, j)
				if !ok {
					return dst, &SyntaxError{Pos: p, Msg: "unterminated string literal: add the closing '"}
				}
				newlines(i, end)
				dst = append(dst, Token{Kind: TokString, Start: i, End: end, Pos: p})
				i = end
				continue
			}
			dst = append(dst, Token{Kind: TokIdent, Kw: lookupKeyword(src[i:j]), Start: i, End: j, Pos: posOf(i)})
			i = j
		case c >= '0' && c <= '9' || c == '.' && i+1 < n && src[i+1] >= '0' && src[i+1] <= '9':
			j := scanNumber(src, i)
			dst = append(dst, Token{Kind: TokNumber, Start: i, End: j, Pos: posOf(i)})
			i = j
		case c == '\'' || c == '"' || c == '`':
			p := posOf(i)
			end, ok := scanQuoted(src, i, c)
			if !ok {
				if c == '`' {
					return dst, &SyntaxError{Pos: p, Msg: "unterminated quoted identifier: add the closing `"}
				}
				return dst, diagnoseQuote(src, dst[first:], i, c, p)
			}
			newlines(i, end)
			kind := TokString
			if c == '`' {
				kind = TokQuotedIdent
			}
			dst = append(dst, Token{Kind: kind, Start: i, End: end, Pos: p})
			i = end
		default:
			j := i + 1
			var ch byte = c
			if j < n && isTwoCharOp(c, src[j]) {
				j++
				ch = 0
			}
			dst = append(dst, Token{Kind: TokOp, Ch: ch, Start: i, End: j, Pos: posOf(i)})
			i = j
		}
	}
	if len(dst) == first {
		return dst, &SyntaxError{Pos: posOf(n), Msg: "no SQL statement (the file is empty or holds only comments)"}
	}
	return dst, nil
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= utf8.RuneSelf
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '$'
}

func isTwoCharOp(a, b byte) bool {
	switch a {
	case '<':
		return b == '=' || b == '>'
	case '>', '!':
		return b == '='
	case '|':
		return b == '|'
	case '=':
		return b == '>'
	case ':':
		return b == ':'
	case '-':
		return b == '>'
	}
	return false
}

// scanQuoted returns the end of the quoted token starting at src[i] == q;
// a doubled quote is an escaped quote.
func scanQuoted(src []byte, i int, q byte) (int, bool) {
	j := i + 1
	for {
		k := bytes.IndexByte(src[j:], q)
		if k < 0 {
			return 0, false
		}
		j += k + 1
		if j < len(src) && src[j] == q {
			j++
			continue
		}
		return j, true
	}
}

// scanEString scans E'…' from the quote at src[j]: backslash escapes and
// doubled quotes.
func scanEString(src []byte, j int) (int, bool) {
	for j++; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case '\'':
			if j+1 < len(src) && src[j+1] == '\'' {
				j++
				continue
			}
			return j + 1, true
		}
	}
	return 0, false
}

func scanNumber(src []byte, i int) int {
	n := len(src)
	j := i
	for j < n && src[j] >= '0' && src[j] <= '9' {
		j++
	}
	if j < n && src[j] == '.' && (j+1 >= n || src[j+1] != '.') {
		j++
		for j < n && src[j] >= '0' && src[j] <= '9' {
			j++
		}
	}
	if j < n && (src[j] == 'e' || src[j] == 'E') {
		k := j + 1
		if k < n && (src[k] == '+' || src[k] == '-') {
			k++
		}
		if k < n && src[k] >= '0' && src[k] <= '9' {
			for k < n && src[k] >= '0' && src[k] <= '9' {
				k++
			}
			j = k
		}
	}
	return j
}

// validate rejects bytes that cannot be SQL text: invalid UTF-8, NUL and
// other control characters (a binary file). One pass, ASCII fast path.
func validate(src []byte) error {
	for i := 0; i < len(src); {
		// Eight bytes at a time while they are printable ASCII (no byte
		// below 0x20, none from 0x80): most of a SQL file.
		for i+8 <= len(src) {
			w := binary.LittleEndian.Uint64(src[i:])
			const lo, hi = 0x2020202020202020, 0x8080808080808080
			if (w|(w-lo))&hi != 0 {
				break
			}
			i += 8
		}
		if i >= len(src) {
			break
		}
		c := src[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' {
				msg := fmt.Sprintf("control byte 0x%02x: not a SQL text file (binary?)", c)
				if c == 0 {
					msg = "NUL byte: not a SQL text file (binary?)"
				}
				return &SyntaxError{Pos: PosAt(src, i), Msg: msg}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size <= 1 {
			return &SyntaxError{Pos: PosAt(src, i), Msg: "invalid UTF-8: save the file as UTF-8"}
		}
		i += size
	}
	return nil
}

// bom is the UTF-8 byte order mark some editors write first; it is skipped.
var bom = []byte{0xEF, 0xBB, 0xBF}

// PosAt computes the line and column (in runes) of a byte offset. It scans
// src from the start: O(off), meant for error reports.
func PosAt(src []byte, off int) Pos {
	if off > len(src) {
		off = len(src)
	}
	line := 1 + bytes.Count(src[:off], []byte{'\n'})
	ls := bytes.LastIndexByte(src[:off], '\n') + 1
	if ls == 0 && off >= 3 && bytes.HasPrefix(src, bom) {
		ls = 3 // the byte order mark takes no column
	}
	return Pos{Line: line, Col: 1 + utf8.RuneCount(src[ls:off])}
}
