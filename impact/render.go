package impact

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/render"
)

// Formats the report can be written in.
var Formats = []string{"table", "json", "markdown", "mermaid", "dot"}

// Write renders the report in one of Formats; style only matters for
// "table" (render.Box on a terminal, render.Plain in pipes).
func (r Report) Write(w io.Writer, format string, style render.Style) error {
	switch format {
	case "table":
		return r.WriteTable(w, style)
	case "json":
		return r.WriteJSON(w)
	case "markdown":
		return r.WriteMarkdown(w)
	case "mermaid":
		return r.Diagram().Mermaid(w)
	case "dot":
		return r.Diagram().DOT(w)
	}
	return fmt.Errorf("unknown impact format %q (use one of: %s)", format, strings.Join(Formats, ", "))
}

// SummaryLine is e.g. "3 tables changed, 7 impacted (2 cross-product,
// 1 recreate, 4 restart, 2 not redeployed)": the impacted tables by what
// the deploy does to them; the counts in parentheses appear when non-zero.
func (r Report) SummaryLine() string {
	s := r.Summary()
	word := "tables"
	if s.Changed == 1 {
		word = "table"
	}
	line := fmt.Sprintf("%d %s changed, %d impacted", s.Changed, word, s.Impacted)
	var extra []string
	for _, c := range []struct {
		n    int
		what string
	}{
		{s.CrossProduct, "cross-product"},
		{s.Create, "create"},
		{s.Recreate, "recreate"},
		{s.Restart, "restart"},
		{s.Start, "start"},
		{s.Excluded, "excluded"},
		{s.None, "not redeployed"},
		{s.Broken, "broken"},
	} {
		if c.n > 0 {
			extra = append(extra, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	if len(extra) > 0 {
		line += " (" + strings.Join(extra, ", ") + ")"
	}
	return line
}

// WriteJSON writes the report as one indented JSON object.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write impact json: %w", err)
	}
	return nil
}

// WriteTable writes the changed tables, the impacted tables and the
// summary line.
func (r Report) WriteTable(w io.Writer, style render.Style) error {
	var b strings.Builder
	if len(r.Changed) == 0 {
		b.WriteString("No table changed.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("Changed:\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if err := r.changedTable().Write(w, style); err != nil {
		return err
	}
	if len(r.Impacted) > 0 {
		if _, err := io.WriteString(w, "\nImpacted:\n"); err != nil {
			return err
		}
		if err := r.impactedTable().Write(w, style); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "\n"+r.SummaryLine()+".\n")
	return err
}

func (r Report) changedTable() render.Table {
	t := render.Table{Header: []string{"TABLE", "CHANGE", "SCHEMA", "ACTION"}}
	for _, c := range r.Changed {
		change := c.Change
		if c.FormattingOnly {
			change += " (formatting only)"
		}
		t.Add(c.Table, change, schemaCell(c), dash(c.Action))
	}
	return t
}

func (r Report) impactedTable() render.Table {
	t := render.Table{Header: []string{"TABLE", "DEPTH", "FROM", "PRODUCT", "CROSS-PRODUCT", "STATEFUL", "ACTION"}}
	for _, i := range r.Impacted {
		t.Add(i.Table, strconv.Itoa(i.Depth), strings.Join(i.From, ", "), dash(i.Product), yesNo(i.CrossProduct), yesNo(i.Stateful), i.Action)
	}
	return t
}

func schemaCell(c ChangedTable) string {
	if c.Schema == nil {
		if c.Change == string(changes.KindDDL) {
			return "unclassified"
		}
		return "-"
	}
	if len(c.Schema.Reasons) == 0 {
		return c.Schema.Category
	}
	return c.Schema.Category + ": " + strings.Join(c.Schema.Reasons, "; ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// MaxCommentDiagram is the largest diagram (in tables) WriteMarkdown
// embeds: GitHub renders bigger Mermaid graphs unreadably, and comments are
// limited to 65,536 characters.
const MaxCommentDiagram = 100

// ActionsNote says which deploy the actions describe: the change set's
// (`--select state:modified`), or, when a table was selected without a
// known change, a forced redeploy of the selection.
func (r Report) ActionsNote() string {
	for _, c := range r.Changed {
		if c.Change == ChangeSelected {
			return "Actions: what `shiftleft pipeline deploy` of the selected tables with `--force` does, every table running."
		}
	}
	return "Actions: what `shiftleft pipeline deploy --select state:modified` does with the same `--since`, every table running its previous version."
}

// WriteMarkdown writes a pull-request comment: a bold summary line, the
// tables, and a Mermaid diagram with changed tables in red and impacted
// ones in orange.
func (r Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("### Pipeline impact\n\n")
	fmt.Fprintf(&b, "**%s**\n\n", r.SummaryLine())
	if len(r.Changed) == 0 {
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("_" + r.ActionsNote() + "_\n\n")
	if err := r.changedTable().Write(&b, render.Markdown); err != nil {
		return err
	}
	if len(r.Impacted) > 0 {
		b.WriteString("\n")
		if err := r.impactedTable().Write(&b, render.Markdown); err != nil {
			return err
		}
	} else {
		b.WriteString("\nNo downstream table is impacted.\n")
	}
	d := r.Diagram()
	if len(d.Nodes) > MaxCommentDiagram {
		fmt.Fprintf(&b, "\n_The graph of these %d tables is too large for a comment; `shiftleft pipeline impact --format mermaid` writes it._\n", len(d.Nodes))
	} else {
		b.WriteString("\n```mermaid\n")
		if err := d.Mermaid(&b); err != nil {
			return err
		}
		b.WriteString("```\n")
	}
	writeContractsMarkdown(&b, r.Contracts)
	_, err := io.WriteString(w, b.String())
	return err
}

// Diagram classes: changed tables red, impacted orange, deleted dashed
// red, tables to recreate or broken with a thick border, tables the deploy
// leaves alone pale.
var classes = map[string]string{
	"changed":  "fill:#f66,stroke:#900,color:#000",
	"deleted":  "fill:#fcc,stroke:#900,stroke-dasharray:4,color:#000",
	"impacted": "fill:#fa3,stroke:#a60,color:#000",
	"recreate": "fill:#fa3,stroke:#900,stroke-width:3px,color:#000",
	"broken":   "fill:#fa3,stroke:#000,stroke-width:3px,stroke-dasharray:4,color:#000",
	"kept":     "fill:#fed,stroke:#a60,color:#000",
}

// Diagram draws the changed and impacted tables and the edges between
// them, left to right.
func (r Report) Diagram() render.Diagram {
	d := render.Diagram{LeftToRight: true, Classes: classes}
	inGraph := map[string]bool{}
	for _, c := range r.Changed {
		cls, label := "changed", c.Table+" ("+c.Change+")"
		if c.Change == string(changes.KindDeleted) {
			cls = "deleted"
		}
		inGraph[c.Table] = true
		d.Nodes = append(d.Nodes, render.DiagramNode{ID: c.Table, Label: label, Class: cls})
	}
	// Renamed-away names appear only as edge sources: add them as deleted
	// nodes so every edge has both ends.
	for _, i := range r.Impacted {
		inGraph[i.Table] = true
	}
	var extra []string
	for _, e := range r.Edges {
		if !inGraph[e[0]] {
			inGraph[e[0]] = true
			extra = append(extra, e[0])
		}
	}
	for _, n := range extra {
		d.Nodes = append(d.Nodes, render.DiagramNode{ID: n, Label: n + " (old name)", Class: "deleted"})
	}
	for _, i := range r.Impacted {
		cls := "impacted"
		switch i.Action {
		case ActionRecreate:
			cls = "recreate"
		case ActionBroken:
			cls = "broken"
		case ActionNone, ActionExcluded:
			cls = "kept"
		}
		d.Nodes = append(d.Nodes, render.DiagramNode{ID: i.Table, Label: fmt.Sprintf("%s (%s)", i.Table, i.Action), Class: cls})
	}
	d.Edges = append(d.Edges, r.Edges...)
	return d
}
