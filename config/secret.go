package config

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strings"
)

// Mask is what every rendering of a non-empty Secret prints.
const Mask = "****"

// Secret is an API key or secret. Every way the standard library and our
// encoders render a value (fmt verbs, JSON, YAML, slog) prints Mask, so a
// secret cannot leak through an accidental Printf or log call. The only way
// to the value is Reveal, which the HTTP layer calls to build the
// Authorization header.
type Secret string

// Reveal returns the secret value. Call it only where the value is sent.
func (s Secret) Reveal() string { return string(s) }

// String prints Mask ("" for an empty secret, so "is it set?" stays visible).
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return Mask
}

// GoString covers %#v.
func (s Secret) GoString() string { return fmt.Sprintf("config.Secret(%q)", s.String()) }

// Format covers every fmt verb, including %x and %q which would otherwise
// render the underlying string.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", s.String())
	case 'v':
		if f.Flag('#') {
			fmt.Fprint(f, s.GoString())
			return
		}
		fmt.Fprint(f, s.String())
	default:
		fmt.Fprint(f, s.String())
	}
}

// MarshalJSON prints Mask.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprintf("%q", s.String())), nil }

// MarshalText prints Mask (used by encoders that prefer TextMarshaler).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalYAML prints Mask.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// LogValue prints Mask in slog records.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// IsPlaceholder reports whether a value is unset or a template placeholder
// such as <TO_FILL> or <your-key>.
func IsPlaceholder(v string) bool {
	v = strings.TrimSpace(v)
	return v == "" || (strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">"))
}

// minRedactLen is the shortest value the Redactor masks: masking one- or
// two-letter values would shred ordinary text and protect nothing.
const minRedactLen = 4

// basicAuthRE matches a Basic or Bearer credential as servers echo it back
// in error bodies ("Authorization: Basic dXNlcjpwYXNz").
var basicAuthRE = regexp.MustCompile(`(?i)\b(basic|bearer)(\s+)([A-Za-z0-9+/=._~-]{8,})`)

// maskCredentials masks the tokens basicAuthRE finds, but only those that
// look like credentials (a digit or base64 symbol, or long), so prose such
// as "Basic authentication" survives.
func maskCredentials(s string) string {
	return basicAuthRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := basicAuthRE.FindStringSubmatch(m)
		tok := sub[3]
		if len(tok) < 20 && !strings.ContainsAny(tok, "0123456789+/=") {
			return m
		}
		return sub[1] + sub[2] + Mask
	})
}

// Redactor masks known secret values, and the Basic credentials built from
// them, in arbitrary text such as error bodies of servers that echo request
// headers. It is immutable and safe for concurrent use.
type Redactor struct {
	values []string // longest first, so a secret containing another is masked whole
}

// NewRedactor masks the given values and, for every pair (key, secret) given
// in pairs, the base64 Basic credential "key:secret".
func NewRedactor(values []string, pairs ...[2]string) *Redactor {
	seen := map[string]bool{}
	add := func(v string) {
		if len(v) >= minRedactLen && !seen[v] {
			seen[v] = true
		}
	}
	for _, v := range values {
		add(v)
	}
	for _, p := range pairs {
		if p[0] == "" && p[1] == "" {
			continue
		}
		cred := p[0] + ":" + p[1]
		add(base64.StdEncoding.EncodeToString([]byte(cred)))
		add(base64.RawStdEncoding.EncodeToString([]byte(cred)))
		add(base64.URLEncoding.EncodeToString([]byte(cred)))
	}
	r := &Redactor{}
	for v := range seen {
		r.values = append(r.values, v)
	}
	sort.Slice(r.values, func(i, j int) bool {
		if len(r.values[i]) != len(r.values[j]) {
			return len(r.values[i]) > len(r.values[j])
		}
		return r.values[i] < r.values[j]
	})
	return r
}

// Redact returns s with every known secret and every echoed Basic/Bearer
// credential replaced by Mask. Cost: O(len(s) × number of secrets).
func (r *Redactor) Redact(s string) string {
	if r == nil {
		return maskCredentials(s)
	}
	for _, v := range r.values {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Mask)
		}
	}
	return maskCredentials(s)
}
