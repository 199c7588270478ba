package confluent

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
)

// TestStatePicksDMLName: State finds a table's DML under its conventional
// name or its alternate (N.b), preferring a healthy one, then a STOPPED
// one, then the newest; an alternate that is another table's name is never
// taken.
func TestStatePicksDMLName(t *testing.T) {
	old, recent := time.Now().Add(-time.Hour), time.Now()
	const sql = "INSERT INTO t SELECT * FROM raw;"
	type stmt struct {
		name, phase string
		created     time.Time
	}
	for _, c := range []struct {
		name  string
		stmts []stmt
		refs  []deployers.TableRef
		want  map[string]string // table → DML name ("" = none)
	}{
		{"conventional only", []stmt{{"n", "RUNNING", old}},
			[]deployers.TableRef{{Table: "t", DMLName: "n"}}, map[string]string{"t": "n"}},
		{"alternate only", []stmt{{"n.b", "RUNNING", old}},
			[]deployers.TableRef{{Table: "t", DMLName: "n"}}, map[string]string{"t": "n.b"}},
		{"running before newer stopped", []stmt{{"n", "STOPPED", recent}, {"n.b", "RUNNING", old}},
			[]deployers.TableRef{{Table: "t", DMLName: "n"}}, map[string]string{"t": "n.b"}},
		{"stopped before newer failed", []stmt{{"n", "STOPPED", old}, {"n.b", "FAILED", recent}},
			[]deployers.TableRef{{Table: "t", DMLName: "n"}}, map[string]string{"t": "n"}},
		{"newest of two failed", []stmt{{"n", "FAILED", recent}, {"n.b", "FAILED", old}},
			[]deployers.TableRef{{Table: "t", DMLName: "n"}}, map[string]string{"t": "n"}},
		{"alternate is another table's name", []stmt{{"n.b", "RUNNING", recent}},
			[]deployers.TableRef{{Table: "t", DMLName: "n"}, {Table: "u", DMLName: "n.b"}}, map[string]string{"t": "", "u": "n.b"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, confluenttest.Options{}, nil)
			for _, s := range c.stmts {
				e.srv.AddStatement(s.name, sql, s.phase, s.created)
			}
			st, err := e.target.State(context.Background(), c.refs)
			if err != nil {
				t.Fatal(err)
			}
			for table, want := range c.want {
				got := ""
				if st[table].DML != nil {
					got = st[table].DML.Name
				}
				if got != want {
					t.Errorf("%s: DML %q, want %q", table, got, want)
				}
			}
		})
	}
}

// TestDeleteRemovesLeftover: a STOPPED or FAILED statement an interrupted
// carry left under the other name goes with the table's DML, so an
// undeploy leaves nothing State would take for the table's DML; a healthy
// one is never touched.
func TestDeleteRemovesLeftover(t *testing.T) {
	const sql = "INSERT INTO t SELECT * FROM raw;"
	for _, c := range []struct {
		running, other, otherPhase string
		otherTable                 bool // other is table u's conventional name
		otherGone                  bool
	}{
		{"n", "n.b", "STOPPED", false, true},
		{"n.b", "n", "FAILED", false, true},
		{"n", "n.b", "RUNNING", false, false},
		{"n", "n.b", "STOPPED", true, false},
	} {
		t.Run(fmt.Sprintf("%s+%s-%s-%v", c.running, c.other, c.otherPhase, c.otherTable), func(t *testing.T) {
			e := newEnv(t, confluenttest.Options{}, nil)
			e.srv.AddStatement(c.running, sql, "RUNNING", time.Now().Add(-time.Minute))
			e.srv.AddStatement(c.other, sql, c.otherPhase, time.Now().Add(-time.Hour))
			ctx := context.Background()
			refs := []deployers.TableRef{{Table: "t", DMLName: "n"}}
			if c.otherTable {
				refs = append(refs, deployers.TableRef{Table: "u", DMLName: c.other})
			}
			st, err := e.target.State(ctx, refs)
			if err != nil {
				t.Fatal(err)
			}
			if st["t"].DML == nil || st["t"].DML.Name != c.running {
				t.Fatalf("State chose %+v, want %s", st["t"].DML, c.running)
			}
			if err := e.target.DeleteStatement(ctx, c.running); err != nil {
				t.Fatal(err)
			}
			if _, ok := e.srv.StatementPhase(c.running); ok {
				t.Errorf("%s not deleted", c.running)
			}
			if _, ok := e.srv.StatementPhase(c.other); ok == c.otherGone {
				t.Errorf("%s (%s) exists = %v, want %v", c.other, c.otherPhase, ok, !c.otherGone)
			}
		})
	}
}
