package flink

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

var _ deployers.LagReporter = (*Target)(nil)

// The lag of a job comes from the JobManager's operator metrics, which the
// engine reports whether checkpointing is on or not (no consumer group
// needed): the standard source metric pendingRecords ("the number of
// records that have not been fetched by the source", which Flink's Kafka
// source computes from its consumer's distance to the end offsets of its
// partitions) and the standard sink metric numRecordsSend (records the
// sink writer sent; numRecordsOut on sinks that predate it). Both are
// defined in FLIP-33 "Standardize Connector Metrics" and listed in the
// Flink documentation's Metrics page (System metrics, IO). Operator
// metrics are named "<operator>.<metric>" with the operator's name
// sanitized (Source__orders[12].pendingRecords,
// orders_v2[13]__Writer.numRecordsSend); the REST endpoint
// GET /jobs/:jobid/vertices/:vertexid/subtasks/metrics lists them and
// aggregates them over the vertex's subtasks (?get=a,b&agg=sum).

const (
	metricPending   = ".pendingRecords"
	metricSend      = "__Writer.numRecordsSend"
	metricSendRate  = "__Writer.numRecordsSendPerSecond"
	metricSinkOut   = "__Writer.numRecordsOut"
	sourcePrefix    = "Source__"
	metricSourceOut = ".numRecordsOut"
)

// Lag implements deployers.LagReporter: per running statement (its job),
// the records its sources have not fetched yet (pendingRecords, summed over
// sources and subtasks) and the rows its sinks sent (numRecordsSend).
// The lag is unknown while a source of the job reports no pendingRecords
// (a source other than Kafka, or one that has not polled yet). Statements
// without a running job are left out. Cost: one job listing, then per job
// one detail call and two metric calls per vertex.
func (t *Target) Lag(ctx context.Context, statements []string) (map[string]deployers.Lag, error) {
	jobs, err := t.jm.overview(ctx)
	if err != nil {
		return nil, err
	}
	_, stmts := t.snapshot()
	out := map[string]deployers.Lag{}
	for _, name := range statements {
		j, ok := findJob(jobs, name, stmts[name].JobID)
		if !ok || j.State != "RUNNING" {
			continue
		}
		m, err := t.jobMetrics(ctx, j.ID)
		if err == nil && !m.lag().Known && m.sources > 0 {
			// The JobManager's metric store sometimes answers without a
			// gauge it had a moment ago: ask once more.
			m, err = t.jobMetrics(ctx, j.ID)
		}
		if err != nil {
			// One job's metrics that cannot be read make its lag unknown,
			// not the whole answer wrong.
			out[name] = deployers.Lag{RowsWritten: -1, RowsPerSecond: -1, Detail: fmt.Sprintf("metrics of job %s not read: %v", j.ID, err)}
			continue
		}
		out[name] = m.lag()
	}
	return out, nil
}

// jobMetrics are the metrics of one job that lag and throughput read.
type jobMetrics struct {
	// sources counts the job's source operators; pendingOf those that
	// report pendingRecords.
	sources, pendingOf int
	pending            int64
	// sinks counts the sink writers reporting numRecordsSend (or
	// numRecordsOut); sent is their sum and rate their records per second.
	sinks int
	sent  int64
	rated int
	rate  float64
}

func (m jobMetrics) lag() deployers.Lag {
	l := deployers.Lag{Known: m.sources > 0 && m.pendingOf == m.sources, Pending: m.pending, RowsWritten: -1, RowsPerSecond: -1}
	if m.sinks > 0 {
		l.RowsWritten = m.sent
	}
	if m.rated > 0 {
		l.RowsPerSecond = m.rate
	}
	switch {
	case l.Known:
		l.Detail = fmt.Sprintf("pendingRecords of %d source(s), numRecordsSend of %d sink(s)", m.sources, m.sinks)
	case m.sources == 0:
		l.Detail = "the job reports no source operator"
	default:
		l.Detail = fmt.Sprintf("%d of %d source(s) report no pendingRecords yet (a source other than Kafka, or one that has not polled)", m.sources-m.pendingOf, m.sources)
	}
	return l
}

// metricValue is one aggregated metric of subtasks/metrics?get=….
type metricValue struct {
	ID  string  `json:"id"`
	Sum float64 `json:"sum"`
}

// jobMetrics reads the pending records and sent rows of every vertex of a
// job.
func (t *Target) jobMetrics(ctx context.Context, jobID string) (jobMetrics, error) {
	var detail struct {
		Vertices []struct {
			ID string `json:"id"`
		} `json:"vertices"`
	}
	base := "/jobs/" + url.PathEscape(jobID)
	if err := t.jm.do(ctx, http.MethodGet, base, nil, &detail); err != nil {
		return jobMetrics{}, err
	}
	var m jobMetrics
	for _, v := range detail.Vertices {
		path := base + "/vertices/" + url.PathEscape(v.ID) + "/subtasks/metrics"
		var listed []metricValue
		if err := t.jm.do(ctx, http.MethodGet, path, nil, &listed); err != nil {
			return jobMetrics{}, err
		}
		want := pickMetrics(listed)
		if len(want) == 0 {
			continue
		}
		var values []metricValue
		if err := t.jm.do(ctx, http.MethodGet, path+"?agg=sum&get="+url.QueryEscape(strings.Join(want, ",")), nil, &values); err != nil {
			return jobMetrics{}, err
		}
		m.add(values)
	}
	return m, nil
}

// pickMetrics chooses, among a vertex's metric ids, those lag and
// throughput read: each source operator's numRecordsOut (to count the
// sources) and pendingRecords, each sink writer's numRecordsSend (else
// numRecordsOut) and numRecordsSendPerSecond. Sorted.
func pickMetrics(listed []metricValue) []string {
	ids := map[string]bool{}
	for _, v := range listed {
		ids[v.ID] = true
	}
	var out []string
	for id := range ids {
		switch {
		case strings.HasPrefix(id, sourcePrefix) && strings.HasSuffix(id, metricSourceOut) && !strings.Contains(id, "KafkaSourceReader"),
			strings.HasSuffix(id, metricPending) && strings.HasPrefix(id, sourcePrefix),
			strings.HasSuffix(id, metricSend), strings.HasSuffix(id, metricSendRate):
			out = append(out, id)
		case strings.HasSuffix(id, metricSinkOut) && !ids[strings.TrimSuffix(id, metricSinkOut)+metricSend]:
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// add folds one vertex's aggregated values into m.
func (m *jobMetrics) add(values []metricValue) {
	for _, v := range values {
		switch {
		case strings.HasSuffix(v.ID, metricSourceOut) && strings.HasPrefix(v.ID, sourcePrefix) && !strings.Contains(v.ID, "KafkaSourceReader"):
			m.sources++
		case strings.HasSuffix(v.ID, metricPending):
			m.pendingOf++
			m.pending += int64(v.Sum)
		case strings.HasSuffix(v.ID, metricSendRate):
			m.rated++
			m.rate += v.Sum
		case strings.HasSuffix(v.ID, metricSend), strings.HasSuffix(v.ID, metricSinkOut):
			m.sinks++
			m.sent += int64(v.Sum)
		}
	}
}
