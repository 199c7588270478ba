package confluent_test

import (
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
	"github.com/shiftleft-dev/shiftleft/executor"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// faultTable is the mid-graph table the statement faults hit: c360's
// intermediate, read by the c360 fact (and through it the view), while the
// saleops product is independent.
const faultTable = "int_c360_customer_transactions"

const faultDML = "dml-int-c360-customer-transactions$"

// TestFaultMatrix is issue 8's fault matrix against the stand-in: each
// fault either costs bounded retries and the deploy succeeds, or the deploy
// fails with a clear message, the failed table's descendants are not
// started, independent tables finish, and a rerun without the fault
// completes with nothing done twice.
func TestFaultMatrix(t *testing.T) {
	tests := []struct {
		name   string
		faults confluenttest.Faults
		// fails is the table that fails ("" = the deploy succeeds); detail
		// is what its error must say.
		fails, detail string
		// rerun is the set of tables the rerun must act on.
		rerun []string
	}{
		{name: "429 burst with Retry-After", faults: confluenttest.Faults{RateLimitNext: 4, RetryAfter: "0"}},
		{name: "429 burst without headers", faults: confluenttest.Faults{RateLimitNext: 4}},
		{name: "429 on 1 in 3 mutating calls", faults: confluenttest.Faults{RateLimitEvery: 3}},
		{name: "500 burst", faults: confluenttest.Faults{ErrorNext: 3, ErrorStatus: 500}},
		{name: "502 burst", faults: confluenttest.Faults{ErrorNext: 3, ErrorStatus: 502}},
		{name: "503 burst", faults: confluenttest.Faults{ErrorNext: 3, ErrorStatus: 503}},
		{name: "connection reset", faults: confluenttest.Faults{ResetNext: 2}},
		{name: "response never comes", faults: confluenttest.Faults{HangNext: 1}},
		{name: "statement FAILED", faults: confluenttest.Faults{FailMatching: faultDML},
			fails: faultTable, detail: "injected failure", rerun: []string{faultTable, "c360_fct_customer_profile", "c360_customer_analytics"}},
		{name: "statement FAILED without detail", faults: confluenttest.Faults{FailNoDetail: faultDML},
			fails: faultTable, detail: "ValidationException", rerun: []string{faultTable, "c360_fct_customer_profile", "c360_customer_analytics"}},
		{name: "statement PENDING forever", faults: confluenttest.Faults{PendingForever: faultDML},
			fails: faultTable, detail: "timed out", rerun: []string{"c360_fct_customer_profile", "c360_customer_analytics"}}, // the statement left PENDING runs once the fault clears
		{name: "RUNNING then DEGRADED", faults: confluenttest.Faults{DegradeMatching: faultDML}},
		{name: "RUNNING then FAILING then FAILED", faults: confluenttest.Faults{FailingMatching: faultDML},
			rerun: []string{faultTable}},
		{name: "unknown phase", faults: confluenttest.Faults{UnknownPhase: faultDML}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDeployment(t, samples(t), tt.faults, func(o *confluent.Options) {
				o.RequestTimeout = 10 * time.Second
				if tt.faults.HangNext > 0 {
					o.RequestTimeout = time.Second
				}
			})
			// Long enough for a slow (race-detector) run, short enough for
			// the PENDING-forever case.
			stmtTimeout := 5 * time.Second
			if tt.faults.PendingForever != "" {
				stmtTimeout = time.Second
			}
			pl, res := d.run(t, stmtTimeout)
			if tt.fails == "" {
				if !res.OK() {
					t.Fatalf("deploy failed: %v", res.Err())
				}
			} else {
				checkFailure(t, pl, res, tt.fails, tt.detail)
			}
			if strings.Contains(tt.name, "FAILING") {
				// Let the stand-in move the statement on to FAILED, as time would.
				d.target.State(t.Context(), nil)
				d.target.State(t.Context(), nil)
			}
			retries := d.target.Retries()

			d.srv.SetFaults(confluenttest.Faults{})
			d.srv.ResetLog()
			pl2, res2 := d.run(t, time.Minute)
			if !res2.OK() {
				t.Fatalf("rerun failed: %v", res2.Err())
			}
			var acted []string
			for table := range acting(pl2) {
				acted = append(acted, table)
			}
			sort.Strings(acted)
			want := append([]string(nil), tt.rerun...)
			sort.Strings(want)
			if strings.Join(acted, ",") != strings.Join(want, ",") {
				t.Errorf("rerun acted on %v, want %v", acted, want)
			}
			if third, _ := d.run(t, time.Minute); third.HasChanges() {
				t.Errorf("third run plans changes: %v", acting(third))
			}
			t.Logf("first run: %d retries; rerun acted on %v", retries, acted)
		})
	}
}

// checkFailure asserts a failed run: the table failed with a message naming
// its statement and the detail, its descendants were blocked (never
// submitted), every independent table succeeded.
func checkFailure(t *testing.T, pl *plan.Plan, res *executor.Result, table, detail string) {
	t.Helper()
	err := res.Err()
	if err == nil {
		t.Fatal("deploy succeeded, want a failure")
	}
	msg := err.Error()
	if !strings.Contains(msg, table) || !strings.Contains(msg, "dml-int-c360-customer-transactions") || !strings.Contains(msg, detail) {
		t.Errorf("failure message lacks table, statement or %q:\n%s", detail, msg)
	}
	var se *deployers.StatementError
	if detail != "timed out" && !errors.As(err, &se) {
		t.Errorf("failure is not a StatementError: %v", err)
	}
	if detail == "timed out" && !errors.Is(err, deployers.ErrTimeout) {
		t.Errorf("failure is not ErrTimeout: %v", err)
	}
	blocked := map[string]bool{"c360_fct_customer_profile": true, "c360_customer_analytics": true}
	checkFailureBlocks(t, res.Steps, table, blocked)
	if pl.Step("c360_fct_customer_profile") == nil || pl.Step("saleops_fct_revenue") == nil {
		t.Error("plan lacks the expected tables")
	}
}

// checkFailureBlocks asserts that failed is the one failed step, the
// blocked tables are blocked, and every other step succeeded.
func checkFailureBlocks(t *testing.T, steps []executor.StepResult, failed string, blocked map[string]bool) {
	t.Helper()
	for _, s := range steps {
		switch {
		case s.Table == failed:
			if s.Status != executor.StatusFailed {
				t.Errorf("%s: %s, want failed", s.Table, s.Status)
			}
		case blocked[s.Table]:
			if s.Status != executor.StatusBlocked {
				t.Errorf("descendant %s: %s, want blocked", s.Table, s.Status)
			}
		default:
			if s.Status != executor.StatusSucceeded {
				t.Errorf("independent %s: %s, want succeeded", s.Table, s.Status)
			}
		}
	}
}
