package tracecorrect_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/clockwatch/clockwatch/tracecorrect"
)

// fakePrometheus answers range queries of clockwatch's metrics by instance
// with the given result bodies, and records the queries it got.
func fakePrometheus(t *testing.T, results map[string]string) (promv1.API, *[]string) {
	t.Helper()
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/query_range" {
			http.NotFound(w, r)
			return
		}
		q := r.FormValue("query")
		queries = append(queries, q)
		for metric, result := range results {
			if strings.Contains(q, metric) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"status": "success", "data": {"resultType": "matrix", "result": %s}}`, result)
				return
			}
		}
		http.Error(w, `{"status": "error", "errorType": "bad_data", "error": "unknown metric"}`, http.StatusBadRequest)
	}))
	t.Cleanup(srv.Close)
	client, err := promapi.NewClient(promapi.Config{Address: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return promv1.NewAPI(client), &queries
}

func TestQueryPrometheus(t *testing.T) {
	api, queries := fakePrometheus(t, map[string]string{
		"clockwatch_offset_seconds": `[
			{"metric": {"instance": "web-1:9100"}, "values": [[1767225600, "0.002"], [1767225615, "0.0021"], [1767225630, "NaN"]]},
			{"metric": {"instance": "[::1]:9100"}, "values": [[1767225600, "-0.5"]]},
			{"metric": {}, "values": [[1767225600, "1"]]}]`,
		"clockwatch_error_bound_seconds": `[
			{"metric": {"instance": "web-1:9100"}, "values": [[1767225600, "0.0001"], [1767225630, "0.0001"]]},
			{"metric": {"instance": "[::1]:9100"}, "values": [[1767225600, "+Inf"]]}]`,
	})
	start := time.Unix(1767225600, 0)
	got, err := tracecorrect.QueryPrometheus(context.Background(), api, tracecorrect.PrometheusQuery{
		HostLabel: "instance", Start: start, End: start.Add(time.Minute), Step: 15 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := tracecorrect.Offsets{"web-1": {{Time: start, Offset: 2 * time.Millisecond, ErrorBound: 100 * time.Microsecond}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v: only samples with a finite offset and bound at the same time", got, want)
	}
	wantQueries := []string{
		"avg by (instance) (clockwatch_offset_seconds)",
		"max by (instance) (clockwatch_error_bound_seconds)",
	}
	if !reflect.DeepEqual(*queries, wantQueries) {
		t.Errorf("queries = %q, want %q", *queries, wantQueries)
	}
}

func TestQueryPrometheusErrors(t *testing.T) {
	api, _ := fakePrometheus(t, map[string]string{"clockwatch_offset_seconds": `[]`})
	start := time.Unix(1767225600, 0)
	tests := []struct {
		name    string
		q       tracecorrect.PrometheusQuery
		wantErr string
	}{
		{"bad label", tracecorrect.PrometheusQuery{HostLabel: "host-name", Start: start, End: start.Add(time.Minute), Step: time.Second}, "not a label name"},
		{"empty range", tracecorrect.PrometheusQuery{HostLabel: "host", Start: start, End: start, Step: time.Second}, "empty range"},
		{"server error", tracecorrect.PrometheusQuery{HostLabel: "host", Start: start, End: start.Add(time.Minute), Step: time.Second}, "clockwatch_error_bound_seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tracecorrect.QueryPrometheus(context.Background(), api, tt.q)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
