package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestServe serves a small fleet in real time: the targets name every
// agent, and an agent's metrics, made by the agent's collectors, hold its
// peers' offsets and errors, one series each per peer of its sample.
func TestServe(t *testing.T) {
	sc := DefaultScenario()
	sc.Hosts, sc.Rounds, sc.Poll, sc.Faults.Round = 30, 4, time.Second, 1
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(sc)
	done := make(chan Result, 1)
	go func() {
		r, _ := w.serveOn(context.Background(), listener, io.Discard)
		done <- r
	}()
	base := "http://" + listener.Addr().String()
	var targets []target
	getJSON(t, base+"/targets.json", &targets)
	if len(targets) != sc.Hosts || targets[7].Labels["instance"] != "198.18.0.8:9896" || targets[7].Labels["__metrics_path__"] != "/agents/7/metrics" {
		t.Fatalf("targets %d, the eighth %+v", len(targets), targets[7])
	}
	// The agents publish at the end of each round; wait for one.
	families := getMetrics(t, base+"/agents/7/metrics")
	for len(families["clockwatch_peer_offset_seconds"].GetMetric()) == 0 {
		select {
		case <-done:
			t.Fatal("the run ended before agent 7 exported its peers")
		case <-time.After(100 * time.Millisecond):
		}
		families = getMetrics(t, base+"/agents/7/metrics")
	}
	for name, want := range map[string]int{"clockwatch_peer_offset_seconds": sc.Peers, "clockwatch_peer_offset_error_seconds": sc.Peers, "clockwatch_synchronized": 1} {
		if got := len(families[name].GetMetric()); got != want {
			t.Errorf("%s: %d series, want %d", name, got, want)
		}
	}
	series := 0
	for _, f := range families {
		series += len(f.GetMetric())
	}
	t.Logf("an agent with %d servers and %d peers exports %d series", sc.Topology.Servers, sc.Peers, series)
	<-done
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func getMetrics(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return families
}
