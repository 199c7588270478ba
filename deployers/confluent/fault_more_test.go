package confluent_test

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// TestFaultMatrixCreateConflict is the matrix row "409 on create because a
// finished statement with the same name still exists" (e.g. a DDL whose
// delete after COMPLETED was lost when the previous run died): the
// statement appears between planning and the create, the create gets 409,
// the finished statement is deleted, the create retried once, the deploy
// succeeds and a rerun does nothing.
func TestFaultMatrixCreateConflict(t *testing.T) {
	for _, kind := range []deployers.StatementKind{deployers.KindDDL, deployers.KindDML} {
		for _, phase := range []string{"COMPLETED", "FAILED", "STOPPED"} {
			t.Run(string(kind)+" "+phase, func(t *testing.T) {
				d := newDeployment(t, samples(t), confluenttest.Faults{})
				name := statementName(t, d, faultTable, kind)
				d.exec = &leftover{Target: d.target, srv: d.srv, name: name, phase: phase}
				pl, res := d.run(t, 5*time.Second)
				if !res.OK() {
					t.Fatalf("deploy failed: %v", res.Err())
				}
				if got := acting(pl)[faultTable]; got != plan.ActionCreate {
					t.Errorf("%s planned %q, want create", faultTable, got)
				}
				var posts int
				for _, r := range d.srv.Requests() {
					if r.Method == "POST" && strings.Contains(r.Body, `"name":"`+name+`"`) {
						posts++
					}
				}
				if posts != 2 {
					t.Errorf("%s: %d POSTs, want 2 (409, then the create after deleting the old one)", name, posts)
				}
				if kind == deployers.KindDML {
					if ph, _ := d.srv.StatementPhase(name); ph != "RUNNING" {
						t.Errorf("%s is %s, want RUNNING", name, ph)
					}
				}
				d.exec = nil
				d.srv.ResetLog()
				if again, _ := d.run(t, time.Minute); again.HasChanges() {
					t.Errorf("rerun plans changes: %v", acting(again))
				}
				if got := created(d.srv); len(got) != 0 {
					t.Errorf("rerun created %v", got)
				}
			})
		}
	}
}

// leftover plants a finished statement named name on the stand-in just
// before the target creates a statement of that name.
type leftover struct {
	*confluent.Target
	srv         *confluenttest.Server
	name, phase string
}

func (l *leftover) plant(name string) {
	if name == l.name {
		l.srv.AddStatement(name, "SELECT 'left over from an earlier run';", l.phase, time.Now().Add(-time.Hour))
	}
}

func (l *leftover) CreateTable(ctx context.Context, req deployers.StatementRequest) (deployers.Statement, error) {
	l.plant(req.Name)
	return l.Target.CreateTable(ctx, req)
}

func (l *leftover) StartStatement(ctx context.Context, req deployers.StatementRequest) (deployers.Statement, error) {
	l.plant(req.Name)
	return l.Target.StartStatement(ctx, req)
}

// TestFaultMatrixStaleStop is the matrix row "stale resource_version on
// stop". Without --carry-offsets a deploy never stops statements (a
// restart deletes the old DML and creates the new one), so stale 409s on
// PUT cannot touch it: the restart of a changed DML succeeds with no PUT
// sent (TestFaultMatrixStaleStopCarry covers the carried restart, which
// stops). The target's
// StopStatement (used by callers that stop without deleting) pays a
// bounded number of GET-modify-PUT rounds for a transient stale version,
// and a version that stays stale fails with a message naming the
// statement and saying to run the command again; the call repeated once
// the conflict is gone stops the statement.
func TestFaultMatrixStaleStop(t *testing.T) {
	d := newDeployment(t, samples(t), confluenttest.Faults{})
	d.deploy(t)
	editFile(t, filepath.Join(d.root, "intermediates", "c360", faultTable, "sql-scripts", "dml."+faultTable+".sql"),
		"AND i.quantity > 0", "AND i.quantity > 1")
	d.srv.SetFaults(confluenttest.Faults{StalePutNext: 1000})
	d.srv.ResetLog()
	pl, res := d.run(t, 5*time.Second)
	if got := acting(pl)[faultTable]; got != plan.ActionRestart {
		t.Fatalf("%s planned %q, want restart; acting %v", faultTable, got, acting(pl))
	}
	if !res.OK() {
		t.Fatalf("restart under stale PUTs failed: %v", res.Err())
	}
	puts := func() int {
		var n int
		for _, r := range d.srv.Requests() {
			if r.Method == "PUT" {
				n++
			}
		}
		return n
	}
	if n := puts(); n != 0 {
		t.Errorf("deploy sent %d PUTs, want none", n)
	}

	name := statementName(t, d, faultTable, deployers.KindDML)
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		stale int
		fails bool
	}{
		{name: "stale forever", stale: 1000, fails: true},
		{name: "two stale answers", stale: 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d.srv.SetFaults(confluenttest.Faults{StalePutNext: tt.stale})
			d.srv.ResetLog()
			err := d.target.StopStatement(ctx, name)
			ph, _ := d.srv.StatementPhase(name)
			if tt.fails {
				if !errors.Is(err, confluent.ErrConflict) || !strings.Contains(err.Error(), name) ||
					!strings.Contains(err.Error(), "run the command again") {
					t.Errorf("unclear failure: %v", err)
				}
				if n := puts(); n == 0 || n > 10 {
					t.Errorf("%d PUTs: want a few, bounded", n)
				}
				if ph != "RUNNING" {
					t.Errorf("%s is %s after a failed stop, want RUNNING", name, ph)
				}
				return
			}
			if err != nil {
				t.Fatalf("stop: %v", err)
			}
			if n := puts(); n != tt.stale+1 {
				t.Errorf("%d PUTs, want %d", n, tt.stale+1)
			}
			if ph != "STOPPED" {
				t.Errorf("%s is %s, want STOPPED", name, ph)
			}
		})
	}
}

// statementName is the name the plan gives the table's statement of kind.
func statementName(t *testing.T, d *deployment, table string, kind deployers.StatementKind) string {
	t.Helper()
	p, err := pipeline.Scan(context.Background(), d.root, pipeline.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tb := p.Table(table)
	if tb == nil {
		t.Fatalf("no table %s in the samples", table)
	}
	name, err := d.naming.Name(tb, kind)
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// TestFaultMatrixPersistentHTTPErrors: 429 or 5xx answers that outlast the
// client's bounded retries, for one table's statement only. The deploy
// fails that table with a message naming it, its statement and the HTTP
// status; its descendants are not started, every independent table
// finishes, and a rerun without the fault deploys exactly the failed table
// and its descendants, once.
func TestFaultMatrixPersistentHTTPErrors(t *testing.T) {
	blocked := map[string]bool{"c360_fct_customer_profile": true, "c360_customer_analytics": true}
	for _, status := range []int{429, 500, 502, 503} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			faults := confluenttest.Faults{ErrorMatching: "dml-int-c360-customer-transactions", ErrorStatus: status, RetryAfter: "0"}
			d := newDeployment(t, samples(t), faults)
			pl, res := d.run(t, 5*time.Second)
			err := res.Err()
			if err == nil {
				t.Fatal("deploy succeeded through a persistent outage")
			}
			msg := err.Error()
			for _, want := range []string{faultTable, "dml-int-c360-customer-transactions", "HTTP " + strconv.Itoa(status)} {
				if !strings.Contains(msg, want) {
					t.Errorf("failure message lacks %q:\n%s", want, msg)
				}
			}
			checkFailureBlocks(t, res.Steps, faultTable, blocked)
			var hits int
			for _, r := range d.srv.Requests() {
				if strings.Contains(r.Path+r.Body, "dml-int-c360-customer-transactions") {
					hits++
				}
			}
			if hits == 0 || hits > 12 {
				t.Errorf("%d requests for the failing statement: want a few, bounded", hits)
			}
			if pl.Step(faultTable) == nil {
				t.Fatal("plan lacks the fault table")
			}
			t.Logf("HTTP %d: %d attempts, then: %s", status, hits, strings.SplitN(msg, "\n", 3)[1])

			d.srv.SetFaults(confluenttest.Faults{})
			d.srv.ResetLog()
			pl2, res2 := d.run(t, time.Minute)
			if !res2.OK() {
				t.Fatalf("rerun failed: %v", res2.Err())
			}
			act := acting(pl2)
			want := map[string]bool{faultTable: true}
			for tb := range blocked {
				want[tb] = true
			}
			if len(act) != len(want) {
				t.Errorf("rerun acted on %v, want %v", act, want)
			}
			for tb := range act {
				if !want[tb] {
					t.Errorf("rerun acted on %s again", tb)
				}
			}
			if third, _ := d.run(t, time.Minute); third.HasChanges() {
				t.Errorf("third run plans changes: %v", acting(third))
			}
		})
	}
}

// TestFaultMatrixStaleStopCarry: with --carry-offsets a restart of a
// stateless DML does stop its statement, so stale resource_versions reach
// the deploy. A few stale answers cost bounded GET-modify-PUT rounds and
// the carried restart succeeds; answers that stay stale fail that table
// with a message naming the statement and saying to run the command again,
// the old statement keeps running, nothing else is touched, and the rerun
// carries the restart once.
func TestFaultMatrixStaleStopCarry(t *testing.T) {
	// A stateless sample table (its DML only filters and cleans rows).
	const (
		carryTable = "src_saleops_customer_history"
		carryDML   = "dev-use1-saleops-dml-src-saleops-customer-history"
	)
	for _, tt := range []struct {
		name  string
		stale int
		fails bool
	}{
		{name: "two stale answers", stale: 2},
		{name: "stale forever", stale: 1 << 20, fails: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := samples(t)
			d := newDeployment(t, root, confluenttest.Faults{}, func(o *confluent.Options) { o.CarryOffsets = true })
			d.deploy(t)
			editFile(t, filepath.Join(root, "sources", "saleops", carryTable, "sql-scripts", "dml."+carryTable+".sql"),
				"COALESCE(region, 'UNKNOWN')", "COALESCE(region, 'UNSET')")
			d.srv.SetFaults(confluenttest.Faults{StalePutNext: tt.stale})
			d.srv.ResetLog()
			pl, res := d.run(t, 5*time.Second)
			if act := acting(pl); len(act) != 1 || act[carryTable] != plan.ActionRestart {
				t.Fatalf("plan acts on %v, want a restart of %s", act, carryTable)
			}
			var puts int
			for _, r := range d.srv.Requests() {
				if r.Method == "PUT" {
					puts++
				}
			}
			if !tt.fails {
				if !res.OK() {
					t.Fatalf("carried restart failed: %v", res.Err())
				}
				if puts != tt.stale+1 {
					t.Errorf("%d PUTs, want %d", puts, tt.stale+1)
				}
			} else {
				err := res.Err()
				if err == nil {
					t.Fatal("carried restart succeeded against a stop that is always stale")
				}
				if !errors.Is(err, confluent.ErrConflict) || !strings.Contains(err.Error(), carryDML) ||
					!strings.Contains(err.Error(), "run the command again") {
					t.Errorf("unclear failure: %v", err)
				}
				if puts == 0 || puts > 10 {
					t.Errorf("%d PUTs: want a few, bounded", puts)
				}
				if ph, _ := d.srv.StatementPhase(carryDML); ph != "RUNNING" {
					t.Errorf("old statement %s is %s after the failed stop, want RUNNING", carryDML, ph)
				}
				if got := created(d.srv); len(got) != 0 {
					t.Errorf("statements created although the stop failed: %v", got)
				}
			}
			d.srv.SetFaults(confluenttest.Faults{})
			d.srv.ResetLog()
			pl2 := d.deploy(t)
			act := acting(pl2)
			if tt.fails && (len(act) != 1 || act[carryTable] != plan.ActionRestart) {
				t.Errorf("rerun acted on %v, want only %s restarted", act, carryTable)
			}
			if !tt.fails && len(act) != 0 {
				t.Errorf("rerun acted on %v, want nothing", act)
			}
			if third := d.deploy(t); third.HasChanges() {
				t.Errorf("third run plans changes: %v", acting(third))
			}
		})
	}
}
