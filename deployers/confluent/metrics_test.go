package confluent

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
)

func TestLagFromMetricsAPI(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, nil)
	now := time.Now()
	e.srv.AddStatement("dml-orders-v2", "INSERT INTO orders_v2 SELECT * FROM orders", "RUNNING", now)
	e.srv.AddStatement("dml-fresh", "INSERT INTO fresh SELECT * FROM orders", "RUNNING", now)
	e.srv.AddStatement("dml-stopped", "INSERT INTO old SELECT * FROM orders", "STOPPED", now)
	e.srv.SetStatementMetrics("dml-orders-v2", confluenttest.StatementMetrics{Pending: 42, OutPerMinute: 600, OutTotal: 12345})
	e.srv.ResetLog()

	got, err := e.target.Lag(context.Background(), []string{"dml-orders-v2", "dml-fresh", "dml-stopped", "dml-missing"})
	if err != nil {
		t.Fatal(err)
	}
	if l := got["dml-orders-v2"]; !l.Known || l.Pending != 42 || l.RowsWritten != 12345 || l.RowsPerSecond != 10 {
		t.Errorf("dml-orders-v2: lag = %+v, want 42 pending, 12345 rows, 10 rows/s", l)
	}
	if l := got["dml-fresh"]; !l.Known || l.Pending != 0 || l.RowsWritten != 0 {
		t.Errorf("dml-fresh: lag = %+v, want caught up with 0 rows", l)
	}
	for _, n := range []string{"dml-stopped", "dml-missing"} {
		if _, ok := got[n]; ok {
			t.Errorf("%s has a lag: only running statements do", n)
		}
	}
	// The documented query shape: one metric, pool and statement filters,
	// a granularity, an ISO-8601 interval, grouped by statement, with the
	// Cloud API key.
	var queries int
	for _, r := range e.srv.Requests() {
		if r.Path != "/v2/metrics/cloud/query" {
			continue
		}
		queries++
		if r.Method != "POST" || r.Auth != e.cfg.ConfluentCloud.APIKey.Reveal() {
			t.Errorf("metrics query %s with key %q, want POST with the Cloud API key", r.Method, r.Auth)
		}
		var q MetricsQuery
		if err := json.Unmarshal([]byte(r.Body), &q); err != nil {
			t.Fatal(err)
		}
		if len(q.Aggregations) != 1 || !strings.HasPrefix(q.Aggregations[0].Metric, "io.confluent.flink/") || len(q.Intervals) != 1 ||
			len(q.GroupBy) != 1 || q.GroupBy[0] != "resource.flink_statement.name" || q.Filter.Filters[0].Field != "resource.compute_pool.id" {
			t.Errorf("query = %s", r.Body)
		}
	}
	if queries != 3 {
		t.Errorf("%d metric queries for one pool, want 3", queries)
	}
	// Past lagReads statements, one listing replaces the reads.
	got, err = e.target.Lag(context.Background(), []string{"dml-orders-v2", "dml-fresh", "dml-stopped", "x1", "x2", "x3", "x4"})
	if err != nil {
		t.Fatal(err)
	}
	if l := got["dml-orders-v2"]; len(got) != 2 || !l.Known || l.Pending != 42 {
		t.Errorf("lag through the listing = %+v", got)
	}
}

func TestMetricsQueryRetriesRateLimits(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, nil)
	e.srv.AddStatement("dml-a", "INSERT INTO a SELECT * FROM b", "RUNNING", time.Now())
	e.srv.SetStatementMetrics("dml-a", confluenttest.StatementMetrics{Pending: 7})
	e.srv.SetFaults(confluenttest.Faults{RateLimitNext: 2, RetryAfter: "3"})
	ms, err := e.client.StatementMetrics(context.Background(), confluenttest.DefaultPool, []string{"dml-a"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if m := ms["dml-a"]; !m.HasPending || m.Pending != 7 {
		t.Errorf("metrics after 429s = %+v", m)
	}
	d := e.sleep.Delays()
	if len(d) != 2 || d[0] != 3*time.Second || d[1] != 3*time.Second || e.client.Retries() != 2 {
		t.Errorf("delays %v, retries %d: want two waits of the Retry-After (3s)", d, e.client.Retries())
	}

	// An outage past the retries makes the lag unknown, with the reason.
	e.srv.SetFaults(confluenttest.Faults{ErrorMatching: "/v2/metrics/", ErrorStatus: 403})
	lags, err := e.target.Lag(context.Background(), []string{"dml-a"})
	if l := lags["dml-a"]; err != nil || l.Known || !strings.Contains(l.Detail, "Metrics API") {
		t.Errorf("lag when the Metrics API refuses: %+v, %v", l, err)
	}
	e.srv.SetFaults(confluenttest.Faults{})

	// A bad query is the service's 400, not retried.
	_, err = e.client.QueryMetrics(context.Background(), MetricsQuery{Aggregations: []MetricAggregation{{Metric: MetricPendingRecords}}, Granularity: "PT2M", Intervals: []string{"x"}})
	if err == nil || !strings.Contains(err.Error(), "invalid granularity PT2M") {
		t.Errorf("bad query: err = %v", err)
	}
}
