package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/internal/testfs"
)

// viewRow is one row of c360_customer_analytics as `table peek --latest`
// gives it.
type viewRow struct {
	segment, tier, risk string
	customers           float64
	lifetimeValue       float64
}

// TestC360OnRealFlink is issue 14's bar on the real engine, through the
// CLI only: both sample products validate on the engine; the customer 360
// product deploys on the flink target, creating its raw inputs from their
// DDLs (--externals-dir); `pipeline prepare` loads a day of raw rows; and
// `table peek --latest` of the view returns the customers the rows make,
// the QA account left out. Everything it created is undeployed at the end.
func TestC360OnRealFlink(t *testing.T) {
	e := needEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()

	dir := t.TempDir()
	root := filepath.Join(dir, "pipelines")
	testfs.CopyTree(t, filepath.Join("..", "flink_data_products", "pipelines"), root)
	raw := filepath.Join(dir, "raw_tables")
	testfs.CopyTree(t, filepath.Join("..", "flink_data_products", "raw_tables"), raw)
	config := fmt.Sprintf(`kafka:
  cluster_type: e2e
  bootstrap.servers: %s
confluent_cloud:
  cloud_region: local
flink_gateway:
  url: %s
  jobmanager_url: %s
`, e.kafka, e.gateway, e.jobManager)
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}

	p := load(t, ctx, root)
	tables := p.product("c360")
	var statements, topics []string
	for _, name := range tables {
		dml, err := p.naming.Name(p.proj.Table(name), deployers.KindDML)
		if err != nil {
			t.Fatal(err)
		}
		statements = append(statements, dml)
		topics = append(topics, name)
	}
	rawDDLs, err := filepath.Glob(filepath.Join(raw, "c360", "ddl.*.sql"))
	if err != nil || len(rawDDLs) == 0 {
		t.Fatalf("no raw DDLs for c360: %v", err)
	}
	for _, f := range rawDDLs {
		topics = append(topics, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "ddl."), ".sql"))
	}
	cleanEngine(t, ctx, e, statements, topics)

	d := &cliDeployer{dir: dir, getenv: func(k string) string {
		if k == "HOME" || k == "PATH" {
			return os.Getenv(k)
		}
		return ""
	}}
	target := []string{"--target", "flink", "--environment", "e2e360"}
	run := func(want int, args ...string) string {
		t.Helper()
		start := time.Now()
		code, out, errOut := d.run(ctx, append(args, target...)...)
		t.Logf("shiftleft %s → exit %d in %s\n%s%s", strings.Join(args, " "), code, time.Since(start).Round(100*time.Millisecond), out, errOut)
		if code != want {
			t.Fatalf("shiftleft %s: exit %d, want %d", strings.Join(args, " "), code, want)
		}
		return out
	}

	// Both sample products compile on the engine, raw inputs included.
	out := run(0, "pipeline", "validate", "--select", "path:*", "--externals-dir", filepath.Join(raw, "saleops"), "--externals-dir", filepath.Join(raw, "c360"))
	if !strings.Contains(out, "statements compile") {
		t.Fatalf("validate did not say what compiled:\n%s", out)
	}

	undeployed := false
	defer func() {
		if !undeployed {
			d.run(context.WithoutCancel(ctx), append([]string{"pipeline", "undeploy", "--product-name", "c360", "--include-externals", "--yes"}, target...)...)
			cleanEngine(t, context.WithoutCancel(ctx), e, statements, topics)
		}
	}()
	plan := run(0, "pipeline", "build-execution-plan", "--product-name", "c360", "--externals-dir", filepath.Join(raw, "c360"))
	if !strings.Contains(plan, "Externals: 7 read by 7 tables (created before their readers)") {
		t.Errorf("the plan does not list the 7 raw inputs it creates:\n%s", plan)
	}
	run(0, "pipeline", "deploy", "--product-name", "c360", "--externals-dir", filepath.Join(raw, "c360"), "--max-parallel", "3")
	run(0, "pipeline", "prepare", filepath.Join(raw, "c360", "inserts", "insert_raw_c360.sql"))

	want := map[string]viewRow{
		"VIP/PREMIER/LOW":     {"VIP", "PREMIER", "LOW", 1, 25.50},
		"VIP/PLUS/MEDIUM":     {"VIP", "PLUS", "MEDIUM", 1, 9.00},
		"REGULAR/NONE/HIGH":   {"REGULAR", "NONE", "HIGH", 1, 0},
		"REGULAR/NONE/MEDIUM": {"REGULAR", "NONE", "MEDIUM", 1, 0},
	}
	var got map[string]viewRow
	polls := 0
	deadline := time.Now().Add(4 * time.Minute)
	for {
		code, out, errOut := d.run(ctx, append([]string{"table", "peek", "c360_customer_analytics", "--latest", "--limit", "50", "--format", "json"}, target...)...)
		if code == 0 {
			got = viewRows(t, out)
			if equalViews(got, want) {
				t.Logf("c360_customer_analytics after prepare:\n%s", out)
				break
			}
		} else {
			t.Logf("peek exit %d: %s", code, errOut)
		}
		if time.Now().After(deadline) {
			t.Fatalf("c360_customer_analytics holds %v, want %v", got, want)
		}
		if polls++; polls%10 == 0 {
			t.Logf("c360_customer_analytics holds %v so far", got)
		}
		time.Sleep(3 * time.Second)
	}

	run(0, "pipeline", "undeploy", "--product-name", "c360", "--include-externals", "--yes")
	undeployed = true
	left := runningJobs(t, ctx, e)
	for _, s := range statements {
		if left[s] != "" {
			t.Errorf("job %s still runs after the undeploy", s)
		}
	}
	cleanEngine(t, ctx, e, statements, topics)
}

// viewRows reads `table peek --format json` of the view into rows by key.
func viewRows(t *testing.T, out string) map[string]viewRow {
	t.Helper()
	var doc struct {
		Columns []struct{ Name string } `json:"columns"`
		Rows    [][]any                 `json:"rows"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber() // amounts compare as numbers (num)
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("table peek --format json: %v\n%s", err, out)
	}
	col := map[string]int{}
	for i, c := range doc.Columns {
		col[c.Name] = i
	}
	for _, name := range []string{"customer_segment", "loyalty_tier", "churn_risk", "customer_count", "total_lifetime_value"} {
		if _, ok := col[name]; !ok {
			t.Fatalf("table peek: no column %s in %v", name, doc.Columns)
		}
	}
	str := func(r []any, name string) string {
		v := r[col[name]]
		if v == nil {
			return "<null>"
		}
		return fmt.Sprint(v)
	}
	rows := map[string]viewRow{}
	for _, r := range doc.Rows {
		vr := viewRow{str(r, "customer_segment"), str(r, "loyalty_tier"), str(r, "churn_risk"), num(r[col["customer_count"]]), num(r[col["total_lifetime_value"]])}
		rows[vr.segment+"/"+vr.tier+"/"+vr.risk] = vr
	}
	return rows
}

func equalViews(got, want map[string]viewRow) bool {
	if len(got) != len(want) {
		return false
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g, w := got[k], want[k]
		if g.segment != w.segment || g.tier != w.tier || g.risk != w.risk || !near(g.customers, w.customers) || !near(g.lifetimeValue, w.lifetimeValue) {
			return false
		}
	}
	return true
}
