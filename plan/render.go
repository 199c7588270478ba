package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// symbols of the text rendering, Terraform style.
var symbols = []struct {
	action Action
	symbol string
	legend string
}{
	{ActionCreate, "+", "create: create the table, start its dml (a table created here is dropped again if its dml fails to start)"},
	{ActionRecreate, "-/+", "recreate: drop the table, create it again, start its dml"},
	{ActionRestart, "~", "restart: stop the running dml, start the new one"},
	{ActionStart, ">", "start: start the dml of an existing table"},
	{ActionDrop, "-", "drop: delete the dml, drop the table"},
	{ActionKeep, "!", "keep: still read by running pipelines outside the selection"},
	{ActionExcluded, "x", "excluded: matched by --exclude; never run"},
	{ActionNone, "=", "unchanged"},
}

func symbolOf(a Action) string {
	for _, s := range symbols {
		if s.action == a {
			return s.symbol
		}
	}
	return "?"
}

// TextOptions tune the text rendering.
type TextOptions struct {
	// HideUnchanged leaves out the lines of steps that do not act.
	HideUnchanged bool
}

// WriteText renders the plan like Terraform: a legend of the symbols used,
// one line per table in dependency order (symbol, table, product,
// statements, reason, then its warnings), and a summary line.
func WriteText(w io.Writer, p *Plan, opts TextOptions) error {
	used := map[Action]bool{}
	for _, s := range p.Steps {
		used[s.Action] = true
	}
	var b strings.Builder
	what := "Deploy plan"
	if p.Kind == KindUndeploy {
		what = "Undeploy plan"
	}
	fmt.Fprintf(&b, "%s for target %s, environment %s.\n", what, p.Target, p.Environment)
	var shown []*Step
	for i := range p.Steps {
		if s := &p.Steps[i]; !(opts.HideUnchanged && s.Action == ActionNone) {
			shown = append(shown, s)
		}
	}
	if len(p.Steps) == 0 {
		b.WriteString("No tables selected.\n")
	}
	if len(shown) > 0 {
		b.WriteString("Symbols:\n")
		for _, s := range symbols {
			if used[s.action] && !(opts.HideUnchanged && s.action == ActionNone) {
				fmt.Fprintf(&b, "  %-3s %s\n", s.symbol, s.legend)
			}
		}
		b.WriteString("\n")
		// Four aligned columns (symbol, table, product, statements) and
		// the reason, as text/tabwriter would lay them out with padding 2;
		// done by hand because tabwriter was a tenth of a 50,000-table
		// plan command.
		rows := make([][5]string, 0, len(shown))
		for _, s := range shown {
			names := make([]string, 0, len(s.Statements)+1)
			if s.Drop != "" && (s.Action == ActionRecreate || s.Action == ActionDrop) {
				names = append(names, s.Drop)
			}
			for _, st := range s.Statements {
				names = append(names, st.Name)
			}
			stmts := strings.Join(names, ",")
			if stmts == "" {
				stmts = "-"
			}
			product := s.Product
			if product == "" {
				product = "-"
			}
			rows = append(rows, [5]string{"  " + symbolOf(s.Action), s.Table, product, stmts, s.Reason})
			for _, warn := range s.Warnings {
				rows = append(rows, [5]string{"  ", "", "", "", "warning: " + warn})
			}
		}
		writeColumns(&b, rows)
		b.WriteString("\n")
	}
	writeExternals(&b, p)
	for _, warn := range p.Warnings {
		fmt.Fprintf(&b, "Warning: %s\n", warn)
	}
	if !p.HasChanges() {
		if p.Kind == KindUndeploy {
			b.WriteString("Nothing to undeploy.\n")
		} else {
			b.WriteString("No changes: the target matches the pipelines.\n")
		}
	}
	b.WriteString(SummaryLine(p))
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// SummaryLine is the plan's last line, e.g. "Plan: 2 to create, 3 to
// restart, 1 to recreate, 12 unchanged."; counts that are zero for start
// and excluded are left out.
func SummaryLine(p *Plan) string {
	s := p.Summary
	if p.Kind == KindUndeploy {
		line := fmt.Sprintf("Plan: %d to drop, %d kept, %d unchanged.", s.Drop, s.Keep, s.Unchanged)
		return line
	}
	parts := []string{
		fmt.Sprintf("%d to create", s.Create),
		fmt.Sprintf("%d to restart", s.Restart),
		fmt.Sprintf("%d to recreate", s.Recreate),
	}
	if s.Start > 0 {
		parts = append(parts, fmt.Sprintf("%d to start", s.Start))
	}
	parts = append(parts, fmt.Sprintf("%d unchanged", s.Unchanged))
	if s.Excluded > 0 {
		parts = append(parts, fmt.Sprintf("%d excluded", s.Excluded))
	}
	return "Plan: " + strings.Join(parts, ", ") + "."
}

// writeExternals lists the plan's external inputs, one line each (status,
// name, readers, definition), then the Externals summary line.
func writeExternals(b *strings.Builder, p *Plan) {
	if len(p.Externals) == 0 {
		return
	}
	b.WriteString("External inputs (not part of the project):\n")
	rows := make([][5]string, 0, len(p.Externals))
	for _, e := range p.Externals {
		readers := "read by " + strings.Join(e.ReadBy, ", ")
		if len(e.ReadBy) == 0 {
			readers = "read by no planned table"
		}
		detail := ""
		switch {
		case e.Reason != "":
			detail = e.Reason
		case e.Status == ExternalWillCreate:
			detail = "from " + e.Definition
		case !e.Declared && p.Kind == KindDeploy:
			detail = "undeclared"
		}
		rows = append(rows, [5]string{"  " + string(e.Status), e.Table, readers, "", detail})
	}
	var cols strings.Builder
	writeColumns(&cols, rows)
	for _, line := range strings.Split(strings.TrimSuffix(cols.String(), "\n"), "\n") {
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	b.WriteString(ExternalsLine(p))
	b.WriteString("\n\n")
}

// ExternalsLine summarizes the plan's external inputs, e.g. "Externals: 7
// read by 7 tables (assumed present)."; "" when there are none.
func ExternalsLine(p *Plan) string {
	if len(p.Externals) == 0 {
		return ""
	}
	readers := map[string]bool{}
	count := map[ExternalStatus]int{}
	for _, e := range p.Externals {
		for _, r := range e.ReadBy {
			readers[r] = true
		}
		count[e.Status]++
	}
	words := map[ExternalStatus]string{
		ExternalAssumed:    "assumed present",
		ExternalPresent:    "present",
		ExternalWillCreate: "created before their readers",
		ExternalMissing:    "missing",
		ExternalWillDrop:   "dropped after their readers",
	}
	var parts []string
	for _, st := range []ExternalStatus{ExternalPresent, ExternalAssumed, ExternalWillCreate, ExternalMissing, ExternalWillDrop} {
		n := count[st]
		switch {
		case n == 0:
		case n == len(p.Externals):
			parts = append(parts, words[st])
		default:
			parts = append(parts, fmt.Sprintf("%d %s", n, words[st]))
		}
	}
	line := fmt.Sprintf("Externals: %d read by %d %s (%s)", len(p.Externals), len(readers), pluralWord(len(readers), "table"), strings.Join(parts, ", "))
	if p.Kind == KindUndeploy && count[ExternalWillDrop] < len(p.Externals) {
		line += "; never dropped without --include-externals"
	}
	return line + "."
}

func pluralWord(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// jsonPlan is the --format json shape: exactly these keys.
type jsonPlan struct {
	Target      string         `json:"target"`
	Environment string         `json:"environment"`
	Steps       []jsonStep     `json:"steps"`
	Externals   []jsonExternal `json:"externals"`
	Summary     Summary        `json:"summary"`
}

// jsonExternal is one external input in --format json: definition is a
// path or null.
type jsonExternal struct {
	Table      string         `json:"table"`
	ReadBy     []string       `json:"read_by"`
	Declared   bool           `json:"declared"`
	Definition *string        `json:"definition"`
	Status     ExternalStatus `json:"status"`
}

type jsonStep struct {
	Table      string         `json:"table"`
	Product    string         `json:"product"`
	Type       string         `json:"type"`
	Action     Action         `json:"action"`
	Reason     string         `json:"reason"`
	Statements []StatementRef `json:"statements"`
	After      []string       `json:"after"`
}

// WriteJSON renders the plan as one JSON object {"target", "environment",
// "steps": [{"table", "product", "type", "action", "reason", "statements":
// [{"kind", "name"}], "after"}], "externals": [{"table", "read_by",
// "declared", "definition", "status"}], "summary"}. Saved plan files (Save) hold
// the same keys plus the fingerprint and the details the executor needs.
func WriteJSON(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(JSONValue(p))
}

// JSONValue is the value WriteJSON encodes, for callers that embed the
// plan in a larger document.
func JSONValue(p *Plan) any {
	out := jsonPlan{Target: p.Target, Environment: p.Environment, Steps: make([]jsonStep, 0, len(p.Steps)), Externals: make([]jsonExternal, 0, len(p.Externals)), Summary: p.Summary}
	for _, e := range p.Externals {
		je := jsonExternal{Table: e.Table, ReadBy: e.ReadBy, Declared: e.Declared, Status: e.Status}
		if e.Definition != "" {
			def := e.Definition
			je.Definition = &def
		}
		if je.ReadBy == nil {
			je.ReadBy = []string{}
		}
		out.Externals = append(out.Externals, je)
	}
	for _, s := range p.Steps {
		js := jsonStep{Table: s.Table, Product: s.Product, Type: string(s.Type), Action: s.Action, Reason: s.Reason, Statements: s.Statements, After: s.After}
		if js.Statements == nil {
			js.Statements = []StatementRef{}
		}
		if js.After == nil {
			js.After = []string{}
		}
		out.Steps = append(out.Steps, js)
	}
	return out
}

// writeColumns writes rows whose first four cells are aligned in columns
// two spaces wider than their widest cell (in runes) and whose last cell
// follows unpadded.
func writeColumns(b *strings.Builder, rows [][5]string) {
	var width [4]int
	for _, r := range rows {
		for k := range width {
			width[k] = max(width[k], utf8.RuneCountInString(r[k]))
		}
	}
	for _, r := range rows {
		if r[1] == "" && r[2] == "" && r[3] == "" {
			// A note under its step (a warning), indented to the table
			// column rather than pushed past the widest statement list.
			b.WriteString(strings.Repeat(" ", width[0]+2+2))
			b.WriteString(r[4])
			b.WriteByte('\n')
			continue
		}
		for k := range width {
			b.WriteString(r[k])
			for pad := width[k] + 2 - utf8.RuneCountInString(r[k]); pad > 0; pad-- {
				b.WriteByte(' ')
			}
		}
		b.WriteString(r[4])
		b.WriteByte('\n')
	}
}
