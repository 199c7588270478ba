package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/executor"
)

func TestProgress(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	events := []executor.Event{
		{Kind: executor.EventStarted, Table: "a", Action: "create", Time: now, Total: 3, Running: []string{"a"}},
		{Kind: executor.EventStarted, Table: "b", Action: "restart", Time: now, Total: 3, Running: []string{"a", "b"}},
		{Kind: executor.EventStatement, Table: "a", Action: "create", Statement: "dev-ddl-a", Message: "COMPLETED", Total: 3, Running: []string{"a", "b"}},
		{Kind: executor.EventSucceeded, Table: "a", Action: "create", Duration: 1500 * time.Millisecond, Done: 1, Total: 3, Running: []string{"b"}},
		{Kind: executor.EventFailed, Table: "b", Action: "restart", Duration: time.Second, Err: errors.New("boom"), Done: 2, Total: 3},
		{Kind: executor.EventBlocked, Table: "c", Action: "create", Message: "blocked by b", Done: 3, Total: 3},
	}
	var plain bytes.Buffer
	pr := newProgress(&plain, false, clock)
	for _, ev := range events {
		pr.event(ev)
	}
	pr.finish()
	want := `[0/3] create a: started
[0/3] restart b: started
[0/3] create a: dev-ddl-a COMPLETED
[1/3] create a: done in 1.5s
[2/3] restart b: FAILED after 1s: boom
[3/3] create c: not deployed, blocked by b
`
	if plain.String() != want {
		t.Errorf("plain progress:\n%s\nwant:\n%s", plain.String(), want)
	}

	var live bytes.Buffer
	pr = newProgress(&live, true, clock)
	for _, ev := range events[:4] {
		pr.event(ev)
	}
	out := live.String()
	if !strings.Contains(out, "Deploying: 0/3 done, 2 running\n") || !strings.Contains(out, "dev-ddl-a COMPLETED") {
		t.Errorf("live block missing:\n%q", out)
	}
	// Each redraw moves up over the previous block and erases it.
	if !strings.Contains(out, "\x1b[3A\x1b[J") {
		t.Errorf("live block not redrawn:\n%q", out)
	}
	// Finished tables are printed once, above the block.
	if strings.Count(out, "create a: done in 1.5s\n") != 1 {
		t.Errorf("finished line:\n%q", out)
	}
	before := live.Len()
	pr.finish()
	if !strings.HasSuffix(live.String()[before:], "\x1b[J") {
		t.Errorf("finish does not erase the block: %q", live.String()[before:])
	}
}
