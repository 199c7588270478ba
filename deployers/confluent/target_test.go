package confluent

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
)

const db = confluenttest.DefaultCatalog + "." + confluenttest.DefaultDatabase

var running = []deployers.Phase{deployers.PhaseRunning}
var completed = []deployers.Phase{deployers.PhaseCompleted}

// deployChain deploys raw → src_orders → fct_orders through the target as
// the engine would: DDL, wait COMPLETED, DML, wait RUNNING.
func deployChain(t *testing.T, tg *Target) {
	t.Helper()
	ctx := context.Background()
	for _, tb := range []struct{ name, ddl, dml string }{
		{"src_orders", "CREATE TABLE IF NOT EXISTS src_orders (id INT, amount INT);", "INSERT INTO src_orders SELECT id, amount FROM raw_orders;"},
		{"fct_orders", "CREATE TABLE IF NOT EXISTS fct_orders (id INT, total INT);", "INSERT INTO fct_orders SELECT id, SUM(amount) FROM src_orders GROUP BY id;"},
	} {
		base := strings.ReplaceAll(tb.name, "_", "-")
		if _, err := tg.CreateTable(ctx, deployers.StatementRequest{Name: "dev-usw2-ddl-" + base, Table: tb.name, Kind: deployers.KindDDL, SQL: tb.ddl}); err != nil {
			t.Fatal(err)
		}
		if _, err := tg.Wait(ctx, "dev-usw2-ddl-"+base, completed, time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, err := tg.StartStatement(ctx, deployers.StatementRequest{Name: "dev-usw2-dml-" + base, Table: tb.name, Kind: deployers.KindDML, SQL: tb.dml,
			Properties: map[string]string{"sql.state-ttl": "1 d"}}); err != nil {
			t.Fatal(err)
		}
		if s, err := tg.Wait(ctx, "dev-usw2-dml-"+base, running, time.Minute); err != nil || s.Phase != deployers.PhaseRunning {
			t.Fatalf("wait dml %s: %v %v", tb.name, s.Phase, err)
		}
	}
}

var chainRefs = []deployers.TableRef{
	{Table: "src_orders", DDLName: "dev-usw2-ddl-src-orders", DMLName: "dev-usw2-dml-src-orders"},
	{Table: "fct_orders", DDLName: "dev-usw2-ddl-fct-orders", DMLName: "dev-usw2-dml-fct-orders"},
	{Table: "other", DDLName: "dev-usw2-ddl-other", DMLName: "dev-usw2-dml-other"},
}

func TestTargetDeployAndState(t *testing.T) {
	e := newEnv(t, confluenttest.Options{ExistingTables: []string{db + ".raw_orders"}}, nil)
	deployChain(t, e.target)
	if got, want := e.srv.Tables(confluenttest.DefaultCatalog, confluenttest.DefaultDatabase), []string{"fct_orders", "raw_orders", "src_orders"}; !reflect.DeepEqual(got, want) {
		t.Errorf("tables = %v, want %v", got, want)
	}
	// DDL statements are deleted once COMPLETED so their names can be reused.
	if got, want := e.srv.StatementNames(), []string{"dev-usw2-dml-fct-orders", "dev-usw2-dml-src-orders"}; !reflect.DeepEqual(got, want) {
		t.Errorf("statements = %v, want %v", got, want)
	}
	// Every create carried the configured catalog/database merged with the
	// request's properties and the configured pool.
	for _, r := range e.srv.Requests() {
		if r.Method != "POST" {
			continue
		}
		var body struct {
			Name string
			Spec struct {
				Properties    map[string]string
				ComputePoolID string `json:"compute_pool_id"`
			}
		}
		json.Unmarshal([]byte(r.Body), &body)
		want := map[string]string{PropCatalog: confluenttest.DefaultCatalog, PropDatabase: confluenttest.DefaultDatabase}
		if strings.Contains(body.Name, "-dml-") {
			want["sql.state-ttl"] = "1 d"
		}
		if !reflect.DeepEqual(body.Spec.Properties, want) || body.Spec.ComputePoolID != confluenttest.DefaultPool {
			t.Errorf("%s: properties %v pool %q", body.Name, body.Spec.Properties, body.Spec.ComputePoolID)
		}
	}

	e.srv.ResetLog()
	state, err := e.target.State(context.Background(), chainRefs)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.srv.Requests()); n != 1 {
		t.Errorf("State made %d requests, want one listing", n)
	}
	src := state["src_orders"]
	if !src.Exists || src.DML == nil || src.DML.Phase != deployers.PhaseRunning || src.DML.SQL != "INSERT INTO src_orders SELECT id, amount FROM raw_orders;" ||
		src.DML.Kind != deployers.KindDML || src.DML.Table != "src_orders" || src.DML.ComputePool != confluenttest.DefaultPool || src.DDL != "" {
		t.Errorf("state[src_orders] = %+v / %+v", src, src.DML)
	}
	if o := state["other"]; o.Exists || o.DML != nil {
		t.Errorf("state[other] = %+v", o)
	}
	list, err := e.target.ListStatements(context.Background())
	if err != nil || len(list) != 2 || list[0].Name != "dev-usw2-dml-fct-orders" {
		t.Errorf("ListStatements = %+v, %v", list, err)
	}
	if e.target.Info() != (deployers.Info{Target: "confluent", Environment: confluenttest.DefaultEnv}) {
		t.Errorf("Info = %+v", e.target.Info())
	}
}

func TestTargetStateKnowsUndeletedDDL(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, nil)
	e.srv.AddStatement("dev-usw2-ddl-other", "CREATE TABLE other (x INT);", "COMPLETED", time.Now())
	e.srv.AddStatement("dev-usw2-ddl-src-orders", "CREATE TABLE src_orders (x INT);", "FAILED", time.Now())
	state, err := e.target.State(context.Background(), chainRefs)
	if err != nil {
		t.Fatal(err)
	}
	if o := state["other"]; !o.Exists || o.DDL != "CREATE TABLE other (x INT);" {
		t.Errorf("state[other] = %+v", o)
	}
	if s := state["src_orders"]; s.Exists {
		t.Errorf("a FAILED DDL does not make the table exist: %+v", s)
	}
}

func TestTargetStopDeleteRedeploy(t *testing.T) {
	e := newEnv(t, confluenttest.Options{ExistingTables: []string{db + ".raw_orders"}}, nil)
	deployChain(t, e.target)
	ctx := context.Background()
	if err := e.target.StopStatement(ctx, "dev-usw2-dml-src-orders"); err != nil {
		t.Fatal(err)
	}
	if ph, _ := e.srv.StatementPhase("dev-usw2-dml-src-orders"); ph != "STOPPED" {
		t.Errorf("phase after stop = %s", ph)
	}
	if err := e.target.DeleteStatement(ctx, "dev-usw2-dml-src-orders"); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.srv.StatementPhase("dev-usw2-dml-src-orders"); ok {
		t.Error("statement not deleted")
	}
	if err := e.target.DeleteStatement(ctx, "dev-usw2-dml-src-orders"); err != nil {
		t.Errorf("delete of a missing statement: %v", err)
	}
	// A second deploy reuses the DDL names and adopts the running DML.
	e.srv.ResetLog()
	deployChain(t, e.target)
	if ph, _ := e.srv.StatementPhase("dev-usw2-dml-src-orders"); ph != "RUNNING" {
		t.Errorf("redeployed phase = %s", ph)
	}
	if e.target.Retries() != 0 {
		t.Errorf("retries = %d without faults", e.target.Retries())
	}
}

func TestTargetReusesNameOfFinishedStatement(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, nil)
	ctx := context.Background()
	e.srv.AddStatement("dev-usw2-ddl-t", "CREATE TABLE t (x INT);", "COMPLETED", time.Now().Add(-time.Hour))
	s, err := e.target.CreateTable(ctx, deployers.StatementRequest{Name: "dev-usw2-ddl-t", Table: "t", SQL: "CREATE TABLE IF NOT EXISTS t (x INT, y INT);"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Phase != deployers.PhasePending || s.SQL != "CREATE TABLE IF NOT EXISTS t (x INT, y INT);" {
		t.Errorf("statement = %+v", s)
	}
	var calls []string
	for _, r := range e.srv.Requests() {
		if strings.HasPrefix(r.Path, "/sql/") {
			calls = append(calls, r.Method)
		}
	}
	if want := []string{"POST", "GET", "DELETE", "GET", "GET", "POST"}; !reflect.DeepEqual(calls, want) {
		t.Errorf("calls = %v, want %v", calls, want)
	}
	// A running statement with other SQL under the same name is not touched.
	e.srv.AddStatement("dev-usw2-dml-t", "INSERT INTO t SELECT 1;", "RUNNING", time.Now())
	_, err = e.target.StartStatement(ctx, deployers.StatementRequest{Name: "dev-usw2-dml-t", Table: "t", SQL: "INSERT INTO t SELECT 2;"})
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "dev-usw2-dml-t") {
		t.Errorf("err = %v", err)
	}
	if ph, _ := e.srv.StatementPhase("dev-usw2-dml-t"); ph != "RUNNING" {
		t.Errorf("running statement touched: %s", ph)
	}
	// The same SQL already running is adopted (rerun after a crash).
	s, err = e.target.StartStatement(ctx, deployers.StatementRequest{Name: "dev-usw2-dml-t", Table: "t", SQL: "INSERT INTO t SELECT 1;"})
	if err != nil || s.Phase != deployers.PhaseRunning {
		t.Errorf("adopt: %+v %v", s, err)
	}
}

func TestTargetDropTable(t *testing.T) {
	e := newEnv(t, confluenttest.Options{ExistingTables: []string{db + ".old"}}, nil)
	ctx := context.Background()
	if err := e.target.DropTable(ctx, deployers.StatementRequest{Name: "drop-old", Table: "old"}); err != nil {
		t.Fatal(err)
	}
	if got := e.srv.Tables(confluenttest.DefaultCatalog, confluenttest.DefaultDatabase); len(got) != 0 {
		t.Errorf("tables after drop = %v", got)
	}
	if names := e.srv.StatementNames(); len(names) != 0 {
		t.Errorf("helper statement left: %v", names)
	}
	var body struct{ Spec struct{ Statement string } }
	for _, r := range e.srv.Requests() {
		if r.Method == "POST" {
			json.Unmarshal([]byte(r.Body), &body)
			break
		}
	}
	if body.Spec.Statement != "DROP TABLE IF EXISTS `old`;" {
		t.Errorf("drop SQL = %q", body.Spec.Statement)
	}
	// Dropping again is fine (IF EXISTS) and reuses the helper name.
	if err := e.target.DropTable(ctx, deployers.StatementRequest{Name: "drop-old", Table: "old"}); err != nil {
		t.Errorf("second drop: %v", err)
	}
}

func TestTargetWaitOutcomes(t *testing.T) {
	tests := []struct {
		name       string
		faults     confluenttest.Faults
		sql        string
		want       []deployers.Phase
		wantPhase  deployers.Phase
		wantErr    error
		wantDetail string
	}{
		{"missing source table", confluenttest.Faults{}, "INSERT INTO dst SELECT * FROM nowhere;", running,
			deployers.PhaseFailed, &deployers.StatementError{}, "Table (or view) 'nowhere' does not exist"},
		{"missing sink table", confluenttest.Faults{}, "INSERT INTO nosink SELECT * FROM src;", running,
			deployers.PhaseFailed, &deployers.StatementError{}, "'nosink' does not exist"},
		{"create existing table", confluenttest.Faults{}, "CREATE TABLE src (x INT);", completed,
			deployers.PhaseFailed, &deployers.StatementError{}, "already exists"},
		{"failed without detail uses exceptions", confluenttest.Faults{FailNoDetail: "x"}, "INSERT INTO dst SELECT * FROM src;", running,
			deployers.PhaseFailed, &deployers.StatementError{}, "ValidationException: injected failure"},
		{"running then failing", confluenttest.Faults{FailingMatching: "x"}, "INSERT INTO dst SELECT * FROM src;", []deployers.Phase{deployers.PhaseStopped},
			deployers.PhaseFailing, &deployers.StatementError{}, "task manager lost"},
		{"degraded counts as running", confluenttest.Faults{DegradeMatching: "x"}, "INSERT INTO dst SELECT * FROM src;", running,
			deployers.PhaseRunning, nil, ""},
		{"unknown phase tolerated", confluenttest.Faults{UnknownPhase: "x"}, "INSERT INTO dst SELECT * FROM src;", running,
			deployers.PhaseRunning, nil, ""},
		{"pending forever times out", confluenttest.Faults{PendingForever: "x"}, "INSERT INTO dst SELECT * FROM src;", running,
			deployers.PhasePending, deployers.ErrTimeout, ""},
		{"completed when running wanted", confluenttest.Faults{}, "SELECT * FROM src;", running,
			deployers.PhaseCompleted, &deployers.StatementError{}, "expected RUNNING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, confluenttest.Options{ExistingTables: []string{db + ".src", db + ".dst"}}, func(o *Options) {
				o.Sleep = nil
				o.PollInitial, o.PollMax = time.Millisecond, 2*time.Millisecond
			})
			e.srv.SetFaults(tt.faults)
			ctx := context.Background()
			if _, err := e.target.StartStatement(ctx, deployers.StatementRequest{Name: "x", Table: "dst", SQL: tt.sql}); err != nil {
				t.Fatal(err)
			}
			timeout := 10 * time.Second
			if tt.faults.PendingForever != "" {
				timeout = 200 * time.Millisecond
			}
			s, err := e.target.Wait(ctx, "x", tt.want, timeout)
			if s.Phase != tt.wantPhase {
				t.Errorf("phase = %s, want %s (err %v)", s.Phase, tt.wantPhase, err)
			}
			switch want := tt.wantErr.(type) {
			case nil:
				if err != nil {
					t.Errorf("err = %v", err)
				}
			case *deployers.StatementError:
				var se *deployers.StatementError
				if !errors.As(err, &se) || se.Name != "x" || !strings.Contains(se.Detail, tt.wantDetail) {
					t.Errorf("err = %v, want StatementError with %q", err, tt.wantDetail)
				}
				_ = want
			default:
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
			}
		})
	}
}

func TestTargetWaitMissingStatement(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, nil)
	_, err := e.target.Wait(context.Background(), "ghost", running, time.Second)
	if !errors.Is(err, deployers.ErrNotFound) || !strings.Contains(err.Error(), "ghost") {
		t.Errorf("err = %v", err)
	}
}

func TestTargetWaitBackoff(t *testing.T) {
	e := newEnv(t, confluenttest.Options{PendingReads: 8}, nil)
	ctx := context.Background()
	if _, err := e.target.StartStatement(ctx, deployers.StatementRequest{Name: "q", SQL: "SELECT 1;"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.target.Wait(ctx, "q", completed, time.Hour); err != nil {
		t.Fatal(err)
	}
	s := time.Second
	want := []time.Duration{s, 2 * s, 4 * s, 8 * s, 10 * s, 10 * s, 10 * s, 10 * s}
	if got := e.sleep.Delays(); !reflect.DeepEqual(got, want) {
		t.Errorf("poll delays = %v, want %v", got, want)
	}
}

// TestDeployUnderRateLimit is issue 5's bar: with 1 in 3 mutating calls
// answered 429 the deploy succeeds and the retries are counted.
func TestDeployUnderRateLimit(t *testing.T) {
	for _, retryAfter := range []string{"", "1"} {
		t.Run("Retry-After="+retryAfter, func(t *testing.T) {
			e := newEnv(t, confluenttest.Options{ExistingTables: []string{db + ".raw_orders"}}, func(o *Options) { o.BackoffBase = 10 * time.Millisecond })
			e.srv.SetFaults(confluenttest.Faults{RateLimitEvery: 3, RetryAfter: retryAfter})
			deployChain(t, e.target)
			if e.target.Retries() == 0 {
				t.Error("no retries counted")
			}
			var n429 int
			for _, r := range e.srv.Requests() {
				if r.Method != "GET" {
					n429++
				}
			}
			if int64(n429/3) != e.target.Retries() {
				t.Errorf("retries = %d, mutating calls = %d", e.target.Retries(), n429)
			}
			if ph, _ := e.srv.StatementPhase("dev-usw2-dml-fct-orders"); ph != "RUNNING" {
				t.Errorf("fct phase = %s", ph)
			}
			e.assertNoSecrets(t)
		})
	}
}

func TestPoolSelection(t *testing.T) {
	mk := func(id, phase string, cur, max int) ComputePool {
		var p ComputePool
		p.ID, p.Status.Phase, p.Status.CurrentCFU, p.Spec.MaxCFU = id, phase, cur, max
		return p
	}
	pools := []ComputePool{
		mk("lfcp-run", "PROVISIONED", 2, 10),
		mk("lfcp-full", "PROVISIONED", 8, 10),
		mk("lfcp-new", "PROVISIONING", 0, 10),
		mk("lfcp-cli", "PROVISIONED", 0, 5),
		mk("lfcp-cfg", "PROVISIONED", 1, 10),
	}
	sel := NewPoolSelector(pools, 0.8)
	tests := []struct {
		name                    string
		existing, cli, cfg      string
		create                  bool
		wantID, wantName, wantE string
	}{
		{"keep running pool", "lfcp-run", "lfcp-cli", "lfcp-cfg", false, "lfcp-run", "", ""},
		{"full running pool falls to cli", "lfcp-full", "lfcp-cli", "lfcp-cfg", false, "lfcp-cli", "", ""},
		{"provisioning pool skipped", "lfcp-new", "", "lfcp-cfg", false, "lfcp-cfg", "", ""},
		{"unknown pool skipped", "lfcp-gone", "", "lfcp-cfg", false, "lfcp-cfg", "", ""},
		{"none usable, creation allowed", "lfcp-full", "", "lfcp-new", true, "", "dev-src-recexe-orders", ""},
		{"none usable, no creation", "lfcp-full", "", "lfcp-new", false, "", "", "lfcp-full uses 8 of 10 CFU"},
		{"nothing configured", "", "", "", false, "", "", "set flink.compute_pool_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sel.Choose("src_recordexecution_orders", "dev", tt.existing, tt.cli, tt.cfg, tt.create)
			if tt.wantE != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantE) {
					t.Fatalf("err = %v, want %q", err, tt.wantE)
				}
				return
			}
			if err != nil || got.ID != tt.wantID || got.Name != tt.wantName || got.Create != (tt.wantName != "") {
				t.Errorf("Choose = %+v, %v", got, err)
			}
		})
	}
	if n := PoolName("dev", strings.Repeat("a_", 50)); len(n) != 64 {
		t.Errorf("PoolName not cut to 64: %d", len(n))
	}
}

func TestTargetPools(t *testing.T) {
	e := newEnv(t, confluenttest.Options{Pools: []confluenttest.Pool{{ID: confluenttest.DefaultPool, MaxCFU: 5, CurrentCFU: 5}}}, nil)
	ctx := context.Background()
	c, err := e.target.ChoosePool(ctx, "fct_orders", "", "", true)
	if err != nil || !c.Create || c.Name != "dev-fct-orders" {
		t.Fatalf("ChoosePool = %+v, %v", c, err)
	}
	p, err := e.target.CreatePool(ctx, c.Name)
	if err != nil || p.Status.Phase != PoolProvisioned || p.Spec.MaxCFU != 10 {
		t.Fatalf("CreatePool = %+v, %v", p, err)
	}
	c, err = e.target.ChoosePool(ctx, "fct_orders", p.ID, "", false)
	if err != nil || c.ID != p.ID {
		t.Errorf("ChoosePool after create = %+v, %v", c, err)
	}
	var lists int
	for _, r := range e.srv.Requests() {
		if r.Method == "GET" && r.Path == "/fcpm/v2/compute-pools" {
			lists++
		}
	}
	if lists != 1 {
		t.Errorf("pool listings = %d, want 1 (cached)", lists)
	}
}

func TestOptionsFromConfig(t *testing.T) {
	tc := config.ConfluentTarget{PollInitial: "5ms", PollMax: "bad", RequestTimeout: "3s", MaxAttempts: 2}
	o := optionsFromConfig(tc, Options{PollInitial: time.Second})
	if o.PollInitial != time.Second || o.PollMax != 0 || o.RequestTimeout != 3*time.Second || o.MaxAttempts != 2 {
		t.Errorf("options = %+v", o)
	}
	o = optionsFromConfig(tc, Options{}).withDefaults()
	if o.PollInitial != 5*time.Millisecond || o.PollMax != 10*time.Second {
		t.Errorf("with defaults = %v, %v", o.PollInitial, o.PollMax)
	}
}

func TestTargetPoolRules(t *testing.T) {
	pools := []confluenttest.Pool{
		{ID: confluenttest.DefaultPool, Name: "cfg", MaxCFU: 50, CurrentCFU: 45}, // 90%: full
		{ID: "lfcp-cli", Name: "cli", MaxCFU: 10, CurrentCFU: 1},
		{ID: "lfcp-old", Name: "old", MaxCFU: 10, CurrentCFU: 2},
	}
	ctx := context.Background()
	poolsOf := func(srv *confluenttest.Server) map[string]string {
		out := map[string]string{}
		for _, r := range srv.Requests() {
			if r.Method == "POST" && strings.HasSuffix(r.Path, "/statements") {
				var body struct {
					Name string
					Spec struct {
						ComputePoolID string `json:"compute_pool_id"`
					}
				}
				json.Unmarshal([]byte(r.Body), &body)
				out[body.Name] = body.Spec.ComputePoolID
			}
		}
		return out
	}
	req := func(name, table, sql string) deployers.StatementRequest {
		return deployers.StatementRequest{Name: name, Table: table, SQL: sql}
	}

	t.Run("full configured pool and no creation is an error", func(t *testing.T) {
		e := newEnv(t, confluenttest.Options{Pools: pools}, nil)
		_, err := e.target.CreateTable(ctx, req("ddl-t", "t", "CREATE TABLE t (x INT);"))
		if err == nil || !strings.Contains(err.Error(), "flink.compute_pool_id: pool lfcp-standin uses 45 of 50 CFU") ||
			!strings.Contains(err.Error(), "--pool-creation") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("--compute-pool-id before the configured pool", func(t *testing.T) {
		e := newEnv(t, confluenttest.Options{Pools: pools}, func(o *Options) { o.ComputePool = "lfcp-cli" })
		if _, err := e.target.CreateTable(ctx, req("ddl-t", "t", "CREATE TABLE t (x INT);")); err != nil {
			t.Fatal(err)
		}
		if got := poolsOf(e.srv)["ddl-t"]; got != "lfcp-cli" {
			t.Errorf("pool = %q", got)
		}
	})
	t.Run("a table keeps the pool of its running statement", func(t *testing.T) {
		e := newEnv(t, confluenttest.Options{Pools: pools, ExistingTables: []string{db + ".t", db + ".src"}},
			func(o *Options) { o.ComputePool = "lfcp-cli" })
		e.srv.AddStatement("dml-t", "INSERT INTO t SELECT * FROM src;", "RUNNING", time.Now())
		// AddStatement puts it in the default pool; move it the documented way.
		e.client.StopStatement(ctx, "dml-t")
		e.client.GetStatement(ctx, "dml-t")
		if err := e.client.ResumeStatement(ctx, "dml-t", "lfcp-old", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.target.State(ctx, []deployers.TableRef{{Table: "t", DMLName: "dml-t"}}); err != nil {
			t.Fatal(err)
		}
		if err := e.target.DeleteStatement(ctx, "dml-t"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.target.StartStatement(ctx, req("dml-t", "t", "INSERT INTO t SELECT x FROM src;")); err != nil {
			t.Fatal(err)
		}
		if got := poolsOf(e.srv)["dml-t"]; got != "lfcp-old" {
			t.Errorf("pool = %q, want the running statement's lfcp-old", got)
		}
	})
	t.Run("--pool-creation creates one pool per table and waits for it", func(t *testing.T) {
		e := newEnv(t, confluenttest.Options{Pools: pools[:1], ExistingTables: []string{db + ".src"}},
			func(o *Options) { o.AllowPoolCreation = true })
		if _, err := e.target.CreateTable(ctx, req("ddl-fct-orders", "fct_orders", "CREATE TABLE fct_orders (x INT);")); err != nil {
			t.Fatal(err)
		}
		if _, err := e.target.Wait(ctx, "ddl-fct-orders", completed, time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, err := e.target.StartStatement(ctx, req("dml-fct-orders", "fct_orders", "INSERT INTO fct_orders SELECT x FROM src;")); err != nil {
			t.Fatal(err)
		}
		got := poolsOf(e.srv)
		if got["ddl-fct-orders"] == "" || got["ddl-fct-orders"] == confluenttest.DefaultPool || got["dml-fct-orders"] != got["ddl-fct-orders"] {
			t.Errorf("pools = %v", got)
		}
		var creates []string
		for _, r := range e.srv.Requests() {
			if r.Method == "POST" && r.Path == "/fcpm/v2/compute-pools" {
				creates = append(creates, r.Body)
			}
		}
		if len(creates) != 1 || !strings.Contains(creates[0], `"display_name":"dev-fct-orders"`) || !strings.Contains(creates[0], `"max_cfu":10`) {
			t.Errorf("pool creations = %v", creates)
		}
	})
}

func TestPoolSelectionByConventionName(t *testing.T) {
	var named, full ComputePool
	named.ID, named.Spec.DisplayName, named.Status.Phase, named.Spec.MaxCFU = "lfcp-named", "dev-fct-orders", PoolProvisioned, 10
	full.ID, full.Status.Phase, full.Spec.MaxCFU, full.Status.CurrentCFU = "lfcp-full", PoolProvisioned, 10, 10
	got, err := NewPoolSelector([]ComputePool{named, full}, 0.8).Choose("fct_orders", "dev", "", "", "lfcp-full", true)
	if err != nil || got.ID != "lfcp-named" || got.Create {
		t.Errorf("Choose = %+v, %v; want the pool named by convention", got, err)
	}
}

func TestSecretPropertiesMasked(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, nil)
	ctx := context.Background()
	_, err := e.target.StartStatement(ctx, deployers.StatementRequest{Name: "q", SQL: "SELECT 1;",
		Properties: map[string]string{"sql.secrets.openai": "sk-CANARY-123456", "sql.local-time-zone": "UTC"}})
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.target.ListStatements(ctx)
	if err != nil || len(list) != 1 {
		t.Fatal(list, err)
	}
	if p := list[0].Properties; p["sql.secrets.openai"] != "****" || p["sql.local-time-zone"] != "UTC" {
		t.Errorf("properties = %v", p)
	}
}

func TestNamesMissingTable(t *testing.T) {
	tests := []struct {
		detail, table string
		want          bool
	}{
		{"Table (or view) 'env-1.lkc-1.fct_orders' does not exist, may be on a different cluster, or you might not have the required permissions", "fct_orders", true},
		{"Table (or view) 'fct_orders' does not exist", "fct_orders", true},
		{"Cannot find table '`default_catalog`.`default_database`.`fct_orders`' in any of the catalogs [default_catalog], nor as a temporary table.", "fct_orders", true},
		{"SQL validation failed. From line 1, column 15 to line 1, column 20: Object 'fct_orders' not found", "fct_orders", true},
		// A parent is missing: the table itself may well exist.
		{"Table (or view) 'env-1.lkc-1.src_orders' does not exist", "fct_orders", false},
		{"Table (or view) 'env-1.lkc-1.src_orders' does not exist; Table (or view) 'fct_orders' does not exist", "fct_orders", true},
		// Same suffix, another table.
		{"Table (or view) 'env-1.lkc-1.x_fct_orders' does not exist", "fct_orders", false},
		// Other failures.
		{"Table (or view) lkc-1.fct_orders already exists in Catalog env-1.", "fct_orders", false},
		{"Table (or view) 'fct_orders' has no column id", "fct_orders", false},
		{"Cannot find table 'fct_orders", "fct_orders", false},
		{"", "fct_orders", false},
	}
	for _, tc := range tests {
		if got := namesMissingTable(tc.detail, tc.table); got != tc.want {
			t.Errorf("namesMissingTable(%q, %s) = %v, want %v", tc.detail, tc.table, got, tc.want)
		}
	}
}

// TestTargetStateFailedDMLOfMissingTable: a DML that failed because its own
// table does not exist does not make the table exist (the plan creates it);
// one that failed for want of a parent does.
func TestTargetStateFailedDMLOfMissingTable(t *testing.T) {
	e := newEnv(t, confluenttest.Options{ExistingTables: []string{db + ".raw_orders"}}, nil)
	ctx := context.Background()
	// fct_orders' DML before any DDL: it fails naming src_orders, its parent.
	// src_orders' DML before its DDL: it fails naming src_orders itself.
	for _, r := range []struct{ name, table, sql string }{
		{"dev-usw2-dml-fct-orders", "fct_orders", "INSERT INTO fct_orders SELECT id, SUM(amount) FROM src_orders GROUP BY id;"},
		{"dev-usw2-dml-src-orders", "src_orders", "INSERT INTO src_orders SELECT id, amount FROM raw_orders;"},
	} {
		if _, err := e.target.StartStatement(ctx, deployers.StatementRequest{Name: r.name, Table: r.table, Kind: deployers.KindDML, SQL: r.sql}); err != nil {
			t.Fatal(err)
		}
		s, err := e.target.Wait(ctx, r.name, running, time.Minute)
		if s.Phase != deployers.PhaseFailed || err == nil {
			t.Fatalf("%s: phase %s, err %v; want FAILED", r.name, s.Phase, err)
		}
	}
	state, err := e.target.State(ctx, chainRefs)
	if err != nil {
		t.Fatal(err)
	}
	if s := state["src_orders"]; s.Exists || s.DML == nil || s.DML.Phase != deployers.PhaseFailed {
		t.Errorf("state[src_orders] = %+v, want a FAILED DML and no table", s)
	}
	if s := state["fct_orders"]; !s.Exists || s.DML == nil {
		t.Errorf("state[fct_orders] = %+v, want a FAILED DML; only its parent is named missing, so the table counts as existing", s)
	}
}

// TestPrincipalFromConfig: confluent_cloud.service_account_id is the
// principal of every statement the target creates; without it the
// request names none (the API key's owner).
func TestPrincipalFromConfig(t *testing.T) {
	for _, sa := range []string{"sa-svc1", ""} {
		e := newEnv(t, confluenttest.Options{ExistingTables: []string{db + ".raw_orders"}}, nil)
		cfg := *e.cfg
		cfg.ConfluentCloud.ServiceAccountID = sa
		tg, err := New(&cfg, Options{Version: "test", Sleep: e.sleep.Sleep})
		if err != nil {
			t.Fatal(err)
		}
		deployChain(t, tg)
		posts := 0
		for _, r := range e.srv.Requests() {
			if r.Method != "POST" {
				continue
			}
			posts++
			var body struct {
				Name string
				Spec map[string]any
			}
			json.Unmarshal([]byte(r.Body), &body)
			got, set := body.Spec["principal"]
			if (sa == "" && set) || (sa != "" && got != sa) {
				t.Errorf("service account %q: %s has principal %v", sa, body.Name, got)
			}
		}
		if posts != 4 {
			t.Errorf("%d statements created, want 4", posts)
		}
	}
}
