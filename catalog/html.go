package catalog

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strings"
)

// The page is three hand-written files put together at write time: the
// HTML skeleton, its style and its script (plain JavaScript and SVG, no
// framework), so the written file needs nothing but a browser.
var (
	//go:embed assets/page.html
	pageHTML string
	//go:embed assets/style.css
	pageCSS string
	//go:embed assets/app.js
	pageJS string
)

// The skeleton's placeholders.
const (
	phTitle  = "{{TITLE}}"
	phStyle  = "{{STYLE}}"
	phScript = "{{SCRIPT}}"
	phData   = "{{DATA}}"
)

// WriteHTML writes the catalog as one self-contained HTML page: style,
// script and data inline, no resource fetched from the network.
//
// The data is JSON inside a <script type="application/json"> element.
// encoding/json escapes <, > and & as \u003c, \u003e and \u0026 (and
// U+2028, U+2029), so no table name or SQL text can close the element
// ("</script>") or open a comment in it. Cost: one JSON encoding of the
// catalog, linear in its size (the SQL text dominates).
func WriteHTML(w io.Writer, c *Catalog) error {
	data, err := JSON(c)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	title := html.EscapeString(c.Title)
	rest := pageHTML
	for rest != "" {
		at := strings.Index(rest, "{{")
		if at < 0 {
			bw.WriteString(rest)
			break
		}
		bw.WriteString(rest[:at])
		rest = rest[at:]
		switch {
		case strings.HasPrefix(rest, phTitle):
			bw.WriteString(title)
			rest = rest[len(phTitle):]
		case strings.HasPrefix(rest, phStyle):
			bw.WriteString(pageCSS)
			rest = rest[len(phStyle):]
		case strings.HasPrefix(rest, phScript):
			bw.WriteString(pageJS)
			rest = rest[len(phScript):]
		case strings.HasPrefix(rest, phData):
			bw.Write(data)
			rest = rest[len(phData):]
		default:
			bw.WriteString("{{")
			rest = rest[2:]
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write catalog page: %w", err)
	}
	return nil
}

// JSON is the catalog's data as the page embeds it, HTML-safe (see
// WriteHTML), without a trailing newline.
func JSON(c *Catalog) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("encode catalog: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
