package plan

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// TestDMLPropertiesChanged: a running DML whose SQL is unchanged is
// restarted when a key of its properties file has another value than the
// running statement reports; keys the target does not report and masked
// secrets never count.
func TestDMLPropertiesChanged(t *testing.T) {
	g := project(t, mixed)
	tests := []struct {
		name    string
		running map[string]string // reported by the target
		file    map[string]string // dml.<table>.properties
		want    Action
		reason  string
	}{
		{"same values", map[string]string{"sql.state-ttl": "7 d", "sql.current-catalog": "c"}, map[string]string{"sql.state-ttl": "7 d"}, ActionNone, ""},
		{"value changed", map[string]string{"sql.state-ttl": "7 d"}, map[string]string{"sql.state-ttl": "2 d", "sql.local-time-zone": "UTC"}, ActionRestart,
			"dml properties changed (sql.state-ttl 7 d → 2 d)"},
		{"key the target does not report", map[string]string{"sql.state-ttl": "7 d"}, map[string]string{"client.statement-name": "x"}, ActionNone, ""},
		{"masked secret", map[string]string{"sql.secrets.token": config.Mask}, map[string]string{"sql.secrets.token": "s3cret"}, ActionNone, ""},
		{"no properties file", map[string]string{"sql.state-ttl": "7 d"}, nil, ActionNone, ""},
		{"target reports no properties", nil, map[string]string{"sql.state-ttl": "2 d"}, ActionNone, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			state := running(g, all(mixed)...)
			st := state["int_o"]
			dml := *st.DML
			dml.Properties = tc.running
			st.DML = &dml
			state["int_o"] = st
			p, err := Build(context.Background(), g, Inputs{
				Selected: []string{"int_o"}, State: state, Naming: testNaming, SQL: sqlOf(g), Now: time.Unix(0, 0),
				Properties: func(tb *pipeline.Table, kind deployers.StatementKind) (map[string]string, error) {
					if tb.Name == "int_o" && kind == deployers.KindDML {
						return tc.file, nil
					}
					return nil, nil
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			s := p.Step("int_o")
			if s == nil || s.Action != tc.want || (tc.reason != "" && !strings.Contains(s.Reason, tc.reason)) {
				t.Fatalf("step %+v, want %s %q", s, tc.want, tc.reason)
			}
		})
	}
}
