package flink_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/flink"
	"github.com/shiftleft-dev/shiftleft/deployers/flink/flinktest"
)

const (
	ddlOrders = `-- raw orders
CREATE TABLE orders (
  id INT,
  amount DECIMAL(10, 2),
  PRIMARY KEY (id) NOT ENFORCED
) DISTRIBUTED BY HASH(id) INTO 3 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'kafka.retention.time' = '0'
);`
	ddlTotals = `CREATE TABLE totals (id INT, total DECIMAL(10, 2), PRIMARY KEY (id) NOT ENFORCED);`
	dmlTotals = "-- totals per order\nINSERT INTO totals SELECT id, SUM(amount) FROM orders GROUP BY id;\n"
)

type fixture struct {
	srv   *flinktest.Server
	state string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := flinktest.New()
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, state: filepath.Join(t.TempDir(), ".shiftleft", "flink-dev.json")}
}

func (f *fixture) target(t *testing.T, mod func(*flink.Options)) *flink.Target {
	t.Helper()
	opts := flink.Options{
		GatewayURL:    f.srv.Gateway.URL,
		JobManagerURL: f.srv.JobManager.URL,
		Environment:   "dev",
		StateFile:     f.state,
		PollInterval:  time.Millisecond,
		TableOptions:  map[string]string{"connector": "upsert-kafka", "key.format": "json", "value.format": "json"},
		Now:           func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
	}
	if mod != nil {
		mod(&opts)
	}
	tg, err := flink.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tg.Close(context.Background()) })
	return tg
}

func ddl(name, table, sql string) deployers.StatementRequest {
	return deployers.StatementRequest{Name: name, Table: table, Kind: deployers.KindDDL, SQL: sql}
}

func dml(name, table, sql string) deployers.StatementRequest {
	return deployers.StatementRequest{Name: name, Table: table, Kind: deployers.KindDML, SQL: sql}
}

// deploy creates orders and totals and starts totals' DML.
func deploy(t *testing.T, ctx context.Context, tg *flink.Target) deployers.Statement {
	t.Helper()
	for _, req := range []deployers.StatementRequest{ddl("dev-orders-ddl", "orders", ddlOrders), ddl("dev-totals-ddl", "totals", ddlTotals)} {
		st, err := tg.CreateTable(ctx, req)
		if err != nil {
			t.Fatalf("CreateTable %s: %v", req.Table, err)
		}
		if st.Phase != deployers.PhaseCompleted {
			t.Fatalf("CreateTable %s phase = %s, want COMPLETED", req.Table, st.Phase)
		}
	}
	req := dml("dev-totals-dml", "totals", dmlTotals)
	req.Properties = map[string]string{"sql.local-time-zone": "UTC", "client.statement-name": "x", "sql.state-ttl": "7 d"}
	st, err := tg.StartStatement(ctx, req)
	if err != nil {
		t.Fatalf("StartStatement: %v", err)
	}
	if st.Phase != deployers.PhasePending || st.Properties["job_id"] == "" {
		t.Fatalf("StartStatement = %+v, want PENDING with a job id", st)
	}
	return st
}

func TestDeployStopDeleteDrop(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tg := f.target(t, nil)
	if got := tg.Info(); got != (deployers.Info{Target: "flink", Environment: "dev", KnowsTables: true}) {
		t.Errorf("Info = %+v", got)
	}
	started := deploy(t, ctx, tg)

	jobs := f.srv.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("jobs = %+v, want one", jobs)
	}
	j := jobs[0]
	if j.Name != "dev-totals-dml" || j.ID != started.Properties["job_id"] {
		t.Errorf("job = %s %q, want the statement name and the returned id", j.ID, j.Name)
	}
	for k, want := range map[string]string{"pipeline.name": "dev-totals-dml", "table.dml-sync": "false", "table.local-time-zone": "UTC", "table.exec.state.ttl": "7 d"} {
		if j.Config[k] != want {
			t.Errorf("executionConfig[%s] = %q, want %q", k, j.Config[k], want)
		}
	}
	for _, k := range []string{"client.statement-name", "sql.local-time-zone", "execution.savepoint.path"} {
		if _, ok := j.Config[k]; ok {
			t.Errorf("executionConfig has %s, want it dropped", k)
		}
	}
	if strings.HasPrefix(j.SQL, "--") || strings.HasSuffix(j.SQL, ";") {
		t.Errorf("submitted SQL %q keeps its comment or ';'", j.SQL)
	}

	st, err := tg.Wait(ctx, "dev-totals-dml", []deployers.Phase{deployers.PhaseRunning}, time.Second)
	if err != nil || st.Phase != deployers.PhaseRunning {
		t.Fatalf("Wait RUNNING = %s, %v", st.Phase, err)
	}
	if st, err := tg.Wait(ctx, "dev-orders-ddl", []deployers.Phase{deployers.PhaseCompleted}, time.Second); err != nil || st.Table != "orders" {
		t.Fatalf("Wait DDL = %+v, %v", st, err)
	}

	state, err := tg.State(ctx, []deployers.TableRef{
		{Table: "orders", DDLName: "dev-orders-ddl", DMLName: "dev-orders-dml"},
		{Table: "totals", DDLName: "dev-totals-ddl", DMLName: "dev-totals-dml"},
		{Table: "missing", DDLName: "dev-missing-ddl", DMLName: "dev-missing-dml"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if o := state["orders"]; !o.Exists || o.DDL != ddlOrders || o.DML != nil {
		t.Errorf("State orders = %+v, want existing with the requested DDL and no DML", o)
	}
	if tot := state["totals"]; !tot.Exists || tot.DML == nil || tot.DML.Phase != deployers.PhaseRunning || tot.DML.SQL != dmlTotals {
		t.Errorf("State totals = %+v (DML %+v), want a RUNNING DML with its SQL", tot, tot.DML)
	}
	if m := state["missing"]; m.Exists || m.DML != nil {
		t.Errorf("State missing = %+v", m)
	}

	list, err := tg.ListStatements(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range list {
		names = append(names, s.Name+":"+string(s.Phase))
	}
	if got, want := strings.Join(names, " "), "dev-orders-ddl:COMPLETED dev-totals-ddl:COMPLETED dev-totals-dml:RUNNING"; got != want {
		t.Errorf("ListStatements = %s, want %s", got, want)
	}

	if err := tg.StopStatement(ctx, "dev-totals-dml"); err != nil {
		t.Fatal(err)
	}
	if j := f.srv.Jobs()[0]; j.State != "CANCELED" {
		t.Errorf("job after stop = %s, want CANCELED", j.State)
	}
	if st, err := tg.Wait(ctx, "dev-totals-dml", []deployers.Phase{deployers.PhaseStopped}, time.Second); err != nil || st.Phase != deployers.PhaseStopped {
		t.Errorf("Wait STOPPED = %s, %v", st.Phase, err)
	}
	// Stopping again is a no-op.
	if err := tg.StopStatement(ctx, "dev-totals-dml"); err != nil {
		t.Errorf("second stop: %v", err)
	}
	if err := tg.DeleteStatement(ctx, "dev-totals-dml"); err != nil {
		t.Fatal(err)
	}
	if err := tg.DeleteStatement(ctx, "no-such-statement"); err != nil {
		t.Errorf("delete of a missing statement: %v", err)
	}
	if err := tg.DropTable(ctx, ddl("dev-totals-drop", "totals", "")); err != nil {
		t.Fatal(err)
	}
	state, err = tg.State(ctx, []deployers.TableRef{{Table: "totals", DMLName: "dev-totals-dml"}})
	if err != nil {
		t.Fatal(err)
	}
	if tot := state["totals"]; tot.Exists || (tot.DML != nil && tot.DML.Phase.Healthy()) {
		t.Errorf("State totals after drop = %+v", tot)
	}
}

func TestStateFileSurvivesSessionsAndRuns(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	first := f.target(t, nil)
	deploy(t, ctx, first)
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}

	var saved struct {
		Tables     map[string]struct{ DDL, Rendered, Statement string }
		Statements map[string]struct{ SQL, JobID string }
	}
	data, err := os.ReadFile(f.state)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &saved); err != nil {
		t.Fatal(err)
	}
	if r := saved.Tables["orders"]; r.DDL != ddlOrders || strings.Contains(r.Rendered, "DISTRIBUTED") || r.Statement != "dev-orders-ddl" {
		t.Errorf("state file orders = %+v", r)
	}
	if saved.Statements["dev-totals-dml"].SQL != dmlTotals {
		t.Errorf("state file statements = %+v", saved.Statements)
	}

	// A new run (new Target, new session) sees the tables: a DML reading
	// them is accepted only because the DDLs were replayed.
	second := f.target(t, nil)
	if _, err := second.StartStatement(ctx, dml("dev-totals-dml-2", "totals", dmlTotals)); err != nil {
		t.Fatalf("start in a new session: %v", err)
	}
	state, err := second.State(ctx, []deployers.TableRef{{Table: "totals", DMLName: "dev-totals-dml"}})
	if err != nil {
		t.Fatal(err)
	}
	if d := state["totals"].DML; d == nil || d.Phase != deployers.PhaseRunning {
		t.Errorf("a new Target does not see the running job: %+v", d)
	}

	// The gateway forgets the session (idle expiry, restart): the next
	// statement reopens one and replays.
	f.srv.ExpireSessions()
	if _, err := second.StartStatement(ctx, dml("dev-totals-dml-3", "totals", dmlTotals)); err != nil {
		t.Fatalf("start after the session expired: %v", err)
	}
}

func TestStatementFailures(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		req        deployers.StatementRequest
		wantDetail string
	}{
		{"unknown source", dml("s1", "totals", "INSERT INTO totals SELECT id, amount FROM nope"), "Object 'nope' not found"},
		{"unknown sink", dml("s2", "nope", "INSERT INTO nope SELECT id, amount FROM orders"), "Cannot find table '`default_catalog`.`default_database`.`nope`'"},
		// The file of table "other" creates orders, which exists.
		{"duplicate table", ddl("s3", "other", "CREATE TABLE orders (id INT, PRIMARY KEY (id) NOT ENFORCED)"), "already exists in Catalog default_catalog"},
		{"two statements", dml("s4", "totals", "INSERT INTO totals SELECT * FROM orders; INSERT INTO totals SELECT * FROM orders"), "single SQL statement"},
	}
	f := newFixture(t)
	tg := f.target(t, nil)
	for _, req := range []deployers.StatementRequest{ddl("o", "orders", ddlOrders), ddl("t", "totals", ddlTotals)} {
		if _, err := tg.CreateTable(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.req.Kind == deployers.KindDDL {
				_, err = tg.CreateTable(ctx, tc.req)
			} else {
				_, err = tg.StartStatement(ctx, tc.req)
			}
			var se *deployers.StatementError
			if !errors.As(err, &se) || se.Phase != deployers.PhaseFailed || !strings.Contains(se.Detail, tc.wantDetail) {
				t.Fatalf("err = %v, want a FAILED StatementError containing %q", err, tc.wantDetail)
			}
			if strings.Contains(se.Detail, "\tat ") || strings.Contains(se.Detail, "Exception on server side") {
				t.Errorf("detail carries the stack trace: %q", se.Detail)
			}
			_, werr := tg.Wait(ctx, tc.req.Name, []deployers.Phase{deployers.PhaseRunning, deployers.PhaseCompleted}, time.Second)
			if !errors.As(werr, &se) {
				t.Errorf("Wait after failure = %v, want the StatementError", werr)
			}
		})
	}
	if n := len(f.srv.Jobs()); n != 0 {
		t.Errorf("%d jobs started by failing statements", n)
	}
}

// CreateTable of a table the state file records (State reported it gone,
// e.g. its topic was wiped) replaces the replayed catalog entry.
func TestCreateKnownTableReplacesIt(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tg := f.target(t, nil)
	deploy(t, ctx, tg)
	changed := strings.Replace(ddlTotals, "total DECIMAL(10, 2)", "total DECIMAL(12, 2)", 1)
	if _, err := tg.CreateTable(ctx, ddl("dev-totals-ddl", "totals", changed)); err != nil {
		t.Fatalf("re-create: %v", err)
	}
	state, err := tg.State(ctx, []deployers.TableRef{{Table: "totals"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := state["totals"].DDL; got != changed {
		t.Errorf("DDL after re-create = %q, want the new one", got)
	}
}

func TestWait(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tg := f.target(t, nil)
	st := deploy(t, ctx, tg)

	if _, err := tg.Wait(ctx, "never-started", []deployers.Phase{deployers.PhaseRunning}, time.Second); !errors.Is(err, deployers.ErrNotFound) {
		t.Errorf("Wait unknown = %v, want ErrNotFound", err)
	}
	if _, err := tg.Wait(ctx, "dev-totals-dml", []deployers.Phase{deployers.PhaseCompleted}, 20*time.Millisecond); !errors.Is(err, deployers.ErrTimeout) {
		t.Errorf("Wait COMPLETED on a streaming job = %v, want ErrTimeout", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := tg.Wait(cctx, "dev-totals-dml", []deployers.Phase{deployers.PhaseCompleted}, time.Minute); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait with a cancelled context = %v, want context.Canceled", err)
	}

	f.srv.FailJob(st.Properties["job_id"], "Failed to get metadata for topics [orders].")
	_, err := tg.Wait(ctx, "dev-totals-dml", []deployers.Phase{deployers.PhaseRunning}, time.Second)
	var se *deployers.StatementError
	if !errors.As(err, &se) || se.Phase != deployers.PhaseFailed || se.Detail != "Failed to get metadata for topics [orders]." {
		t.Errorf("Wait on a failed job = %v, want FAILED with the root exception", err)
	}
}

func TestRestartFromSavepoint(t *testing.T) {
	ctx := context.Background()
	for _, fromSavepoint := range []bool{false, true} {
		f := newFixture(t)
		tg := f.target(t, func(o *flink.Options) {
			o.FromSavepoint = fromSavepoint
			o.SavepointDir = "file:///sp"
		})
		deploy(t, ctx, tg)
		if err := tg.StopStatement(ctx, "dev-totals-dml"); err != nil {
			t.Fatalf("fromSavepoint=%v: stop: %v", fromSavepoint, err)
		}
		if err := tg.DeleteStatement(ctx, "dev-totals-dml"); err != nil {
			t.Fatal(err)
		}
		// Changed SQL whose state no longer maps: the table's .properties
		// file lets Flink drop what it cannot restore.
		restart := dml("dev-totals-dml", "totals", dmlTotals)
		restart.Properties = map[string]string{"execution.savepoint.ignore-unclaimed-state": "true"}
		st, err := tg.StartStatement(ctx, restart)
		if err != nil {
			t.Fatal(err)
		}
		jobs := f.srv.Jobs()
		first, second := jobs[0], jobs[len(jobs)-1]
		sp := second.Config["execution.savepoint.path"]
		if got := second.Config["execution.savepoint.ignore-unclaimed-state"]; got != "true" {
			t.Errorf("fromSavepoint=%v: ignore-unclaimed-state = %q, want the property passed to the job", fromSavepoint, got)
		}
		if fromSavepoint {
			if first.State != "FINISHED" || !strings.HasPrefix(sp, "file:///sp/savepoint-") || st.Properties["restored_from"] != sp {
				t.Errorf("with savepoint: first job %s, restart path %q, statement %+v", first.State, sp, st.Properties)
			}
		} else if first.State != "CANCELED" || sp != "" {
			t.Errorf("without savepoint: first job %s, restart path %q", first.State, sp)
		}
		// The executor restarts by delete + start: with FromSavepoint the
		// delete takes a savepoint too. Dropping the table discards it, as
		// the recreated table has a new schema.
		if err := tg.DeleteStatement(ctx, "dev-totals-dml"); err != nil {
			t.Fatal(err)
		}
		if err := tg.DropTable(ctx, ddl("dev-totals-drop", "totals", "")); err != nil {
			t.Fatal(err)
		}
		if _, err := tg.CreateTable(ctx, ddl("dev-totals-ddl", "totals", ddlTotals)); err != nil {
			t.Fatal(err)
		}
		if _, err := tg.StartStatement(ctx, dml("dev-totals-dml", "totals", dmlTotals)); err != nil {
			t.Fatal(err)
		}
		jobs = f.srv.Jobs()
		if p := jobs[len(jobs)-1].Config["execution.savepoint.path"]; p != "" {
			t.Errorf("fromSavepoint=%v: start after the table was recreated restores from %q", fromSavepoint, p)
		}
		if want := map[bool]string{true: "FINISHED", false: "CANCELED"}[fromSavepoint]; jobs[1].State != want {
			t.Errorf("fromSavepoint=%v: deleted job is %s, want %s", fromSavepoint, jobs[1].State, want)
		}
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(corrupt, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts flink.Options
		want string
	}{
		{"no gateway", flink.Options{JobManagerURL: "http://127.0.0.1:8081"}, "flink_gateway.url"},
		{"no jobmanager", flink.Options{GatewayURL: "http://127.0.0.1:8083"}, "jobmanager_url"},
		{"not a URL", flink.Options{GatewayURL: "127.0.0.1:8083", JobManagerURL: "http://127.0.0.1:8081"}, "not an http(s) URL"},
		{"corrupt state", flink.Options{GatewayURL: "https://h:1", JobManagerURL: "https://h:2", StateFile: corrupt}, "bad.json"},
		{"plain http to a remote gateway", flink.Options{GatewayURL: "http://flink.internal:8083", JobManagerURL: "https://h:2"}, "plain http:// is allowed only for loopback"},
		{"plain http to a remote jobmanager", flink.Options{GatewayURL: "http://[::1]:8083", JobManagerURL: "http://10.0.0.7:8081"}, "jobmanager_url (SL_FLINK_JOBMANAGER_URL) = \"http://10.0.0.7:8081\": plain http://"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := flink.New(tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, want an error naming %q", err, tc.want)
			}
		})
	}
}

func TestUnreachableGateway(t *testing.T) {
	f := newFixture(t)
	tg := f.target(t, func(o *flink.Options) { o.GatewayURL = "http://127.0.0.1:1" })
	_, err := tg.CreateTable(context.Background(), ddl("d", "orders", ddlOrders))
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("err = %v, want one naming the gateway address", err)
	}
}

// A statement property asking for table.dml-sync would make the gateway
// hold the INSERT's operation RUNNING for the job's whole life (forever for
// a streaming job): the target always submits with it off.
func TestDMLSyncIsForcedOff(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f := newFixture(t)
	tg := f.target(t, nil)
	for _, req := range []deployers.StatementRequest{ddl("o", "orders", ddlOrders), ddl("t", "totals", ddlTotals)} {
		if _, err := tg.CreateTable(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	req := dml("sync", "totals", dmlTotals)
	req.Properties = map[string]string{"table.dml-sync": "true"}
	st, err := tg.StartStatement(ctx, req)
	if err != nil || st.Properties["job_id"] == "" {
		t.Fatalf("StartStatement = %+v, %v; want a job id without blocking", st, err)
	}
	if got := f.srv.Jobs()[0].Config["table.dml-sync"]; got != "false" {
		t.Errorf("submitted table.dml-sync = %q, want false", got)
	}
}

// The executor runs independent steps at once: DML submissions share the
// session while DDLs take it alone; the state file keeps every statement.
func TestConcurrentStatements(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tg := f.target(t, nil)
	if _, err := tg.CreateTable(ctx, ddl("o", "orders", ddlOrders)); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			table := "totals_" + string(rune('a'+i))
			if _, err := tg.CreateTable(ctx, ddl("ddl-"+table, table, strings.Replace(ddlTotals, "totals", table, 1))); err != nil {
				errs <- err
				return
			}
			if _, err := tg.StartStatement(ctx, dml("dml-"+table, table, strings.Replace(dmlTotals, "INSERT INTO totals", "INSERT INTO "+table, 1))); err != nil {
				errs <- err
			}
			if i%3 == 0 {
				f.srv.ExpireSessions()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := len(f.srv.Jobs()); got != n {
		t.Errorf("%d jobs, want %d", got, n)
	}
	second := f.target(t, nil)
	list, err := second.ListStatements(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1+2*n {
		t.Errorf("state file lists %d statements, want %d", len(list), 1+2*n)
	}
}
