package flink

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// jmMetrics serves the JobManager REST endpoints Lag reads, with the
// answers' documented shapes: /jobs/overview, /jobs/:id (vertices) and
// /jobs/:id/vertices/:vid/subtasks/metrics (listing, then ?get= values
// aggregated over subtasks).
func jmMetrics(t *testing.T, jobs map[string]string, metrics map[string]map[string]float64) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		var out any
		switch {
		case r.URL.Path == "/jobs/overview":
			var list []map[string]any
			for id, name := range jobs {
				list = append(list, map[string]any{"jid": id, "name": name, "state": "RUNNING", "start-time": 1, "end-time": -1})
			}
			out = map[string]any{"jobs": list}
		case len(p) == 2 && p[1] == "job-gone":
			w.WriteHeader(404)
			out = map[string]any{"errors": []string{"Job not found"}}
		case len(p) == 2:
			out = map[string]any{"jid": p[1], "vertices": []any{map[string]any{"id": p[1] + "-v1", "name": "Source: x -> y"}}}
		case len(p) == 6 && p[5] == "metrics":
			ms := metrics[p[1]]
			var vals []map[string]any
			if get := r.URL.Query().Get("get"); get != "" {
				if r.URL.Query().Get("agg") != "sum" {
					t.Errorf("metrics read without agg=sum: %s", r.URL.RawQuery)
				}
				for _, id := range strings.Split(get, ",") {
					if v, ok := ms[id]; ok {
						vals = append(vals, map[string]any{"id": id, "sum": v, "min": v, "max": v, "avg": v})
					}
				}
			} else {
				for id := range ms {
					vals = append(vals, map[string]any{"id": id})
				}
			}
			out = vals
		default:
			w.WriteHeader(404)
			out = map[string]any{"errors": []string{"Not found: " + r.URL.Path}}
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
}

func TestLag(t *testing.T) {
	kafka := map[string]float64{
		"Source__orders[1].pendingRecords":                                           120,
		"Source__orders[1].numRecordsOut":                                            880,
		"Source__orders[1].KafkaSourceReader.topic.orders.partition.0.currentOffset": 879,
		"Source__customers[2].pendingRecords":                                        3,
		"Source__customers[2].numRecordsOut":                                         40,
		"orders_v2[3]__Writer.numRecordsSend":                                        800,
		"orders_v2[3]__Writer.numRecordsSendPerSecond":                               12.5,
		"orders_v2[3]__Committer.numRecordsOut":                                      0,
		"numRecordsOut":                                                              900,
	}
	values := map[string]float64{
		"Source__Values[1].numRecordsOut": 3,
		"sink[2]__Writer.numRecordsOut":   3,
	}
	srv := jmMetrics(t, map[string]string{"job-a": "dml-orders-v2", "job-b": "dml-values", "job-c": "dml-nothing", "job-gone": "dml-gone"},
		map[string]map[string]float64{"job-a": kafka, "job-b": values, "job-c": {}})
	defer srv.Close()
	tg, err := New(Options{GatewayURL: srv.URL, JobManagerURL: srv.URL, AllowInsecureHTTP: true, StateFile: t.TempDir() + "/state.json", Environment: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tg.Lag(context.Background(), []string{"dml-orders-v2", "dml-values", "dml-nothing", "dml-gone", "dml-missing"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		known   bool
		pending int64
		rows    int64
		rate    float64
	}{
		{"dml-orders-v2", true, 123, 800, 12.5},
		{"dml-values", false, 0, 3, -1},
		{"dml-nothing", false, 0, -1, -1},
		{"dml-gone", false, 0, -1, -1},
	}
	for _, tt := range tests {
		l, ok := got[tt.name]
		if !ok {
			t.Errorf("%s: no lag", tt.name)
			continue
		}
		if l.Known != tt.known || l.Pending != tt.pending || l.RowsWritten != tt.rows || l.RowsPerSecond != tt.rate || l.Detail == "" {
			t.Errorf("%s: lag = %+v, want known %v, pending %d, rows %d, %v rows/s", tt.name, l, tt.known, tt.pending, tt.rows, tt.rate)
		}
	}
	if _, ok := got["dml-missing"]; ok {
		t.Error("a statement without a job has a lag")
	}
}
