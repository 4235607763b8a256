package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/mesh"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// steppedAt is when 198.18.0.3 stepped 2 ms ahead in the stepped fleet.
const steppedAt = 1767225590

// fleetPrometheus serves, as Prometheus would, the peer metrics of six
// agents that measure each other; 198.18.0.3 is 2 ms ahead. With noPeers
// it serves no series at all. With stepped, 198.18.0.3 stepped at
// steppedAt and its agent counted the step: every measurement of it was
// taken 5 s before, when it was not off yet, and the rest 5 s after.
func fleetPrometheus(t *testing.T, noPeers, stepped bool) string {
	t.Helper()
	offsets := map[string]float64{"198.18.0.1": 0, "198.18.0.2": 10e-6, "198.18.0.3": 2e-3, "198.18.0.4": -5e-6, "198.18.0.5": 0, "198.18.0.6": 3e-6}
	series := map[string][]string{}
	add := func(metric, host, label, value string, v float64) {
		series[metric] = append(series[metric], fmt.Sprintf(`{"metric": {"instance": "%s:9896", "job": "clockwatch", %q: %q}, "value": [1767225600, "%.9g"]}`, host, label, value, v))
	}
	for host, x := range offsets {
		for peer, y := range offsets {
			if host == peer || noPeers {
				continue
			}
			taken := float64(steppedAt + 5)
			if stepped && peer == "198.18.0.3" {
				y, taken = 0, steppedAt-5
			}
			add("clockwatch_peer_offset_seconds", host, "peer", peer+":9123", x-y)
			add("clockwatch_peer_offset_error_seconds", host, "peer", peer+":9123", 50e-6)
			add("clockwatch_source_delay_seconds", host, "source", peer+":9123", 100e-6)
			add("clockwatch_source_reachable", host, "source", peer+":9123", 1)
			if stepped {
				add("clockwatch_source_last_sample_timestamp_seconds", host, "source", peer+":9123", taken)
			}
		}
	}
	if stepped {
		add("clockwatch_last_step_timestamp_seconds", "198.18.0.3", "job", "clockwatch", steppedAt)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		metric, _, _ := strings.Cut(r.FormValue("query"), "{")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status": "success", "data": {"resultType": "vector", "result": [%s]}}`, strings.Join(series[metric], ","))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestInferNamesTheHostThatIsOff(t *testing.T) {
	url := fleetPrometheus(t, false, false)
	var stdout, stderr bytes.Buffer
	if code := execute(context.Background(), []string{"infer", "--prometheus.url", url}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"6 hosts, 30 measurements (0 stale: taken before one of their hosts stepped); 1 named", "198.18.0.3  1.99", "10 of 10"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	stdout.Reset()
	if code := execute(context.Background(), []string{"infer", "--prometheus.url", url, "--format", "json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var v verdict
	if err := json.Unmarshal(stdout.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Named) != 1 || v.Named[0].Host != "198.18.0.3" || v.Named[0].Offset < 1.9e-3 || v.Hosts != 6 {
		t.Errorf("verdict %+v, want 198.18.0.3 named about 2ms ahead", v)
	}
}

// TestInferLeavesOutMeasurementsTakenBeforeAStep: the measurements of a
// host taken before the step its agent counted are stale; without them,
// its own measurements name it, where with them half of its measurements
// would put it where it was.
func TestInferLeavesOutMeasurementsTakenBeforeAStep(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"infer", "--prometheus.url", fleetPrometheus(t, false, true), "--format", "json"}
	if code := execute(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var v verdict
	if err := json.Unmarshal(stdout.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if v.Measurements != 30 || v.Stale != 5 || len(v.Named) != 1 || v.Named[0].Host != "198.18.0.3" || v.Named[0].Edges != 5 {
		t.Errorf("verdict %+v, want 5 of 30 measurements stale and 198.18.0.3 named on its own 5", v)
	}
}

// TestInferWritesTextfile: --textfile writes the verdict as metrics that
// node_exporter's textfile collector can read, the named host with its
// offset.
func TestInferWritesTextfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clockwatch-mesh.prom")
	var stdout, stderr bytes.Buffer
	if code := execute(context.Background(), []string{"infer", "--prometheus.url", fleetPrometheus(t, false, false), "--textfile", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(file)
	if err != nil {
		t.Fatalf("%s is not in the text format: %v", path, err)
	}
	for name, want := range map[string]float64{"clockwatch_mesh_hosts": 6, "clockwatch_mesh_measurements": 30, "clockwatch_mesh_stale_measurements": 0, "clockwatch_mesh_named_hosts": 1} {
		if got := families[name].GetMetric(); len(got) != 1 || got[0].GetGauge().GetValue() != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	offsets := families["clockwatch_mesh_host_offset_seconds"].GetMetric()
	labels := map[string]string{}
	for _, m := range offsets {
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
	}
	if len(offsets) != 1 || offsets[0].GetGauge().GetValue() < 1.9e-3 || labels["host"] != "198.18.0.3" || labels["verdict"] != "named" {
		t.Errorf("clockwatch_mesh_host_offset_seconds: %v, want 198.18.0.3 named about 2ms ahead", offsets)
	}
	if ts := families["clockwatch_mesh_inference_timestamp_seconds"].GetMetric(); len(ts) != 1 || ts[0].GetGauge().GetValue() < 1.7e9 {
		t.Errorf("clockwatch_mesh_inference_timestamp_seconds: %v, want now", ts)
	}
}

func TestInferFailures(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no Prometheus", []string{"infer"}, 2, "--prometheus.url"},
		{"no peer offsets", []string{"infer", "--prometheus.url", fleetPrometheus(t, true, false)}, 1, "no peer offsets"},
		{"textfile in no folder", []string{"infer", "--prometheus.url", fleetPrometheus(t, false, false), "--textfile", filepath.Join(t.TempDir(), "none", "mesh.prom")}, 1, "--textfile"},
		{"bad selector", []string{"infer", "--prometheus.url", "http://127.0.0.1:1", "--prometheus.selector", `{job="x"}`}, 1, "without braces"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := execute(context.Background(), tc.args, &stdout, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tc.code, tc.want)
			}
		})
	}
}

// TestVerdictCountsReroutedMeasurements checks rerouted_measurements counts
// the measurements mesh.History corrected for a route change.
func TestVerdictCountsReroutedMeasurements(t *testing.T) {
	r := mesh.Result{Reroutes: []mesh.Reroute{{Shift: time.Millisecond}, {Shift: -time.Millisecond}}}
	if v := newVerdict(time.Unix(0, 0), 4, r, 0); v.Rerouted != 2 {
		t.Errorf("rerouted_measurements %d, want 2", v.Rerouted)
	}
	if v := newVerdict(time.Unix(0, 0), 4, mesh.Result{}, 0); v.Rerouted != 0 {
		t.Errorf("rerouted_measurements %d with no reroute, want 0", v.Rerouted)
	}
}
