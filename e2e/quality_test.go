package e2e

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/catalog"
	"github.com/shiftleft-dev/shiftleft/internal/testfs"
)

// TestProductCheckOnRealFlink plants a violation of each rule kind in a
// Kafka table (and none in a second one with a primary key, read through
// upsert-kafka), runs `shiftleft product check` through cli.Run on the
// engine, and checks that each kind is caught with the right count, the
// clean port passes, a rule the engine refuses is an error at its
// manifest line, and the results file is one the catalog reads. The tables
// (and their topics) are dropped at the end; the check's jobs end by
// themselves.
func TestProductCheckOnRealFlink(t *testing.T) {
	e := needEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	stamp := time.Now().UTC().Format("150405")
	bad, clean := "h16q_bad_"+stamp, "h16q_clean_"+stamp
	dir := t.TempDir()
	root := filepath.Join(dir, "pipelines")
	write := func(rel, text string) string {
		testfs.WriteFiles(t, dir, map[string]string{rel: text})
		return filepath.Join(dir, filepath.FromSlash(rel))
	}
	ddl := func(table, key, connector string) string {
		return write("pipelines/facts/h16q/"+table+"/sql-scripts/ddl."+table+".sql",
			"CREATE TABLE IF NOT EXISTS "+table+" (\n  id STRING,\n  tier STRING,\n  amount INT"+key+"\n) WITH ("+connector+");\n")
	}
	badDDL := ddl(bad, "", "'connector' = 'kafka', 'value.format' = 'json'")
	cleanDDL := ddl(clean, ",\n  PRIMARY KEY (id) NOT ENFORCED", "'connector' = 'upsert-kafka', 'key.format' = 'json', 'value.format' = 'json'")
	manifest := fmt.Sprintf(`product: h16q
owner: {team: quality, contact: q@example.com}
output_ports:
  - table: %[1]s
    quality:
      - not_null: [id, tier]
      - unique: [id]
      - accepted_values: {column: tier, values: [Gold, Silver]}
      - row_count: {min: 1, max: 4}
      - expression: "amount >= 0"
      - expression: "amount >>= 0"
  - table: %[2]s
    quality:
      - not_null: [id, tier]
      - unique: [id]
      - accepted_values: {column: tier, values: [Gold, Silver]}
      - row_count: {min: 1, max: 4}
      - expression: "amount >= 0"
`, bad, clean)
	write("pipelines/products/h16q.yaml", manifest)
	// bad: a NULL id and a NULL tier (not_null 2), id a twice (unique 1),
	// tier Bronze (accepted_values 1; the NULL tier is accepted), 6 rows
	// (row_count above 4), amounts -4 and NULL (expression 2).
	badRows := write("insert_bad.sql", "INSERT INTO "+bad+" VALUES ('a', 'Gold', 1), ('a', 'Silver', 2), (CAST(NULL AS STRING), 'Gold', 3),\n"+
		"  ('b', 'Bronze', -4), ('c', CAST(NULL AS STRING), 5), ('d', 'Gold', CAST(NULL AS INT));\n")
	// clean: key a is updated, so the upsert table holds 3 rows, each valid
	// (the first value of a, -1, is superseded).
	cleanRows := write("insert_clean.sql", "INSERT INTO "+clean+" VALUES ('a', 'Gold', -1), ('b', 'Silver', 2), ('c', 'Gold', 3);\n"+
		"INSERT INTO "+clean+" VALUES ('a', 'Silver', 1);\n")

	d := &cliDeployer{dir: dir, getenv: e.env}
	run := func(args ...string) (int, string, string) { return d.run(ctx, args...) }
	target := []string{"--pipelines", root, "--target", "flink", "--environment", "h16e2e"}
	defer func() {
		drop := write("drop.sql", "DROP TABLE IF EXISTS "+bad+";\nDROP TABLE IF EXISTS "+clean+";\n")
		if code, out, errOut := run(append([]string{"pipeline", "prepare", drop}, target...)...); code != 0 {
			t.Errorf("drop the tables: exit %d\n%s%s", code, out, errOut)
		}
		if left := runningJobs(t, context.Background(), e); len(left) > 0 {
			for name := range left {
				if strings.Contains(name, "h16q") {
					t.Errorf("job %s still runs after the check", name)
				}
			}
		}
	}()
	if code, out, errOut := run(append([]string{"pipeline", "prepare", badDDL, cleanDDL, badRows, cleanRows}, target...)...); code != 0 {
		t.Fatalf("prepare: exit %d\n%s%s", code, out, errOut)
	}

	results, junit := filepath.Join(dir, "results.json"), filepath.Join(dir, "junit.xml")
	start := time.Now()
	code, out, errOut := run(append([]string{"product", "check", "h16q", "--format", "json", "--results", results, "--junit", junit}, target...)...)
	took := time.Since(start)
	if code != 1 {
		t.Fatalf("product check: exit %d, want 1 (rules fail)\n%s%s", code, out, errOut)
	}
	var rep struct {
		Results []struct {
			Table, Kind, Status, Message, File string
			Rule, Line                         int
			Count                              int64
			DurationMS                         int64 `json:"duration_ms"`
			Sample                             *struct {
				Columns []string
				Rows    [][]any
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("product check --format json: %v\n%s", err, out)
	}
	type want struct {
		status string
		count  int64
		sample int
	}
	wants := map[string]want{
		bad + "/0":   {"fail", 2, 2},
		bad + "/1":   {"fail", 1, 1},
		bad + "/2":   {"fail", 1, 1},
		bad + "/3":   {"fail", 6, 0},
		bad + "/4":   {"fail", 2, 2},
		bad + "/5":   {"error", 0, 0},
		clean + "/0": {"pass", 0, 0},
		clean + "/1": {"pass", 0, 0},
		clean + "/2": {"pass", 0, 0},
		clean + "/3": {"pass", 3, 0},
		clean + "/4": {"pass", 0, 0},
	}
	if len(rep.Results) != len(wants) {
		t.Fatalf("%d results, want %d:\n%s", len(rep.Results), len(wants), out)
	}
	var total int64
	for _, r := range rep.Results {
		key := fmt.Sprintf("%s/%d", r.Table, r.Rule)
		w := wants[key]
		samples := 0
		if r.Sample != nil {
			samples = len(r.Sample.Rows)
		}
		t.Logf("%s %s: %s, count %d, %d sample rows, %d ms: %s", key, r.Kind, r.Status, r.Count, samples, r.DurationMS, r.Message)
		total += r.DurationMS
		if r.Status != w.status || r.Count != w.count || samples != w.sample {
			t.Errorf("%s (%s): %s with count %d and %d sample rows, want %s with %d and %d", key, r.Kind, r.Status, r.Count, samples, w.status, w.count, w.sample)
		}
	}
	t.Logf("product check: %d rules in %s (%s per rule on average, queries only %s)", len(rep.Results), took.Round(time.Millisecond),
		(took / time.Duration(len(rep.Results))).Round(time.Millisecond), (time.Duration(total) * time.Millisecond).Round(time.Millisecond))
	// The refused expression is an error at its manifest line (11), named
	// on stderr with the file.
	wantAt := "pipelines/products/h16q.yaml:11"
	if !strings.Contains(errOut, wantAt+": error of "+bad+", expression: amount >>= 0") || !strings.Contains(errOut, "Encountered") {
		t.Errorf("stderr does not name the refused rule at %s with the engine's message:\n%s", wantAt, errOut)
	}

	// The results file is the catalog's input; the JUnit file has a
	// testcase per rule.
	cat, err := catalog.ReadResults(results)
	if err != nil {
		t.Fatalf("the catalog cannot read --results: %v", err)
	}
	if len(cat.Results) != len(wants) || cat.Target != "flink" {
		t.Errorf("results file: %d results on %q, want %d on flink", len(cat.Results), cat.Target, len(wants))
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
	}
	if err := xml.Unmarshal(data, &suites); err != nil || suites.Tests != 11 || suites.Failures != 5 || suites.Errors != 1 {
		t.Errorf("junit: %+v (%v), want 11 tests, 5 failures, 1 error", suites, err)
	}

	// The clean port alone passes: product check exits 0 when every rule
	// does. The manifest loses the bad port.
	write("pipelines/products/h16q.yaml", manifest[:strings.Index(manifest, "  - table: "+bad)]+manifest[strings.Index(manifest, "  - table: "+clean):])
	if code, out, errOut := run(append([]string{"product", "check", "h16q"}, target...)...); code != 0 || !strings.Contains(out, "5 passed, 0 failed") {
		t.Errorf("product check of the clean port: exit %d, want 0 and 5 passed\n%s%s", code, out, errOut)
	}
}
