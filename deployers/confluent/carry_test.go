package confluent_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
	"github.com/shiftleft-dev/shiftleft/executor"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// Sample tables: one stateless (its DML only filters and cleans rows), one
// stateful (flink_data_products/scan_test.go lists which is which).
const (
	statelessTable = "src_saleops_customer_history"
	statefulTable  = "src_saleops_product_catalog"
	statelessDML   = "dev-use1-saleops-dml-src-saleops-customer-history"
	statefulDML    = "dev-use1-saleops-dml-src-saleops-product-catalog"
)

// carryRun plans every deployable table (with --carry-offsets when the
// target has the option) and runs the plan; it fails the test when the
// run fails.
func (d *deployment) carryRun(t *testing.T) *plan.Plan {
	t.Helper()
	pl, res := d.carryTry(t, nil)
	if !res.OK() {
		t.Fatalf("deploy failed: %v", res.Err())
	}
	return pl
}

// carryTry is carryRun returning the result, failed or not, with the
// given git change set.
func (d *deployment) carryTry(t *testing.T, cs *changes.ChangeSet) (*plan.Plan, *executor.Result) {
	t.Helper()
	return d.runWith(t, time.Minute, cs, "HEAD~1")
}

// editDML replaces old by new in a sample table's DML file.
func editDML(t *testing.T, root, folder, table, old, new string) {
	t.Helper()
	editFile(t, filepath.Join(root, folder, table, "sql-scripts", "dml."+table+".sql"), old, new)
}

// logIndex returns the index of the first logged request matching, or -1.
func logIndex(reqs []confluenttest.Request, match func(confluenttest.Request) bool) int {
	return slices.IndexFunc(reqs, match)
}

func isPut(name string) func(confluenttest.Request) bool {
	return func(r confluenttest.Request) bool {
		return r.Method == "PUT" && strings.HasSuffix(r.Path, "/statements/"+name) && strings.Contains(r.Body, `"stopped":true`)
	}
}

func isPost(name string) func(confluenttest.Request) bool {
	return func(r confluenttest.Request) bool {
		return r.Method == "POST" && strings.HasSuffix(r.Path, "/statements") && strings.Contains(r.Body, `"name":"`+name+`"`)
	}
}

func isDelete(name string) func(confluenttest.Request) bool {
	return func(r confluenttest.Request) bool {
		return r.Method == "DELETE" && strings.HasSuffix(r.Path, "/statements/"+name)
	}
}

func isGet(name string) func(confluenttest.Request) bool {
	return func(r confluenttest.Request) bool {
		return r.Method == "GET" && strings.HasSuffix(r.Path, "/statements/"+name)
	}
}

// assertCarried checks the request log of one carried restart from old to
// new: stop old (PUT spec.stopped=true, unless stopped is false: it was
// STOPPED already), create new with
// sql.tables.initial-offset-from=old, read new until RUNNING (the stand-in
// answers PENDING to the first read, RUNNING to the second), then delete
// old; and the end state: new RUNNING, old gone.
func assertCarried(t *testing.T, srv *confluenttest.Server, old, new string, stop bool) {
	t.Helper()
	reqs := srv.Requests()
	put, post, del := logIndex(reqs, isPut(old)), logIndex(reqs, isPost(new)), logIndex(reqs, isDelete(old))
	if !stop && put >= 0 {
		t.Errorf("%s was STOPPED already, yet stopped again", old)
	}
	if !stop {
		put = post - 1
	}
	if put < 0 || post < 0 || del < 0 || !(put < post && post < del) {
		t.Fatalf("%s → %s: want PUT stopped (%d) < POST (%d) < DELETE (%d)", old, new, put, post, del)
	}
	if body := reqs[post].Body; !strings.Contains(body, `"`+confluent.PropInitialOffsetFrom+`":"`+old+`"`) {
		t.Errorf("create of %s does not carry offsets from %s: %s", new, old, body)
	}
	gets := 0
	for _, r := range reqs[post:del] {
		if isGet(new)(r) {
			gets++
		}
	}
	if gets < 2 {
		t.Errorf("%s deleted after %d reads of %s, want it read PENDING then RUNNING first", old, gets, new)
	}
	if ph, _ := srv.StatementPhase(new); ph != "RUNNING" {
		t.Errorf("%s is %q, want RUNNING", new, ph)
	}
	if ph, ok := srv.StatementPhase(old); ok {
		t.Errorf("%s still exists (%s) after the carry", old, ph)
	}
	if got := srv.OffsetSource(new); got != old {
		t.Errorf("%s started from %q, want %s", new, got, old)
	}
}

// TestCarryOffsets: with --carry-offsets, a DML change of a stateless table
// stops its statement N, starts N.b from N's offsets and deletes N once
// N.b runs; a rerun plans nothing; the next change flips back to N. A
// stateful table changed at the same time restarts from its startup mode
// (deleted, not stopped, no initial-offset-from) with a warning.
func TestCarryOffsets(t *testing.T) {
	root := samples(t)
	d := newDeployment(t, root, confluenttest.Faults{}, func(o *confluent.Options) { o.CarryOffsets = true })
	first := d.carryRun(t)
	if first.Summary.Changes() != first.Summary.Create {
		t.Fatalf("first deploy summary = %+v", first.Summary)
	}

	editDML(t, root, "sources/saleops", statelessTable, "COALESCE(region, 'UNKNOWN')", "COALESCE(region, 'UNSET')")
	editDML(t, root, "sources/saleops", statefulTable, "'Uncategorized') AS category", "'Unknown') AS category")
	d.srv.ResetLog()
	second := d.carryRun(t)
	if act := acting(second); len(act) != 2 || act[statelessTable] != plan.ActionRestart || act[statefulTable] != plan.ActionRestart {
		t.Fatalf("second deploy acts on %v, want restarts of %s and %s", act, statelessTable, statefulTable)
	}
	s := second.Step(statelessTable)
	if got := s.Statement(deployers.KindDML); got != statelessDML+".b" {
		t.Errorf("carried restart submits %q, want %s.b", got, statelessDML)
	}
	if !strings.HasSuffix(s.Reason, "offsets carried over from "+statelessDML) || len(s.Warnings) != 0 {
		t.Errorf("carried step reason %q, warnings %q", s.Reason, s.Warnings)
	}
	assertCarried(t, d.srv, statelessDML, statelessDML+".b", true)

	sf := second.Step(statefulTable)
	if got := sf.Statement(deployers.KindDML); got != statefulDML {
		t.Errorf("stateful restart submits %q, want %s", got, statefulDML)
	}
	if len(sf.Warnings) != 1 || !strings.Contains(sf.Warnings[0], "stateful DML: --carry-offsets does not apply") {
		t.Errorf("stateful step warnings = %q", sf.Warnings)
	}
	reqs := d.srv.Requests()
	if i := logIndex(reqs, isPut(statefulDML)); i >= 0 {
		t.Errorf("stateful DML stopped instead of deleted: %+v", reqs[i])
	}
	if i := logIndex(reqs, isPost(statefulDML)); i < 0 || strings.Contains(reqs[i].Body, confluent.PropInitialOffsetFrom) {
		t.Errorf("stateful DML not created, or created with carried offsets (request %d)", i)
	}
	if src := d.srv.OffsetSource(statefulDML); src != "" {
		t.Errorf("stateful DML started from %s", src)
	}

	// The state finds the DML under its other name: nothing to do.
	d.srv.ResetLog()
	if third := d.carryRun(t); third.HasChanges() {
		t.Fatalf("rerun after the carry plans %v", acting(third))
	}
	if got := created(d.srv); len(got) != 0 {
		t.Errorf("rerun created %v", got)
	}

	// A second change flips back to the conventional name.
	editDML(t, root, "sources/saleops", statelessTable, "COALESCE(region, 'UNSET')", "COALESCE(region, 'NONE')")
	d.srv.ResetLog()
	fourth := d.carryRun(t)
	if act := acting(fourth); len(act) != 1 || act[statelessTable] != plan.ActionRestart {
		t.Fatalf("fourth deploy acts on %v", act)
	}
	if got := fourth.Step(statelessTable).Statement(deployers.KindDML); got != statelessDML {
		t.Errorf("second carry submits %q, want %s", got, statelessDML)
	}
	assertCarried(t, d.srv, statelessDML+".b", statelessDML, true)
	if fifth := d.carryRun(t); fifth.HasChanges() {
		t.Fatalf("rerun after the flip back plans %v", acting(fifth))
	}
}

// TestCarryOffsetsOff: without the option a restart deletes the running
// DML, whichever of its names it runs under, and starts the conventional
// name from the startup mode; the plan is left alone.
func TestCarryOffsetsOff(t *testing.T) {
	root := samples(t)
	on := newDeployment(t, root, confluenttest.Faults{}, func(o *confluent.Options) { o.CarryOffsets = true })
	on.carryRun(t)
	editDML(t, root, "sources/saleops", statelessTable, "COALESCE(region, 'UNKNOWN')", "COALESCE(region, 'UNSET')")
	on.carryRun(t)
	if ph, _ := on.srv.StatementPhase(statelessDML + ".b"); ph != "RUNNING" {
		t.Fatalf("%s.b is %q after a carried restart", statelessDML, ph)
	}

	// Same stand-in, a target without the option.
	off, err := confluent.New(on.srv.Config(), confluent.Options{Version: "test", PollInitial: time.Millisecond, PollMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	on.target, on.carry = off, false
	editDML(t, root, "sources/saleops", statelessTable, "COALESCE(region, 'UNSET')", "COALESCE(region, 'NONE')")
	on.srv.ResetLog()
	pl := on.carryRun(t)
	s := pl.Step(statelessTable)
	if s.Action != plan.ActionRestart || s.Statement(deployers.KindDML) != statelessDML || len(s.Warnings) != 0 ||
		!slices.Equal(s.Replaces, []string{statelessDML + ".b"}) {
		t.Fatalf("restart without the option: %+v", s)
	}
	reqs := on.srv.Requests()
	if logIndex(reqs, isPut(statelessDML+".b")) >= 0 || logIndex(reqs, isDelete(statelessDML+".b")) < 0 {
		t.Errorf("without the option the running %s.b must be deleted, not stopped", statelessDML)
	}
	if ph, _ := on.srv.StatementPhase(statelessDML); ph != "RUNNING" || on.srv.OffsetSource(statelessDML) != "" {
		t.Errorf("%s is %q, from %q; want RUNNING from the startup mode", statelessDML, ph, on.srv.OffsetSource(statelessDML))
	}
}

func TestAlternateName(t *testing.T) {
	for _, c := range []struct{ conventional, current, want string }{
		{"dev-dml-x", "dev-dml-x", "dev-dml-x.b"},
		{"dev-dml-x", "dev-dml-x.b", "dev-dml-x"},
		{"dev-dml-x", "", "dev-dml-x.b"},
	} {
		if got := confluent.AlternateName(c.conventional, c.current); got != c.want {
			t.Errorf("AlternateName(%q, %q) = %q; want %q", c.conventional, c.current, got, c.want)
		}
	}
}

// TestCarryOffsetsFromStopped: a stateless DML left STOPPED (by hand, or by
// a carry whose new statement failed) is started with --carry-offsets from
// its offsets under the other name, and the STOPPED one is deleted.
func TestCarryOffsetsFromStopped(t *testing.T) {
	root := samples(t)
	d := newDeployment(t, root, confluenttest.Faults{}, func(o *confluent.Options) { o.CarryOffsets = true })
	d.carryRun(t)

	// Stopped by hand: the plan starts it, carried.
	if err := d.target.StopStatement(context.Background(), statelessDML); err != nil {
		t.Fatal(err)
	}
	d.srv.ResetLog()
	pl := d.carryRun(t)
	if act := acting(pl); len(act) != 1 || act[statelessTable] != plan.ActionStart {
		t.Fatalf("after a stop the plan acts on %v, want a start of %s", act, statelessTable)
	}
	if got := pl.Step(statelessTable).Statement(deployers.KindDML); got != statelessDML+".b" {
		t.Errorf("start from a STOPPED DML submits %q, want %s.b", got, statelessDML)
	}
	assertCarried(t, d.srv, statelessDML, statelessDML+".b", false)

	// The next carry fails (the new statement goes FAILED): the old one
	// stays STOPPED with its offsets, the failure is reported.
	editDML(t, root, "sources/saleops", statelessTable, "COALESCE(region, 'UNKNOWN')", "COALESCE(region, 'UNSET')")
	d.srv.SetFaults(confluenttest.Faults{FailMatching: `dml-src-saleops-customer-history$`})
	if _, res := d.carryTry(t, nil); res.OK() {
		t.Fatal("carry to a failing statement succeeded")
	}
	if ph, _ := d.srv.StatementPhase(statelessDML + ".b"); ph != "STOPPED" {
		t.Fatalf("after a failed carry the old statement is %q, want STOPPED", ph)
	}
	if ph, _ := d.srv.StatementPhase(statelessDML); ph != "FAILED" {
		t.Fatalf("the failed new statement is %q", ph)
	}

	// The rerun prefers the STOPPED statement to the FAILED one and carries
	// from it again.
	d.srv.SetFaults(confluenttest.Faults{})
	d.srv.ResetLog()
	pl = d.carryRun(t)
	s := pl.Step(statelessTable)
	if s.Action != plan.ActionStart || s.Statement(deployers.KindDML) != statelessDML || !slices.Equal(s.Replaces, []string{statelessDML + ".b"}) {
		t.Fatalf("rerun after a failed carry: %+v", s)
	}
	assertCarried(t, d.srv, statelessDML+".b", statelessDML, false)
	if again := d.carryRun(t); again.HasChanges() {
		t.Errorf("rerun after the recovery plans %v", acting(again))
	}
}

// TestCarryOffsetsBelowRecreate: a stateless table restarted because its
// input is recreated by the same plan (a DDL change) reads a new topic: its
// restart is not carried, with a warning naming the input.
func TestCarryOffsetsBelowRecreate(t *testing.T) {
	const input, child, childDML = statefulTable, "saleops_dim_product", "dev-use1-saleops-dml-saleops-dim-product"
	d := newDeployment(t, samples(t), confluenttest.Faults{}, func(o *confluent.Options) { o.CarryOffsets = true })
	d.carryRun(t)
	d.srv.ResetLog()
	pl, res := d.carryTry(t, &changes.ChangeSet{BaseRef: "HEAD~1", Tables: []changes.TableChange{{Table: input, Kind: changes.KindDDL}}})
	if !res.OK() {
		t.Fatalf("deploy failed: %v", res.Err())
	}
	if act := acting(pl); act[input] != plan.ActionRecreate || act[child] != plan.ActionRestart {
		t.Fatalf("plan acts on %v, want %s recreated and %s restarted", act, input, child)
	}
	s := pl.Step(child)
	if s.Statement(deployers.KindDML) != childDML || len(s.Warnings) != 1 ||
		!strings.Contains(s.Warnings[0], "input "+input+" is created again by this plan") {
		t.Errorf("restart below a recreate: DML %s, warnings %q", s.Statement(deployers.KindDML), s.Warnings)
	}
	if i := logIndex(d.srv.Requests(), isPost(childDML)); i < 0 || strings.Contains(d.srv.Requests()[i].Body, confluent.PropInitialOffsetFrom) {
		t.Errorf("%s not created, or created with carried offsets", childDML)
	}
}
