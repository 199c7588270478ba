package release

import (
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

func TestRewriteDDLTopic(t *testing.T) {
	for _, c := range []struct{ ddl, topic string }{
		{"CREATE TABLE dim (id INT)", "dim_v2"},
		{"CREATE TABLE dim (id INT) WITH ('topic' = 'dim')", "dim_v2"},
		{"CREATE TABLE dim (id INT) WITH ('topic' = 'shared.dim')", "shared.dim_v2"},
		{"CREATE TABLE dim (id INT) WITH ('topic' = 'shared.dim_v7')", "shared.dim_v2"},
	} {
		out, err := RewriteDDL(c.ddl, "dim", "dim_v2", 2, map[string]string{"dim": "dim_v2"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "CREATE TABLE dim_v2") || Topic(out, "dim_v2") != c.topic {
			t.Errorf("RewriteDDL(%q) = %q (topic %s), want topic %s", c.ddl, out, Topic(out, "dim_v2"), c.topic)
		}
	}
}

func TestVersionOf(t *testing.T) {
	for _, c := range []struct {
		phys string
		want int
	}{{"dim", 1}, {"dim_v2", 2}, {"dim_v10", 10}, {"dim_vx", 1}, {"dim_v0", 1}, {"other_v3", 1}} {
		if got := versionOf("dim", c.phys); got != c.want {
			t.Errorf("versionOf(dim, %s) = %d, want %d", c.phys, got, c.want)
		}
	}
}

func TestCheckName(t *testing.T) {
	for name, ok := range map[string]bool{"r1": true, "2026-12-cust-key": true, "": false, "R1": false, "-r": false, "r_1": false, strings.Repeat("a", 41): false} {
		if err := CheckName(name); (err == nil) != ok {
			t.Errorf("CheckName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}

func TestEvaluate(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := Settings{MaxLag: 10, Settle: time.Minute}
	lag := func(n int64) deployers.Lag { return deployers.Lag{Known: true, Pending: n, RowsWritten: 5} }
	v := &Version{Table: "t", New: "t_v2", NewDML: "dml-t-v2"}
	steps := []struct {
		at    time.Duration
		phase deployers.Phase
		lag   deployers.Lag
		known bool
		want  CatchUp
	}{
		{0, deployers.PhaseRunning, lag(100), true, CatchingUp},
		{time.Second, deployers.PhaseRunning, lag(10), true, CatchingUp},      // under max, not settled
		{61 * time.Second, deployers.PhaseRunning, lag(3), true, CaughtUp},    // settled
		{62 * time.Second, deployers.PhaseRunning, lag(11), true, CatchingUp}, // fell behind: reset
		{63 * time.Second, deployers.PhaseRunning, lag(0), true, CatchingUp},  // settles again from here
		{64 * time.Second, deployers.PhaseRunning, deployers.Lag{}, false, LagUnknown},
		{65 * time.Second, deployers.PhaseFailed, lag(0), true, NotRunning},
	}
	for i, st := range steps {
		got := Evaluate(v, st.phase, st.lag, st.known, s, t0.Add(st.at))
		if got.State != st.want {
			t.Errorf("step %d: state %s, want %s", i, got.State, st.want)
		}
	}
}
