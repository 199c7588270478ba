package confluent

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

// The Confluent Cloud Metrics API (v2) answers a JSON query with time
// series: POST <telemetry host>/v2/metrics/cloud/query with aggregations
// (one metric), a filter, a granularity (PT1M … P1D, or ALL), intervals
// (ISO-8601 start/end) and group_by labels; the answer is {"data":
// [{"timestamp", "value", "<label>": …}]}. It takes a Cloud API key
// (Basic) and answers 429 with Retry-After when limited, which the client
// retries with backoff like every other call. Flink statements report
// io.confluent.flink/pending_records (the records their sources have not
// read yet, per statement: Confluent's "messages behind") and
// io.confluent.flink/num_records_out (records the statement emitted in
// each period), labelled resource.compute_pool.id and
// resource.flink_statement.name. See "Confluent Cloud Metrics API"
// (https://api.telemetry.confluent.cloud/docs) and "Monitor and Manage
// Flink SQL Statements in Confluent Cloud for Apache Flink"
// (https://docs.confluent.io/cloud/current/flink/operate-and-deploy/monitor-statements.html).

const (
	// MetricPendingRecords and MetricRecordsOut are the Flink statement
	// metrics lag and throughput read.
	MetricPendingRecords = "io.confluent.flink/pending_records"
	MetricRecordsOut     = "io.confluent.flink/num_records_out"

	labelPool      = "resource.compute_pool.id"
	labelStatement = "resource.flink_statement.name"

	// metricsWindow is how far back the latest values are looked for: the
	// service publishes a point per minute, a few minutes late.
	metricsWindow = 10 * time.Minute
	// metricsHistory bounds the interval rows written are summed over (the
	// service keeps about a week of data).
	metricsHistory = 7 * 24 * time.Hour
)

// telemetryBase is the Metrics API's host: api.telemetry.confluent.cloud
// beside the default control plane, else the configured control plane
// itself (a private endpoint or a stand-in serves both).
func (c *Client) telemetryBase() string {
	if c.cloudBase == "https://api.confluent.cloud" {
		return "https://api.telemetry.confluent.cloud"
	}
	return c.cloudBase
}

// MetricsQuery is one query of the Metrics API v2.
type MetricsQuery struct {
	Aggregations []MetricAggregation `json:"aggregations"`
	Filter       MetricFilter        `json:"filter"`
	Granularity  string              `json:"granularity"`
	Intervals    []string            `json:"intervals"`
	GroupBy      []string            `json:"group_by,omitempty"`
	Limit        int                 `json:"limit,omitempty"`
}

// MetricAggregation names the metric and how points are aggregated.
type MetricAggregation struct {
	Metric string `json:"metric"`
	Agg    string `json:"agg,omitempty"`
}

// MetricFilter is a field filter, or an AND/OR of filters.
type MetricFilter struct {
	Op      string         `json:"op"`
	Field   string         `json:"field,omitempty"`
	Value   string         `json:"value,omitempty"`
	Filters []MetricFilter `json:"filters,omitempty"`
}

// MetricPoint is one point of an answer: its time, value and the labels
// it was grouped by.
type MetricPoint struct {
	Timestamp time.Time
	Value     float64
	Labels    map[string]string
}

// QueryMetrics sends one query and returns its points.
func (c *Client) QueryMetrics(ctx context.Context, q MetricsQuery) ([]MetricPoint, error) {
	ans, err := c.do(ctx, call{method: "POST", url: c.telemetryBase() + "/v2/metrics/cloud/query", body: q, cloud: true, op: "query metric",
		name: metricNames(q)})
	if err != nil {
		return nil, err
	}
	var body struct {
		Data []map[string]any `json:"data"`
	}
	if err := decode(ans, &body, "query metric", metricNames(q)); err != nil {
		return nil, err
	}
	out := make([]MetricPoint, 0, len(body.Data))
	for _, d := range body.Data {
		p := MetricPoint{Labels: map[string]string{}}
		for k, v := range d {
			switch k {
			case "timestamp":
				s, _ := v.(string)
				p.Timestamp, _ = time.Parse(time.RFC3339, s)
			case "value":
				p.Value, _ = v.(float64)
			default:
				if s, ok := v.(string); ok {
					p.Labels[k] = s
				}
			}
		}
		out = append(out, p)
	}
	return out, nil
}

func metricNames(q MetricsQuery) string {
	names := make([]string, len(q.Aggregations))
	for i, a := range q.Aggregations {
		names[i] = a.Metric
	}
	return strings.Join(names, ",")
}

// interval is an ISO-8601 interval ending now, at whole minutes.
func interval(now time.Time, back time.Duration) string {
	end := now.UTC().Truncate(time.Minute).Add(time.Minute)
	return end.Add(-back).Format(time.RFC3339) + "/" + end.Format(time.RFC3339)
}

// statementQuery asks for a metric of the given statements of one pool,
// grouped by statement.
func statementQuery(metric, pool string, names []string, granularity, iv string) MetricsQuery {
	byName := make([]MetricFilter, len(names))
	for i, n := range names {
		byName[i] = MetricFilter{Field: labelStatement, Op: "EQ", Value: n}
	}
	return MetricsQuery{
		Aggregations: []MetricAggregation{{Metric: metric}},
		Filter: MetricFilter{Op: "AND", Filters: []MetricFilter{
			{Field: labelPool, Op: "EQ", Value: pool},
			{Op: "OR", Filters: byName},
		}},
		Granularity: granularity,
		Intervals:   []string{iv},
		GroupBy:     []string{labelStatement},
		Limit:       1000,
	}
}

// StatementMetrics are the latest metrics of one statement.
type StatementMetrics struct {
	// Pending is the latest pending_records; HasPending says a point was
	// found in the last minutes.
	Pending    int64
	HasPending bool
	// RowsOut sums num_records_out over the last week (the service's
	// retention); HasRowsOut says a point was found.
	RowsOut    int64
	HasRowsOut bool
	// RowsPerSecond is the latest minute's num_records_out per second;
	// HasRate says a point was found.
	RowsPerSecond float64
	HasRate       bool
}

// StatementMetrics reads the pending records and records out of the named
// statements of one compute pool: three queries whatever the number of
// statements (latest pending, latest minute of records out, records out
// over the retention).
func (c *Client) StatementMetrics(ctx context.Context, pool string, names []string, now time.Time) (map[string]StatementMetrics, error) {
	out := map[string]StatementMetrics{}
	if len(names) == 0 {
		return out, nil
	}
	recent := interval(now, metricsWindow)
	latest := func(metric string) (map[string]MetricPoint, error) {
		pts, err := c.QueryMetrics(ctx, statementQuery(metric, pool, names, "PT1M", recent))
		if err != nil {
			return nil, err
		}
		last := map[string]MetricPoint{}
		for _, p := range pts {
			n := p.Labels[labelStatement]
			if l, ok := last[n]; !ok || p.Timestamp.After(l.Timestamp) {
				last[n] = p
			}
		}
		return last, nil
	}
	pending, err := latest(MetricPendingRecords)
	if err != nil {
		return nil, err
	}
	rate, err := latest(MetricRecordsOut)
	if err != nil {
		return nil, err
	}
	total, err := c.QueryMetrics(ctx, statementQuery(MetricRecordsOut, pool, names, "ALL", interval(now, metricsHistory)))
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		var m StatementMetrics
		if p, ok := pending[n]; ok {
			m.Pending, m.HasPending = int64(p.Value), true
		}
		if p, ok := rate[n]; ok {
			m.RowsPerSecond, m.HasRate = p.Value/60, true
		}
		out[n] = m
	}
	for _, p := range total {
		n := p.Labels[labelStatement]
		if m, ok := out[n]; ok {
			m.RowsOut += int64(p.Value)
			m.HasRowsOut = true
			out[n] = m
		}
	}
	return out, nil
}

var _ deployers.LagReporter = (*Target)(nil)

// lagReads is how many statements Lag reads one by one before it lists
// the environment instead.
const lagReads = 5

// Lag implements deployers.LagReporter from the Metrics API: a running
// statement's pending_records (known once the service published a point
// in the last minutes) and its num_records_out summed over the last week.
// The statements are read first for their compute pools (the metrics are
// filtered by pool): one read each up to lagReads of them, else one
// listing of the environment; statements that are not running are left
// out. Then three queries per compute pool.
func (t *Target) Lag(ctx context.Context, statements []string) (map[string]deployers.Lag, error) {
	byPool := map[string][]string{}
	wanted := map[string]bool{}
	for _, name := range statements {
		wanted[name] = true
	}
	var listed []Statement
	if len(statements) <= lagReads {
		for _, name := range statements {
			st, err := t.c.GetStatement(ctx, name)
			if errors.Is(err, deployers.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			listed = append(listed, *st)
		}
	} else {
		var err error
		if listed, err = t.c.ListStatements(ctx, ListOptions{}); err != nil {
			return nil, err
		}
	}
	for _, s := range listed {
		if !wanted[s.Name] || !deployers.Phase(s.Status.Phase).Healthy() || s.Spec.ComputePoolID == "" {
			continue
		}
		byPool[s.Spec.ComputePoolID] = append(byPool[s.Spec.ComputePoolID], s.Name)
	}
	pools := make([]string, 0, len(byPool))
	for p := range byPool {
		pools = append(pools, p)
	}
	sort.Strings(pools)
	out := map[string]deployers.Lag{}
	now := time.Now()
	for _, pool := range pools {
		ms, err := t.c.StatementMetrics(ctx, pool, byPool[pool], now)
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
		if err != nil {
			// Metrics that cannot be read (a key without the MetricsViewer
			// role, an outage past the retries) make the lag unknown.
			for _, name := range byPool[pool] {
				out[name] = deployers.Lag{RowsWritten: -1, RowsPerSecond: -1, Detail: "Metrics API: " + err.Error()}
			}
			continue
		}
		for name, m := range ms {
			l := deployers.Lag{Known: m.HasPending, Pending: m.Pending, RowsWritten: -1, RowsPerSecond: -1,
				Detail: "Metrics API: " + MetricPendingRecords + ", " + MetricRecordsOut}
			if m.HasRowsOut {
				l.RowsWritten = m.RowsOut
			}
			if m.HasRate {
				l.RowsPerSecond = m.RowsPerSecond
			}
			if !m.HasPending {
				l.Detail = "the Metrics API has no " + MetricPendingRecords + " point for the last " + metricsWindow.String() + " (a new statement, or a key without the MetricsViewer role)"
			}
			out[name] = l
		}
	}
	return out, nil
}
