package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/shiftleft-dev/shiftleft/cli"
	"github.com/shiftleft-dev/shiftleft/internal/testfs"
)

// sampleSuiteCases are the unit-test cases of the sample products, by
// suite (the table under test). The test fails when one is missing, so a
// suite cannot silently lose its cases.
var sampleSuiteCases = map[string][]string{
	"saleops_fct_revenue": {"test_saleops_fct_revenue_1", "test_saleops_fct_revenue_scd2_version_at_sale_time",
		"test_saleops_fct_revenue_unknown_keys_and_filters"},
	"saleops_dim_customer": {"test_saleops_dim_customer_scd2_windows"},
	"saleops_dim_product":  {"test_saleops_dim_product_price_bands"},
	"saleops_dim_time":     {"test_saleops_dim_time_sale_days"},
	"c360_fct_customer_profile": {"test_c360_fct_customer_profile_without_transactions",
		"test_c360_fct_customer_profile_purchase_history", "test_c360_fct_customer_profile_unhappy_customers"},
}

// TestSampleSuitesOnRealFlink runs the unit tests of the sample products
// (`shiftleft pipeline test --select 'product:saleops product:c360'
// --target flink`, in-process through cli.Run): every case PASSes, and no
// test table, topic or job is left on the engine. It logs the time of each
// case and where it goes.
func TestSampleSuitesOnRealFlink(t *testing.T) {
	e := needEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	testfs.CopyTree(t, testfs.SamplesDir(), filepath.Join(dir, "pipelines"))
	vars := map[string]string{
		"SL_FLINK_GATEWAY_URL": e.gateway, "SL_FLINK_JOBMANAGER_URL": e.jobManager, "SL_KAFKA_BOOTSTRAP": e.kafka,
		"HOME": os.Getenv("HOME"), "PATH": os.Getenv("PATH"),
	}
	var stdout, stderr bytes.Buffer
	start := time.Now()
	// Topics of test tables that exist before the run belong to someone
	// else's run on a shared engine: only new ones count as left over.
	before := map[string]bool{}
	for name := range listTopics(t, ctx, e) {
		before[name] = true
	}
	code := cli.Run(ctx, []string{"shiftleft", "pipeline", "test", "--select", "product:saleops product:c360",
		"--target", "flink", "--environment", "e2eut", "--format", "json", "--quiet"},
		cli.Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return vars[k] }, Dir: dir, Now: time.Now})
	took := time.Since(start)
	var res struct {
		Cases []struct {
			Suite, Case, Result, Error, Where string
			Duration                          time.Duration `json:"duration_ns"`
			Left                              []string
			Timings                           struct {
				Setup      time.Duration `json:"setup_ns"`
				Inputs     time.Duration `json:"inputs_ns"`
				Job        time.Duration `json:"job_ns"`
				Validation time.Duration `json:"validation_ns"`
				Polls      int           `json:"polls"`
				Cleanup    time.Duration `json:"cleanup_ns"`
			}
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("pipeline test exit %d, its JSON: %v\n%s\n%s", code, err, stdout.String(), stderr.String())
	}
	got := map[string][]string{}
	for _, c := range res.Cases {
		ti := c.Timings
		t.Logf("%-26s %-52s %-5s %6.1fs (tables %.1fs, inputs %.1fs, DML job %.1fs, validation %.1fs in %d polls, clean-up %.1fs)",
			c.Suite, c.Case, c.Result, c.Duration.Seconds(), ti.Setup.Seconds(), ti.Inputs.Seconds(), ti.Job.Seconds(),
			ti.Validation.Seconds(), ti.Polls, ti.Cleanup.Seconds())
		if c.Result != "PASS" {
			t.Errorf("%s %s: %s at %s: %s", c.Suite, c.Case, c.Result, c.Where, c.Error)
		}
		if len(c.Left) > 0 {
			t.Errorf("%s %s left %v behind", c.Suite, c.Case, c.Left)
		}
		got[c.Suite] = append(got[c.Suite], c.Case)
	}
	t.Logf("%d cases in %s (the whole command, cases in parallel)", len(res.Cases), took.Round(100*time.Millisecond))
	if code != 0 {
		t.Errorf("pipeline test exit %d, want 0\n%s", code, stderr.String())
	}
	for suite, want := range sampleSuiteCases {
		sort.Strings(want)
		sort.Strings(got[suite])
		if strings.Join(got[suite], ",") != strings.Join(want, ",") {
			t.Errorf("suite %s ran %v, want %v", suite, got[suite], want)
		}
	}

	// Nothing is left: no job named after a suite, no topic of a test table.
	for name := range runningJobs(t, ctx, e) {
		if strings.HasPrefix(name, "sl-ut-") && strings.Contains(name, "e2eut") {
			t.Errorf("job %s still runs after the tests", name)
		}
		for suite := range sampleSuiteCases {
			if strings.HasPrefix(name, "sl-ut-"+strings.ReplaceAll(suite, "_", "-")+"-ut") {
				t.Errorf("job %s still runs after the tests", name)
			}
		}
	}
	topics := listTopics(t, ctx, e)
	testTopic := regexp.MustCompile(`^(saleops_fct_revenue|saleops_dim_customer|saleops_dim_product|saleops_dim_time|` +
		`src_saleops_sales_transactions|src_saleops_customer_history|src_saleops_product_catalog|c360_fct_customer_profile|` +
		`int_c360_customer_transactions|src_c360_support_tickets|src_c360_app_usage|src_c360_customers|src_c360_loyalty_program)_ut(_[a-z0-9]+)?$`)
	for name := range topics {
		if testTopic.MatchString(name) && !before[name] {
			t.Errorf("topic %s is left after the tests", name)
		}
	}
}

// listTopics lists the broker's topics.
func listTopics(t *testing.T, ctx context.Context, e engine) kadm.TopicDetails {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.kafka))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	topics, err := kadm.NewClient(cl).ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return topics
}
