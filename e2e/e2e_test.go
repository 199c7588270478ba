// Package e2e deploys the saleops sample product to a real Apache Flink
// and Kafka (started by scripts/local-flink.sh) and checks the rows the
// fact table produces. It runs only when SHIFTLEFT_E2E is set; `make e2e`
// starts the engine, runs it and stops the engine, and .ci/run sets it for
// `make test` after starting the engine.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/internal/testfs"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/shiftleft-dev/shiftleft/cli"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/flink"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// engine is where the local engine answers (scripts/local-flink.sh prints
// these variables).
type engine struct {
	gateway, jobManager, kafka string
}

// env is the environment a command run on the engine sees: the engine's
// addresses, nothing else.
// upsertConfig is a config.yaml for the engine: statements named after
// clusterType and the region "local", every table an upsert-kafka table
// with json keys and values on the engine's Kafka.
func (e engine) upsertConfig(clusterType string) string {
	return fmt.Sprintf(`kafka:
  cluster_type: %s
confluent_cloud:
  cloud_region: local
flink_gateway:
  url: %s
  jobmanager_url: %s
targets:
  flink:
    table_options:
      connector: upsert-kafka
      properties.bootstrap.servers: %s
      key.format: json
      value.format: json
`, clusterType, e.gateway, e.jobManager, e.kafka)
}

func (e engine) env(k string) string {
	switch k {
	case "SL_FLINK_GATEWAY_URL":
		return e.gateway
	case "SL_FLINK_JOBMANAGER_URL":
		return e.jobManager
	case "SL_KAFKA_BOOTSTRAP":
		return e.kafka
	}
	return ""
}

func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// needEngine skips without SHIFTLEFT_E2E and fails when it is set but the
// engine does not answer: CI must not pass without running this test.
func needEngine(t *testing.T) engine {
	t.Helper()
	if os.Getenv("SHIFTLEFT_E2E") == "" {
		t.Skip("SHIFTLEFT_E2E not set: run `make e2e` (starts Flink and Kafka with scripts/local-flink.sh), or scripts/local-flink.sh start && SHIFTLEFT_E2E=1 go test ./e2e/")
	}
	e := engine{
		gateway:    getenv("SL_FLINK_GATEWAY_URL", "http://127.0.0.1:8083"),
		jobManager: getenv("SL_FLINK_JOBMANAGER_URL", "http://127.0.0.1:8081"),
		kafka:      getenv("SL_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
	}
	for _, u := range []string{e.gateway + "/api_versions", e.jobManager + "/overview"} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatalf("SHIFTLEFT_E2E is set but the engine does not answer (%v): start it with scripts/local-flink.sh start", err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("SHIFTLEFT_E2E is set but %s answers %s", u, resp.Status)
		}
	}
	run := getenv("SL_LOCAL_FLINK_RUN", filepath.Join(getenv("SHIFTLEFT_CACHE", filepath.Join(os.Getenv("HOME"), ".cache", "shiftleft")), "local-flink", "run"))
	if b, err := os.ReadFile(filepath.Join(run, "startup_seconds")); err == nil {
		t.Logf("engine start-up time: %s s (scripts/local-flink.sh start, Kafka + JobManager + TaskManager + SQL Gateway until they answer)", strings.TrimSpace(string(b)))
	}
	return e
}

// project is the copied samples, scanned, with their naming convention.
type project struct {
	root   string
	proj   *pipeline.Project
	naming plan.Naming
}

func load(t *testing.T, ctx context.Context, root string) *project {
	t.Helper()
	p, err := pipeline.Scan(ctx, root, pipeline.ScanOptions{})
	if err != nil {
		t.Fatalf("scan %s: %v", root, err)
	}
	return &project{root: root, proj: p, naming: plan.Naming{ClusterType: "e2e", Region: "local"}}
}

func (p *project) product(name string) []string {
	var out []string
	for _, t := range p.proj.Tables {
		if t.Product == name && t.Deployable() {
			out = append(out, t.Name)
		}
	}
	sort.Strings(out)
	return out
}

// jobs returns the running jobs by name.
func runningJobs(t *testing.T, ctx context.Context, e engine) map[string]string {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.jobManager+"/jobs/overview", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Jobs []struct {
			ID    string `json:"jid"`
			Name  string `json:"name"`
			State string `json:"state"`
		} `json:"jobs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, j := range out.Jobs {
		if j.State == "RUNNING" || j.State == "CREATED" || j.State == "INITIALIZING" || j.State == "RESTARTING" {
			m[j.Name] = j.ID
		}
	}
	return m
}

// cleanEngine cancels jobs of an earlier run and deletes the topics this
// test uses, so a reused engine starts from empty topics.
func cleanEngine(t *testing.T, ctx context.Context, e engine, statements, topics []string) {
	t.Helper()
	mine := map[string]bool{}
	for _, s := range statements {
		mine[s] = true
	}
	for name, id := range runningJobs(t, ctx, e) {
		if !mine[name] {
			continue
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPatch, e.jobManager+"/jobs/"+id+"?mode=cancel", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.kafka))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if _, err := adm.DeleteTopics(ctx, topics...); err != nil {
		t.Fatalf("delete topics: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		listed, err := adm.ListTopics(ctx, topics...)
		if err != nil {
			t.Fatal(err)
		}
		left := 0
		for _, d := range listed {
			if d.Err == nil {
				left++
			}
		}
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d topics still listed 30 s after delete", left)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// produce writes JSON records to a topic and flushes.
func produce(t *testing.T, ctx context.Context, e engine, topic string, rows ...map[string]any) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.kafka), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, r := range rows {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: b}).FirstErr(); err != nil {
			t.Fatalf("produce to %s: %v", topic, err)
		}
	}
}

// factRow is what the test checks of a fact record.
type factRow struct {
	DateKey     int
	CustomerKey string
	ProductKey  string
	Gross, Net  float64
}

// readUpserts reads a topic written by upsert-kafka from the start and
// folds it into the latest value per key (a null value deletes the key).
func readUpserts(t *testing.T, ctx context.Context, e engine, topic string) map[string]map[string]any {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.kafka), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
		}
	})
	latest := map[string]map[string]any{}
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for len(want) > 0 {
		fs := cl.PollFetches(rctx)
		if rctx.Err() != nil {
			t.Fatalf("reading %s: %v (left %v)", topic, rctx.Err(), want)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if r.Value == nil {
				delete(latest, string(r.Key))
			} else {
				var v map[string]any
				dec := json.NewDecoder(strings.NewReader(string(r.Value)))
				dec.UseNumber()
				if err := dec.Decode(&v); err != nil {
					t.Errorf("record of %s at offset %d: %v", topic, r.Offset, err)
				}
				latest[string(r.Key)] = v
			}
			if r.Offset+1 >= want[r.Partition] {
				delete(want, r.Partition)
			}
		})
	}
	return latest
}

func num(v any) float64 {
	if n, ok := v.(json.Number); ok {
		f, _ := strconv.ParseFloat(n.String(), 64)
		return f
	}
	return math.NaN()
}

// facts reads the fact topic into rows keyed "order/line".
func facts(t *testing.T, ctx context.Context, e engine) map[string]factRow {
	out := map[string]factRow{}
	for _, v := range readUpserts(t, ctx, e, "saleops_fct_revenue") {
		key := fmt.Sprintf("%v/%v", v["order_id"], v["line_number"])
		ck, _ := v["customer_key"].(string)
		pk, _ := v["product_key"].(string)
		out[key] = factRow{DateKey: int(num(v["date_key"])), CustomerKey: ck, ProductKey: pk, Gross: num(v["gross_revenue"]), Net: num(v["net_revenue"])}
	}
	return out
}

// waitFacts polls the fact topic until it holds exactly want.
func waitFacts(t *testing.T, ctx context.Context, e engine, want map[string]factRow, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var got map[string]factRow
	for {
		got = facts(t, ctx, e)
		if equalFacts(got, want) {
			keys := make([]string, 0, len(got))
			for k := range got {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				r := got[k]
				t.Logf("fact %s: date %d customer %s product %s gross %.2f net %.2f", k, r.DateKey, r.CustomerKey, r.ProductKey, r.Gross, r.Net)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("saleops_fct_revenue after %s:\n got  %+v\n want %+v", timeout, got, want)
		}
		time.Sleep(2 * time.Second)
	}
}

func equalFacts(got, want map[string]factRow) bool {
	if len(got) != len(want) {
		return false
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok || g.DateKey != w.DateKey || g.CustomerKey != w.CustomerKey || g.ProductKey != w.ProductKey ||
			!near(g.Gross, w.Gross) || !near(g.Net, w.Net) {
			return false
		}
	}
	return true
}

// near is false when got is NaN, which num returns for a null, missing or
// non-numeric value: such a row never matches.
func near(got, want float64) bool { return math.Abs(got-want) <= 0.001 }

// TestEqualFactsRejectsUnreadableAmounts runs without an engine: a fact
// whose gross or net is null, missing or a string must not match.
func TestEqualFactsRejectsUnreadableAmounts(t *testing.T) {
	want := map[string]factRow{"O-1/1": {20260302, "C-1@x", "P-1", 50, 45}}
	for _, tc := range []struct {
		name  string
		gross any
		net   any
		match bool
	}{
		{"numbers", json.Number("50.0004"), json.Number("45"), true},
		{"wrong net", json.Number("50"), json.Number("46"), false},
		{"null gross", nil, json.Number("45"), false},
		{"string net", json.Number("50"), "45", false},
	} {
		got := map[string]factRow{"O-1/1": {20260302, "C-1@x", "P-1", num(tc.gross), num(tc.net)}}
		if equalFacts(got, want) != tc.match {
			t.Errorf("%s: equalFacts = %v, want %v", tc.name, !tc.match, tc.match)
		}
	}
}

// cliDeployer deploys and undeploys the saleops product through the CLI
// (`shiftleft pipeline deploy --target flink`), run in-process.
type cliDeployer struct {
	dir    string // holds pipelines/, config.yaml and .shiftleft/
	getenv func(string) string
}

func (d *cliDeployer) name() string { return "shiftleft CLI (cli.Run in-process)" }

func (d *cliDeployer) run(ctx context.Context, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := cli.Run(ctx, append([]string{"shiftleft"}, args...), cli.Env{
		Stdout: &stdout, Stderr: &stderr, Getenv: d.getenv, Dir: d.dir, Now: time.Now,
	})
	return code, stdout.String(), stderr.String()
}

func (d *cliDeployer) deploy(t *testing.T, ctx context.Context, since string) ([]string, string) {
	t.Helper()
	args := []string{"--select", "product:saleops", "--target", "flink", "--environment", "e2e"}
	if since != "" {
		args = append(args, "--since", since)
	}
	code, out, errOut := d.run(ctx, append([]string{"pipeline", "build-execution-plan", "--format", "json"}, args...)...)
	if code != 0 && code != 2 {
		t.Fatalf("build-execution-plan exit %d:\n%s\n%s", code, out, errOut)
	}
	var pl struct {
		Steps []struct{ Table, Action string }
	}
	if err := json.Unmarshal([]byte(out), &pl); err != nil {
		t.Fatalf("build-execution-plan --format json: %v\n%s", err, out)
	}
	var acted []string
	for _, s := range pl.Steps {
		if s.Action != "none" && s.Action != "" && s.Action != "external" && s.Action != "excluded" {
			acted = append(acted, s.Table+":"+s.Action)
		}
	}
	code, out, errOut = d.run(ctx, append([]string{"pipeline", "deploy", "--max-parallel", "2"}, args...)...)
	t.Logf("shiftleft pipeline deploy %s → exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	if code != 0 {
		t.Fatalf("deploy exit %d", code)
	}
	summary := ""
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "Plan: ") {
			summary = line
		}
	}
	return acted, summary
}

func (d *cliDeployer) undeploy(t *testing.T, ctx context.Context) {
	t.Helper()
	code, out, errOut := d.run(ctx, "pipeline", "undeploy", "--select", "product:saleops", "--target", "flink", "--environment", "e2e", "--yes")
	t.Logf("shiftleft pipeline undeploy → exit %d\n%s%s", code, out, errOut)
	if code != 0 {
		t.Fatalf("undeploy exit %d", code)
	}
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=e2e", "GIT_AUTHOR_EMAIL=e2e@example.com", "GIT_COMMITTER_NAME=e2e", "GIT_COMMITTER_EMAIL=e2e@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func TestSaleopsOnRealFlink(t *testing.T) {
	e := needEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 9*time.Minute)
	defer cancel()

	dir := t.TempDir()
	root := filepath.Join(dir, "pipelines")
	testfs.CopyTree(t, filepath.Join("..", "flink_data_products", "pipelines"), root)
	git(t, dir, "init", "-q")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "samples")
	p := load(t, ctx, root)
	selected := p.product("saleops")
	if len(selected) == 0 {
		t.Fatal("no saleops tables in flink_data_products/pipelines")
	}
	t.Logf("saleops tables: %s", strings.Join(selected, ", "))

	// The CLI names statements after kafka.cluster_type and the region.
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(e.upsertConfig("e2e")), 0o644); err != nil {
		t.Fatal(err)
	}

	raw := []string{"raw_customer_history", "raw_product_catalog", "raw_sales_transactions"}
	var statements []string
	for _, name := range selected {
		dml, err := p.naming.Name(p.proj.Table(name), deployers.KindDML)
		if err != nil {
			t.Fatal(err)
		}
		statements = append(statements, dml)
	}
	cleanEngine(t, ctx, e, statements, append(append([]string(nil), raw...), selected...))

	tg, err := flink.New(flink.Options{
		GatewayURL:    e.gateway,
		JobManagerURL: e.jobManager,
		Environment:   "e2e",
		StateFile:     flink.StateFile(filepath.Join(dir, flink.StateDirName), "e2e"),
		TableOptions: map[string]string{
			"connector": "upsert-kafka", "properties.bootstrap.servers": e.kafka,
			"key.format": "json", "value.format": "json",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tg.Close(context.Background()) }()

	// The raw tables are external to the project (seeds/external_tables.json):
	// create them as Kafka tables, as the source systems would have. They
	// go into the target's state file, so every later session (the CLI's
	// too) has them.
	for _, name := range raw {
		b, err := os.ReadFile(filepath.Join("..", "flink_data_products", "raw_tables", "saleops", "ddl."+name+".sql"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tg.CreateTable(ctx, deployers.StatementRequest{Name: "e2e-raw-" + name, Table: name, Kind: deployers.KindDDL, SQL: string(b)}); err != nil {
			t.Fatalf("create raw table %s: %v", name, err)
		}
	}

	d := &cliDeployer{dir: dir, getenv: func(k string) string {
		if k == "HOME" || k == "PATH" {
			return os.Getenv(k)
		}
		return ""
	}}
	// The CLI is the path under test (it alone reads the git changes
	// behind --since): if it cannot plan, the test fails.
	if code, out, errOut := d.run(ctx, "pipeline", "build-execution-plan", "--select", "product:saleops", "--target", "flink", "--environment", "e2e"); code != 0 {
		t.Fatalf("the CLI cannot plan for --target flink: exit %d\n%s%s", code, out, errOut)
	}
	if err := tg.Close(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("deploying with the %s", d.name())

	start := time.Now()
	_, summary := d.deploy(t, ctx, "")
	t.Logf("deploy time: %s for %d tables (%s)", time.Since(start).Round(100*time.Millisecond), len(selected), summary)
	before := runningJobs(t, ctx, e)
	for _, s := range statements {
		if before[s] == "" {
			t.Fatalf("statement %s has no running job after deploy; running: %v", s, before)
		}
	}

	// Known raw records: two customers, two products, three order lines.
	produce(t, ctx, e, "raw_customer_history",
		map[string]any{"customer_id": "C-1", "updated_at": "2026-01-01 00:00:00", "customer_name": " Ada Byron ", "email": "ADA@example.com", "segment": "retail", "region": "WEST", "city": "Portland", "country": "US"},
		map[string]any{"customer_id": "C-2", "updated_at": "2026-01-15 00:00:00", "customer_name": "Alan Turing", "email": "alan@example.com", "segment": "wholesale", "region": "EAST", "city": "Boston", "country": "US"})
	produce(t, ctx, e, "raw_product_catalog",
		map[string]any{"product_id": "P-10", "sku": "sku-10", "product_name": "Mug", "category": "Kitchen", "subcategory": "Cups", "brand": "Acme", "list_price": 25.00, "is_active": true, "updated_at": "2026-01-01 00:00:00"},
		map[string]any{"product_id": "P-20", "sku": "sku-20", "product_name": "Kettle", "category": "Kitchen", "subcategory": "Appliances", "brand": "Acme", "list_price": 120.00, "is_active": true, "updated_at": "2026-01-01 00:00:00"})
	line := func(order string, n int, cust, prod, channel string, store any, qty int, price, disc float64, ts string) map[string]any {
		return map[string]any{"order_id": order, "line_number": n, "customer_id": cust, "product_id": prod, "channel": channel, "store_id": store,
			"quantity": qty, "unit_price": price, "discount_pct": disc, "currency": "USD", "transaction_ts": ts, "updated_at": ts}
	}
	produce(t, ctx, e, "raw_sales_transactions",
		line("O-1001", 1, "C-1", "P-10", "pos", "S-01", 2, 25.00, 0, "2026-03-02 10:15:00"),
		line("O-1001", 2, "C-1", "P-20", "pos", "S-01", 1, 120.00, 10, "2026-03-02 10:15:00"),
		line("O-1002", 1, "C-2", "P-10", "web", nil, 4, 25.00, 5, "2026-03-07 18:40:00"))

	// Revenue per order line with the dimension keys resolved: the
	// customer version valid at sale time, the product, the day.
	want := map[string]factRow{
		"O-1001/1": {20260302, "C-1@20260101000000", "P-10", 50.00, 50.00},
		"O-1001/2": {20260302, "C-1@20260101000000", "P-20", 120.00, 108.00},
		"O-1002/1": {20260307, "C-2@20260115000000", "P-10", 100.00, 95.00},
	}
	waitFacts(t, ctx, e, want, 3*time.Minute)

	// Change one dimension's DML, commit, and deploy --since the commit
	// before: only that table's job is replaced; every other job keeps
	// running untouched.
	dimPath := filepath.Join(root, filepath.FromSlash(p.proj.Table("saleops_dim_product").DMLPath))
	b, err := os.ReadFile(dimPath)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(b), "WHEN list_price < 20 THEN 'budget'", "WHEN list_price < 30 THEN 'budget'", 1)
	if changed == string(b) {
		t.Fatal("the dimension DML no longer has the price band this test edits: update the test")
	}
	if err := os.WriteFile(dimPath, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "commit", "-q", "-am", "dim_product: wider budget band")
	start = time.Now()
	acted, summary := d.deploy(t, ctx, "HEAD~1")
	t.Logf("redeploy --since HEAD~1 time: %s (%s)", time.Since(start).Round(100*time.Millisecond), summary)
	if got := strings.Join(acted, " "); got != "saleops_dim_product:restart" {
		t.Errorf("redeploy acted on %q, want only saleops_dim_product:restart", got)
	}
	after := runningJobs(t, ctx, e)
	dimStatement, _ := p.naming.Name(p.proj.Table("saleops_dim_product"), deployers.KindDML)
	for _, s := range statements {
		switch {
		case after[s] == "":
			t.Errorf("statement %s does not run after the redeploy", s)
		case s == dimStatement && after[s] == before[s]:
			t.Errorf("statement %s kept job %s: want a new job with the changed SQL", s, after[s])
		case s != dimStatement && after[s] != before[s]:
			t.Errorf("statement %s was restarted (job %s → %s) but it did not change", s, before[s], after[s])
		}
	}
	t.Logf("after the redeploy: %s has a new job, the %d other statements kept theirs", dimStatement, len(statements)-1)
	// The fact still produces correct rows for new input.
	produce(t, ctx, e, "raw_sales_transactions", line("O-1003", 1, "C-2", "P-20", "web", "S-02", 1, 120.00, 0, "2026-03-08 09:00:00"))
	want["O-1003/1"] = factRow{20260308, "C-2@20260115000000", "P-20", 120.00, 120.00}
	waitFacts(t, ctx, e, want, 3*time.Minute)

	// Undeploy: no job of the product runs any more.
	d.undeploy(t, ctx)
	left := runningJobs(t, ctx, e)
	for _, s := range statements {
		if id := left[s]; id != "" {
			t.Errorf("statement %s still runs (job %s) after undeploy", s, id)
		}
	}
	t.Logf("after undeploy: none of the %d statements runs", len(statements))
}

// TestRestartFromSavepointOnRealFlink restarts a stateful job the way the
// executor does (delete, then start) with FromSavepoint: the JobManager
// takes a savepoint and the new job restores it. The source reads from the
// latest offset, so a job started from scratch would count only the clicks
// after its start; the restored one goes on from the old count.
func TestRestartFromSavepointOnRealFlink(t *testing.T) {
	e := needEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const src, dst, stmt = "e2e_sp_clicks", "e2e_sp_counts", "e2e-sp-counts-dml"
	cleanEngine(t, ctx, e, []string{stmt}, []string{src, dst})
	tg, err := flink.New(flink.Options{
		GatewayURL: e.gateway, JobManagerURL: e.jobManager, Environment: "e2e-sp",
		StateFile:     filepath.Join(t.TempDir(), "flink-e2e-sp.json"),
		FromSavepoint: true,
		TableOptions: map[string]string{
			"connector": "upsert-kafka", "properties.bootstrap.servers": e.kafka,
			"key.format": "json", "value.format": "json",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tg.Close(context.Background()) }()
	for _, req := range []deployers.StatementRequest{
		{Name: "e2e-sp-clicks-ddl", Table: src, Kind: deployers.KindDDL, SQL: "CREATE TABLE " + src + " (user_id STRING, page STRING) WITH ('scan.startup.mode' = 'latest-offset')"},
		{Name: "e2e-sp-counts-ddl", Table: dst, Kind: deployers.KindDDL, SQL: "CREATE TABLE " + dst + " (user_id STRING, clicks BIGINT, PRIMARY KEY (user_id) NOT ENFORCED)"},
	} {
		if _, err := tg.CreateTable(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	sql := "INSERT INTO " + dst + " SELECT user_id, COUNT(*) FROM " + src + " GROUP BY user_id"
	start := func() deployers.Statement {
		t.Helper()
		st, err := tg.StartStatement(ctx, deployers.StatementRequest{Name: stmt, Table: dst, Kind: deployers.KindDML, SQL: sql})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tg.Wait(ctx, stmt, []deployers.Phase{deployers.PhaseRunning}, 2*time.Minute); err != nil {
			t.Fatal(err)
		}
		return st
	}
	clicks := func(user string) int {
		v, ok := readUpserts(t, ctx, e, dst)[`{"user_id":"`+user+`"}`]
		if !ok {
			return 0
		}
		return int(num(v["clicks"]))
	}
	waitClicks := func(user string, want int) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for c := clicks(user); c != want; c = clicks(user) {
			if time.Now().After(deadline) {
				t.Fatalf("clicks of %s = %d, want %d", user, c, want)
			}
			time.Sleep(time.Second)
		}
	}
	first := start()
	// A latest-offset source misses records produced before it reads:
	// click as "warm" until the job counts, then the test's clicks count.
	deadline := time.Now().Add(2 * time.Minute)
	for clicks("warm") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the first job counts no click")
		}
		produce(t, ctx, e, src, map[string]any{"user_id": "warm", "page": "/"})
		time.Sleep(2 * time.Second)
	}
	click := map[string]any{"user_id": "u1", "page": "/"}
	produce(t, ctx, e, src, click, click)
	waitClicks("u1", 2)
	t.Log("first job counts 2 clicks of u1")

	if err := tg.DeleteStatement(ctx, stmt); err != nil {
		t.Fatalf("delete with savepoint: %v", err)
	}
	second := start()
	sp := second.Properties["restored_from"]
	if sp == "" || second.Properties["job_id"] == first.Properties["job_id"] {
		t.Fatalf("restarted statement %+v: want a new job restored from a savepoint", second.Properties)
	}
	t.Logf("job %s stopped with savepoint %s; job %s restored from it", first.Properties["job_id"], sp, second.Properties["job_id"])
	// The restored job resumes at the savepoint's offsets: one more click
	// makes 3 (a job started from scratch at the latest offset would say 1).
	produce(t, ctx, e, src, click)
	waitClicks("u1", 3)
	t.Log("restored job counts 3 clicks of u1")
	if err := tg.DeleteStatement(ctx, stmt); err != nil {
		t.Fatal(err)
	}
}
