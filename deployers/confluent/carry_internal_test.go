package confluent

import (
	"context"
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
