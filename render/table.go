// Package render draws reports: tables (tablewriter on a terminal, aligned
// plain text in pipes and golden files, Markdown for pull requests), and
// the tree, DOT and Mermaid helpers the reports share. It keeps
// tablewriter, whose API changes between releases, behind one small type.
package render

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Style chooses how a table is drawn.
type Style int

const (
	// Plain is aligned columns separated by two spaces, no borders: stable
	// for pipes, grep and golden files.
	Plain Style = iota
	// Box draws Unicode borders, for terminals.
	Box
	// Markdown is a GitHub-flavoured Markdown table.
	Markdown
)

// StyleFor picks Box on a terminal and Plain otherwise.
func StyleFor(terminal bool) Style {
	if terminal {
		return Box
	}
	return Plain
}

// Table is a header and rows of cells. Header titles are drawn upper-case
// in every style, whatever case the caller wrote them in: one convention
// for every command's tables.
type Table struct {
	Header []string
	Rows   [][]string
}

// Add appends a row (the slice is copied: tablewriter keeps references).
func (t *Table) Add(cells ...string) { t.Rows = append(t.Rows, append([]string(nil), cells...)) }

// Write draws the table in the given style.
func (t Table) Write(w io.Writer, style Style) error {
	header := make([]string, len(t.Header))
	for i, h := range t.Header {
		header[i] = strings.ToUpper(h)
	}
	t.Header = header
	switch style {
	case Box:
		return t.writeTablewriter(w, renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleLight)}))
	case Markdown:
		return t.writeMarkdown(w)
	default:
		return t.writePlain(w)
	}
}

func (t Table) writeTablewriter(w io.Writer, r tw.Renderer) error {
	tbl := tablewriter.NewTable(w,
		tablewriter.WithRenderer(r),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
	tbl.Header(toAny(t.Header)...)
	for _, row := range t.Rows {
		if err := tbl.Append(toAny(row)...); err != nil {
			return fmt.Errorf("render table: %w", err)
		}
	}
	if err := tbl.Render(); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	return nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func (t Table) widths() []int {
	n := len(t.Header)
	for _, r := range t.Rows {
		if len(r) > n {
			n = len(r)
		}
	}
	wd := make([]int, n)
	measure := func(row []string) {
		for i, c := range row {
			if l := utf8.RuneCountInString(c); l > wd[i] {
				wd[i] = l
			}
		}
	}
	measure(t.Header)
	for _, r := range t.Rows {
		measure(r)
	}
	return wd
}

func (t Table) writePlain(w io.Writer) error {
	wd := t.widths()
	var b strings.Builder
	line := func(row []string) {
		for i, c := range row {
			b.WriteString(c)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", wd[i]-utf8.RuneCountInString(c)+2))
			}
		}
		b.WriteString("\n")
	}
	if len(t.Header) > 0 {
		line(t.Header)
	}
	for _, r := range t.Rows {
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (t Table) writeMarkdown(w io.Writer) error {
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	var b strings.Builder
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + esc(c) + " |")
		}
		b.WriteString("\n")
	}
	row(t.Header)
	b.WriteString("|")
	for range t.Header {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, r := range t.Rows {
		row(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
