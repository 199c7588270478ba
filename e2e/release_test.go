package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/flink"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// TestReleaseOnRealFlink runs a release without downtime on the engine: a
// small product of our own (every name prefixed h18rel, so it never meets
// another test's tables) with a customer dimension and a sales fact that
// joins it. A breaking change to the dimension (its key's type, a new
// column) is started as a release: the _v2 versions run beside the old
// ones, the old fact keeps serving new rows, the new versions catch up
// (the flink target's lag, from the JobManager's metrics) and the new
// dimension has the new schema's rows; promote stops the old jobs, and
// finalize drops the old tables and topics. Everything the test created
// is removed at the end, also when it fails.
func TestReleaseOnRealFlink(t *testing.T) {
	e := needEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 9*time.Minute)
	defer cancel()

	dir := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const (
		dim     = "h18rel_dim_customer"
		fct     = "h18rel_fct_sales"
		rawCust = "h18rel_raw_customers"
		rawSale = "h18rel_raw_sales"
	)
	dimDDL := "pipelines/dimensions/h18rel/" + dim + "/sql-scripts/ddl." + dim + ".sql"
	dimDML := "pipelines/dimensions/h18rel/" + dim + "/sql-scripts/dml." + dim + ".sql"
	write(dimDDL, `CREATE TABLE IF NOT EXISTS h18rel_dim_customer (
  customer_id STRING NOT NULL,
  tier STRING,
  PRIMARY KEY (customer_id) NOT ENFORCED
) DISTRIBUTED BY HASH(customer_id) INTO 1 BUCKETS
WITH ('changelog.mode' = 'upsert');
`)
	write(dimDML, `INSERT INTO h18rel_dim_customer
SELECT customer_id, LAST_VALUE(tier) AS tier
FROM h18rel_raw_customers
GROUP BY customer_id;
`)
	write("pipelines/facts/h18rel/"+fct+"/sql-scripts/ddl."+fct+".sql", `CREATE TABLE IF NOT EXISTS h18rel_fct_sales (
  order_id STRING NOT NULL,
  customer_id STRING,
  tier STRING,
  amount INT,
  PRIMARY KEY (order_id) NOT ENFORCED
) DISTRIBUTED BY HASH(order_id) INTO 1 BUCKETS
WITH ('changelog.mode' = 'upsert');
`)
	write("pipelines/facts/h18rel/"+fct+"/sql-scripts/dml."+fct+".sql", `INSERT INTO h18rel_fct_sales
SELECT s.order_id, s.customer_id, c.tier, s.amount
FROM h18rel_raw_sales s
LEFT JOIN h18rel_dim_customer c ON s.customer_id = c.customer_id;
`)
	write("config.yaml", e.upsertConfig("h18rel"))

	topics := []string{rawCust, rawSale, dim, fct, dim + "_v2", fct + "_v2"}
	nm := plan.Naming{ClusterType: "h18rel", Region: "local"}
	stmt := func(table string) string {
		n, err := nm.Name(&pipeline.Table{Name: table, Product: "h18rel"}, deployers.KindDML)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	statements := []string{stmt(dim), stmt(fct), stmt(dim + "_v2"), stmt(fct + "_v2")}
	cleanEngine(t, ctx, e, statements, topics)
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), time.Minute)
		defer ccancel()
		cleanEngine(t, cctx, e, statements, topics)
	})

	// The raw tables are the source systems': created on the target (its
	// state file) so that every session of the CLI has them.
	tg, err := flink.New(flink.Options{
		GatewayURL: e.gateway, JobManagerURL: e.jobManager, Environment: "h18rel",
		StateFile: flink.StateFile(filepath.Join(dir, flink.StateDirName), "h18rel"),
		TableOptions: map[string]string{"connector": "upsert-kafka", "properties.bootstrap.servers": e.kafka,
			"key.format": "json", "value.format": "json"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, cols := range map[string]string{rawCust: "customer_id STRING, tier STRING", rawSale: "order_id STRING, customer_id STRING, amount INT"} {
		sql := "CREATE TABLE IF NOT EXISTS " + name + " (" + cols + ") DISTRIBUTED INTO 1 BUCKETS WITH ('changelog.mode' = 'append')"
		if _, err := tg.CreateTable(ctx, deployers.StatementRequest{Name: "h18rel-raw-" + name, Table: name, Kind: deployers.KindDDL, SQL: sql}); err != nil {
			t.Fatalf("create raw table %s: %v", name, err)
		}
	}
	if err := tg.Close(ctx); err != nil {
		t.Fatal(err)
	}

	d := &cliDeployer{dir: dir, getenv: func(k string) string {
		if k == "HOME" || k == "PATH" {
			return os.Getenv(k)
		}
		return ""
	}}
	on := []string{"--target", "flink", "--environment", "h18rel"}
	run := func(want int, args ...string) string {
		t.Helper()
		code, out, errOut := d.run(ctx, append(args, on...)...)
		t.Logf("shiftleft %s → exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		if code != want {
			t.Fatalf("shiftleft %s: exit %d, want %d", strings.Join(args, " "), code, want)
		}
		return out
	}
	run(0, "pipeline", "deploy", "--select", "product:h18rel")
	produce(t, ctx, e, rawCust, map[string]any{"customer_id": "C-1", "tier": "gold"}, map[string]any{"customer_id": "C-2", "tier": "silver"})
	produce(t, ctx, e, rawSale, map[string]any{"order_id": "O-1", "customer_id": "C-1", "amount": 10}, map[string]any{"order_id": "O-2", "customer_id": "C-2", "amount": 20})
	waitRows(t, ctx, e, fct, map[string]string{"O-1": "gold", "O-2": "silver"}, "tier")

	// The breaking change: the key's type, and a new column.
	write(dimDDL, `CREATE TABLE IF NOT EXISTS h18rel_dim_customer (
  customer_id VARCHAR(32) NOT NULL,
  tier STRING,
  tier_label STRING,
  PRIMARY KEY (customer_id) NOT ENFORCED
) DISTRIBUTED BY HASH(customer_id) INTO 1 BUCKETS
WITH ('changelog.mode' = 'upsert');
`)
	write(dimDML, `INSERT INTO h18rel_dim_customer
SELECT customer_id, LAST_VALUE(tier) AS tier, UPPER(LAST_VALUE(tier)) AS tier_label
FROM h18rel_raw_customers
GROUP BY customer_id;
`)
	before := runningJobs(t, ctx, e)
	out := run(0, "release", "start", "h18r1", "--select", dim)
	if !strings.Contains(out, "Release h18r1: started.") {
		t.Fatalf("release start did not say it started:\n%s", out)
	}
	jobs := runningJobs(t, ctx, e)
	for _, s := range statements {
		if jobs[s] == "" {
			t.Errorf("statement %s does not run during the release; running: %v", s, jobs)
		}
	}
	for _, s := range statements[:2] {
		if jobs[s] != before[s] {
			t.Errorf("the old version's job %s changed during release start (%s → %s)", s, before[s], jobs[s])
		}
	}

	// The old fact still serves new rows; the new versions catch up, and
	// the new dimension has the new schema's rows.
	produce(t, ctx, e, rawSale, map[string]any{"order_id": "O-3", "customer_id": "C-1", "amount": 30})
	waitRows(t, ctx, e, fct, map[string]string{"O-1": "gold", "O-2": "silver", "O-3": "gold"}, "tier")
	waitRows(t, ctx, e, fct+"_v2", map[string]string{"O-1": "gold", "O-2": "silver", "O-3": "gold"}, "tier")
	waitRows(t, ctx, e, dim+"_v2", map[string]string{"C-1": "GOLD", "C-2": "SILVER"}, "tier_label")

	var status struct {
		Versions []struct {
			New         string `json:"new"`
			State       string `json:"state"`
			Lag         *int64 `json:"lag"`
			RowsWritten *int64 `json:"rows_written"`
			Detail      string `json:"detail"`
		} `json:"versions"`
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		out = run(0, "release", "status", "--settle", "0s", "--format", "json")
		if err := json.Unmarshal([]byte(out), &status); err != nil {
			t.Fatalf("release status --format json: %v", err)
		}
		caught := len(status.Versions) == 2
		for _, v := range status.Versions {
			caught = caught && v.State == "caught up"
		}
		if caught {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new versions did not catch up in 2 minutes: %+v", status.Versions)
		}
		time.Sleep(3 * time.Second)
	}
	for _, v := range status.Versions {
		if v.Lag == nil || *v.Lag != 0 || v.RowsWritten == nil || *v.RowsWritten < 2 {
			t.Errorf("%s: lag %v, rows written %v (%s): want 0 pending and the rows it wrote", v.New, v.Lag, v.RowsWritten, v.Detail)
		}
	}

	run(0, "release", "promote", "--settle", "0s", "--keep", "1s")
	jobs = runningJobs(t, ctx, e)
	for i, s := range statements {
		if running := jobs[s] != ""; running != (i >= 2) {
			t.Errorf("after promote: statement %s running = %v, want %v", s, running, i >= 2)
		}
	}
	time.Sleep(1500 * time.Millisecond)
	run(0, "release", "finalize")
	adm := kadmClient(t, e)
	listed, err := adm.ListTopics(ctx, dim, fct, dim+"_v2", fct+"_v2")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{dim, fct} {
		if d, ok := listed[name]; ok && d.Err == nil {
			t.Errorf("topic %s of the old version is still there after finalize", name)
		}
	}
	for _, name := range []string{dim + "_v2", fct + "_v2"} {
		if d, ok := listed[name]; !ok || d.Err != nil {
			t.Errorf("topic %s of the live version is gone after finalize", name)
		}
	}
	// The live versions keep serving.
	produce(t, ctx, e, rawSale, map[string]any{"order_id": "O-4", "customer_id": "C-2", "amount": 40})
	waitRows(t, ctx, e, fct+"_v2", map[string]string{"O-1": "gold", "O-2": "silver", "O-3": "gold", "O-4": "silver"}, "tier")
	// A deploy of the unchanged product now plans against the live versions.
	out = run(0, "pipeline", "build-execution-plan", "--select", "product:h18rel")
	if !strings.Contains(out, "No changes") || !strings.Contains(out, "live version: "+fct+"_v2") {
		t.Errorf("the plan after the release does not follow the live versions:\n%s", out)
	}
}

func kadmClient(t *testing.T, e engine) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.kafka))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// waitRows polls an upsert topic until each key's field has the wanted
// value (and no other key is there).
func waitRows(t *testing.T, ctx context.Context, e engine, topic string, want map[string]string, field string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got := map[string]string{}
		if topicHasRecords(t, ctx, e, topic) {
			for _, v := range readUpserts(t, ctx, e, topic) {
				id, _ := v["order_id"].(string)
				if id == "" {
					id, _ = v["customer_id"].(string)
				}
				s, _ := v[field].(string)
				got[id] = s
			}
		}
		if fmt.Sprint(got) == fmt.Sprint(want) {
			t.Logf("%s: %v", topic, got)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s after 2 minutes: %s = %v, want %v", topic, field, got, want)
		}
		time.Sleep(2 * time.Second)
	}
}

// topicHasRecords says whether a topic exists and holds a record, so that
// readUpserts is not asked to read a topic it would wait on.
func topicHasRecords(t *testing.T, ctx context.Context, e engine, topic string) bool {
	t.Helper()
	ends, err := kadmClient(t, e).ListEndOffsets(ctx, topic)
	if err != nil {
		return false
	}
	n := int64(0)
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err == nil {
			n += o.Offset
		}
	})
	return n > 0
}
