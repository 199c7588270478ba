package release

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// RenderPlan writes a release plan as text: one block per new version
// (old → new, statements, reason, what it reads), the live versions that
// stay as they are, readers left on the old versions and the deploy's
// steps the release does not run.
func RenderPlan(w io.Writer, p *Plan) error {
	r := &p.Release
	b := &strings.Builder{}
	fmt.Fprintf(b, "Release %s: %d new version(s), started beside the running ones from the earliest offset.\n\n", r.Name, len(r.Versions))
	for _, v := range r.Versions {
		fmt.Fprintf(b, "  +  %s → %s  (%s)\n", v.Old, v.New, v.Reason)
		stmts := v.NewDDL
		if v.NewDML != "" {
			stmts += ", " + v.NewDML
		}
		fmt.Fprintf(b, "       statements: %s\n", stmts)
		fmt.Fprintf(b, "       topic:      %s\n", p.Topics[v.Table])
		var reads []string
		for _, a := range v.After {
			reads = append(reads, r.Version(a).New+" (new)")
		}
		for _, l := range v.Reads {
			reads = append(reads, l+" (live)")
		}
		if len(reads) > 0 {
			fmt.Fprintf(b, "       reads:      %s\n", strings.Join(reads, ", "))
		}
	}
	if len(p.Live) > 0 {
		b.WriteString("\nLive versions read as they are:\n")
		for _, l := range p.Live {
			fmt.Fprintf(b, "  =  %s  read by %s\n", l.Name, strings.Join(l.By, ", "))
		}
	}
	b.WriteString("\nOld versions stay live and keep running until promote: ")
	olds := make([]string, len(r.Versions))
	for i, v := range r.Versions {
		olds[i] = v.Old
	}
	b.WriteString(strings.Join(olds, ", ") + ".\n")
	if len(p.Readers) > 0 {
		fmt.Fprintf(b, "Readers outside the release keep reading the old versions (finalize waits for them): %s.\n", strings.Join(p.Readers, ", "))
	}
	if len(p.Outside) > 0 {
		fmt.Fprintf(b, "Not in the release (deploy them normally): %s.\n", strings.Join(p.Outside, ", "))
	}
	fmt.Fprintf(b, "Release: %d to start beside %d running.\n", len(r.Versions), len(r.Versions))
	_, err := io.WriteString(w, b.String())
	return err
}

// Status is a release and the state of its new versions.
type Status struct {
	Name      string          `json:"name"`
	Phase     Phase           `json:"phase"`
	KeepUntil string          `json:"keep_until,omitempty"`
	Versions  []VersionStatus `json:"versions"`
	// CaughtUp says every new version is caught up.
	CaughtUp bool `json:"caught_up"`
	// Switch maps, for consumers, each old topic to the new version's
	// topic they must switch to once the release is promoted.
	Switch map[string]string `json:"switch_topics"`
}

// RenderStatus writes a status as a table and a summary line.
func RenderStatus(w io.Writer, s *Status) error {
	fmt.Fprintf(w, "Release %s: %s", s.Name, s.Phase)
	if s.KeepUntil != "" {
		fmt.Fprintf(w, " (old versions kept until %s)", s.KeepUntil)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tOLD\tNEW\tPHASE\tLAG\tROWS\tSTATE\tTOPIC")
	for _, v := range s.Versions {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.Table, v.Old, v.New, v.Phase, num(v.Lag), num(v.RowsWritten), v.State, v.Topic)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	n := 0
	for _, v := range s.Versions {
		if v.State == CaughtUp {
			n++
		}
	}
	_, err := fmt.Fprintf(w, "%d of %d new version(s) caught up.\n", n, len(s.Versions))
	return err
}

func num(n *int64) string {
	if n == nil {
		return "unknown"
	}
	return fmt.Sprint(*n)
}
