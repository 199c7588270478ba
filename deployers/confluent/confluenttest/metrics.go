package confluenttest

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"
)

// The Metrics API v2 query endpoint (POST /v2/metrics/cloud/query), as
// documented in "Confluent Cloud Metrics API"
// (https://api.telemetry.confluent.cloud/docs): one aggregation, a filter
// of EQ/AND/OR on labels, a granularity, ISO-8601 intervals and group_by
// labels; the answer is {"data": [{"timestamp", "value", labels…}]}. The
// stand-in knows the two Flink statement metrics the client reads. A
// RUNNING statement reports the values set with SetStatementMetrics (0
// pending and no records out by default); other statements report
// nothing. Rate limits and errors come from the server's Faults, as on
// the other APIs.

// StatementMetrics are the values the stand-in reports for a statement.
type StatementMetrics struct {
	// Pending is io.confluent.flink/pending_records.
	Pending float64
	// OutPerMinute is io.confluent.flink/num_records_out per minute;
	// OutTotal its sum over any interval (granularity ALL).
	OutPerMinute float64
	OutTotal     float64
}

// SetStatementMetrics sets what the Metrics API reports for a statement.
func (s *Server) SetStatementMetrics(name string, m StatementMetrics) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.metrics == nil {
		s.metrics = map[string]StatementMetrics{}
	}
	s.metrics[name] = m
}

var granularities = map[string]time.Duration{
	"PT1M": time.Minute, "PT5M": 5 * time.Minute, "PT15M": 15 * time.Minute, "PT30M": 30 * time.Minute,
	"PT1H": time.Hour, "PT4H": 4 * time.Hour, "PT6H": 6 * time.Hour, "PT12H": 12 * time.Hour, "P1D": 24 * time.Hour, "ALL": 0,
}

type metricFilter struct {
	Op      string         `json:"op"`
	Field   string         `json:"field"`
	Value   string         `json:"value"`
	Filters []metricFilter `json:"filters"`
}

func (f metricFilter) match(labels map[string]string) bool {
	switch f.Op {
	case "AND":
		for _, g := range f.Filters {
			if !g.match(labels) {
				return false
			}
		}
		return true
	case "OR":
		for _, g := range f.Filters {
			if g.match(labels) {
				return true
			}
		}
		return false
	case "EQ":
		return labels[f.Field] == f.Value
	case "":
		return true
	}
	return false
}

func (s *Server) metricsAPI(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Method != http.MethodPost || r.URL.Path != "/v2/metrics/cloud/query" {
		s.fail(w, r, http.StatusNotFound, "", "Not Found", "no such API path "+r.URL.Path)
		return
	}
	var q struct {
		Aggregations []struct {
			Metric string `json:"metric"`
		} `json:"aggregations"`
		Filter      metricFilter `json:"filter"`
		Granularity string       `json:"granularity"`
		Intervals   []string     `json:"intervals"`
		GroupBy     []string     `json:"group_by"`
		Limit       int          `json:"limit"`
	}
	if err := json.Unmarshal(body, &q); err != nil {
		s.fail(w, r, http.StatusBadRequest, "", "Bad Request", "invalid query: "+err.Error())
		return
	}
	if len(q.Aggregations) != 1 {
		s.fail(w, r, http.StatusBadRequest, "", "Bad Request", "exactly one aggregation is supported")
		return
	}
	metric := q.Aggregations[0].Metric
	if metric != "io.confluent.flink/pending_records" && metric != "io.confluent.flink/num_records_out" {
		s.fail(w, r, http.StatusBadRequest, "", "Bad Request", "unknown metric "+metric)
		return
	}
	if _, ok := granularities[q.Granularity]; !ok {
		s.fail(w, r, http.StatusBadRequest, "", "Bad Request", "invalid granularity "+q.Granularity)
		return
	}
	if len(q.Intervals) == 0 {
		s.fail(w, r, http.StatusBadRequest, "", "Bad Request", "intervals is required")
		return
	}
	var start, end time.Time
	for _, iv := range q.Intervals {
		a, b, ok := strings.Cut(iv, "/")
		t0, err0 := time.Parse(time.RFC3339, a)
		t1, err1 := time.Parse(time.RFC3339, b)
		if !ok || err0 != nil || err1 != nil || !t1.After(t0) {
			s.fail(w, r, http.StatusBadRequest, "", "Bad Request", "invalid interval "+iv+": use ISO-8601 start/end")
			return
		}
		start, end = t0, t1
	}
	s.mu.Lock()
	var data []map[string]any
	names := make([]string, 0, len(s.statements))
	for n := range s.statements {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		st := s.statements[n]
		labels := map[string]string{"resource.compute_pool.id": st.Pool, "resource.flink_statement.name": n}
		if st.Phase != "RUNNING" || !q.Filter.match(labels) {
			continue
		}
		m := s.metrics[n]
		v, at := m.Pending, end.Add(-time.Minute)
		switch {
		case metric == "io.confluent.flink/num_records_out" && q.Granularity == "ALL":
			v, at = m.OutTotal, start
		case metric == "io.confluent.flink/num_records_out":
			v = m.OutPerMinute
		}
		point := map[string]any{"timestamp": at.UTC().Format(time.RFC3339), "value": v}
		for _, g := range q.GroupBy {
			if l, ok := labels[g]; ok {
				point[g] = l
			}
		}
		data = append(data, point)
	}
	s.mu.Unlock()
	if data == nil {
		data = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}
