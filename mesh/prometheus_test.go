package mesh_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/clockwatch/clockwatch/mesh"
)

// fakePrometheus answers instant queries of the metrics with the given
// vectors, and records the queries it got.
func fakePrometheus(t *testing.T, results map[string]string) (promv1.API, *[]string) {
	t.Helper()
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.FormValue("query")
		queries = append(queries, q)
		metric, _, _ := strings.Cut(q, "{")
		result, ok := results[metric]
		if r.URL.Path != "/api/v1/query" || !ok {
			http.Error(w, `{"status": "error", "errorType": "bad_data", "error": "unknown metric"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status": "success", "data": {"resultType": "vector", "result": %s}}`, result)
	}))
	t.Cleanup(srv.Close)
	client, err := promapi.NewClient(promapi.Config{Address: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return promv1.NewAPI(client), &queries
}

// sample is one series of an instant vector.
func sample(instance, peerLabel, peer, value string) string {
	return fmt.Sprintf(`{"metric": {"instance": %q, %q: %q}, "value": [1767225600, %q]}`, instance, peerLabel, peer, value)
}

func vector(samples ...string) string { return "[" + strings.Join(samples, ",") + "]" }

func TestQueryPrometheus(t *testing.T) {
	api, queries := fakePrometheus(t, map[string]string{
		"clockwatch_peer_offset_seconds": vector(
			sample("198.18.0.1:9896", "peer", "198.18.0.2:9123", "0.002"),
			sample("198.18.0.1:9896", "peer", "198.18.0.3:9123", "-0.001"),
			sample("198.18.0.2:9896", "peer", "198.18.0.1:9123", "-0.002"),
			sample("198.18.0.2:9896", "peer", "198.18.0.4:9123", "NaN"),
			sample("198.18.0.3:9896", "peer", "198.18.0.2:9123", "0.5")),
		"clockwatch_peer_offset_error_seconds": vector(
			sample("198.18.0.1:9896", "peer", "198.18.0.2:9123", "0.0001"),
			sample("198.18.0.1:9896", "peer", "198.18.0.3:9123", "0.0002"),
			sample("198.18.0.2:9896", "peer", "198.18.0.4:9123", "0.0001")),
		"clockwatch_source_delay_seconds": vector(
			sample("198.18.0.1:9896", "source", "198.18.0.2:9123", "0.00018"),
			sample("198.18.0.2:9896", "source", "198.18.0.1:9123", "0.0003"),
			sample("198.18.0.3:9896", "source", "198.18.0.2:9123", "0.0003")),
		"clockwatch_responder_address_info": vector(),
		"clockwatch_source_reachable": vector(
			sample("198.18.0.1:9896", "source", "198.18.0.2:9123", "1"),
			sample("198.18.0.1:9896", "source", "198.18.0.3:9123", "1"),
			sample("198.18.0.2:9896", "source", "198.18.0.1:9123", "1"),
			sample("198.18.0.2:9896", "source", "198.18.0.4:9123", "1"),
			sample("198.18.0.3:9896", "source", "198.18.0.2:9123", "0")),
		"clockwatch_source_last_sample_timestamp_seconds": vector(
			sample("198.18.0.1:9896", "source", "198.18.0.2:9123", "1767225590.5"),
			sample("198.18.0.1:9896", "source", "198.18.0.3:9123", "1767225591.25"),
			sample("198.18.0.2:9896", "source", "198.18.0.1:9123", "1767225592")),
		"clockwatch_last_step_timestamp_seconds": vector(
			sample("198.18.0.2:9896", "job", "clockwatch", "1767225500.75")),
	})
	edges, err := mesh.QueryPrometheus(context.Background(), api, mesh.PrometheusQuery{Selector: `job="clockwatch"`})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(edges, func(a, b mesh.Edge) int { return strings.Compare(a.From+a.To, b.From+b.To) })
	at := func(s float64) time.Time { return time.Unix(0, int64(s*1e9)).UTC() }
	want := []mesh.Edge{
		{From: "198.18.0.1", To: "198.18.0.2", Offset: 2 * time.Millisecond, Error: 100 * time.Microsecond,
			Taken: at(1767225590.5), ToStep: at(1767225500.75), Delay: 180 * time.Microsecond},
		{From: "198.18.0.1", To: "198.18.0.3", Offset: -time.Millisecond, Error: 200 * time.Microsecond, Taken: at(1767225591.25)},
		{From: "198.18.0.2", To: "198.18.0.1", Offset: -2 * time.Millisecond, Error: 150 * time.Microsecond, Taken: at(1767225592), Delay: 300 * time.Microsecond},
	}
	if !slices.Equal(edges, want) {
		t.Errorf("edges %+v, want %+v: reachable peers with a finite offset, the error from the delay when missing, when each was taken, the measured host's last step and the round trip", edges, want)
	}
	wantQueries := []string{
		`clockwatch_peer_offset_seconds{job="clockwatch"}`,
		`clockwatch_peer_offset_error_seconds{job="clockwatch"}`,
		`clockwatch_source_delay_seconds{job="clockwatch",kind="peer"}`,
		`clockwatch_source_reachable{job="clockwatch",kind="peer"}`,
		`clockwatch_source_last_sample_timestamp_seconds{job="clockwatch",kind="peer"}`,
		`clockwatch_responder_address_info{job="clockwatch"}`,
		`clockwatch_last_step_timestamp_seconds{job="clockwatch"}`,
	}
	if !slices.Equal(*queries, wantQueries) {
		t.Errorf("queries %q, want %q", *queries, wantQueries)
	}
}

// TestQueryPrometheusNamesPeersByTheirAgents: where instance names a node
// (Kubernetes) and peers are pod addresses, each agent's responder
// addresses tell whose a peer is; an address two agents claim names no one.
func TestQueryPrometheusNamesPeersByTheirAgents(t *testing.T) {
	api, _ := fakePrometheus(t, map[string]string{
		"clockwatch_peer_offset_seconds": vector(
			sample("node-a", "peer", "10.0.0.2:9123", "0.002"),
			sample("node-a", "peer", "127.0.0.1:9123", "0")),
		"clockwatch_peer_offset_error_seconds": vector(
			sample("node-a", "peer", "10.0.0.2:9123", "0.0001"),
			sample("node-a", "peer", "127.0.0.1:9123", "0.0001")),
		"clockwatch_source_delay_seconds": vector(),
		"clockwatch_source_reachable": vector(
			sample("node-a", "source", "10.0.0.2:9123", "1"),
			sample("node-a", "source", "127.0.0.1:9123", "1")),
		"clockwatch_responder_address_info": vector(
			sample("node-a", "address", "10.0.0.1:9123", "1"),
			sample("node-a", "address", "127.0.0.1:9123", "1"),
			sample("node-b", "address", "10.0.0.2:9123", "1"),
			sample("node-b", "address", "127.0.0.1:9123", "1")),
		"clockwatch_source_last_sample_timestamp_seconds": vector(),
		"clockwatch_last_step_timestamp_seconds":          vector(),
	})
	edges, err := mesh.QueryPrometheus(context.Background(), api, mesh.PrometheusQuery{})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(edges, func(a, b mesh.Edge) int { return strings.Compare(a.To, b.To) })
	want := []mesh.Edge{
		{From: "node-a", To: "127.0.0.1", Error: 100 * time.Microsecond},
		{From: "node-a", To: "node-b", Offset: 2 * time.Millisecond, Error: 100 * time.Microsecond},
	}
	if !slices.Equal(edges, want) {
		t.Errorf("edges %+v, want %+v", edges, want)
	}
}

func TestQueryPrometheusErrors(t *testing.T) {
	api, _ := fakePrometheus(t, map[string]string{})
	tests := []struct {
		name string
		q    mesh.PrometheusQuery
		want string
	}{
		{"bad host label", mesh.PrometheusQuery{HostLabel: "host-name"}, "not a label name"},
		{"braces", mesh.PrometheusQuery{Selector: `{job="x"}`}, "without braces"},
		{"Prometheus refuses", mesh.PrometheusQuery{}, "unknown metric"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := mesh.QueryPrometheus(context.Background(), api, tc.q); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want one saying %q", err, tc.want)
			}
		})
	}
}
