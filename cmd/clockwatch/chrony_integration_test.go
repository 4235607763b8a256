package main

import (
	"math"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/exporters"
	"github.com/clockwatch/clockwatch/internal/testlab"
)

// startMeasuringChronyd runs a real chronyd that only measures (-x) and
// polls server, and returns its command address for --chrony.address.
func startMeasuringChronyd(t *testing.T, server string) string {
	t.Helper()
	return testlab.MeasuringChronyd(t, server).UDP
}

// TestRunAgainstLocalChronyd has the agent read a real measure-only
// chronyd that polls another chronyd on loopback. The chrony source must
// report chronyd's own offset and bound, with the true offset, 0, inside;
// /metrics must show chronyd's tracking and its source.
func TestRunAgainstLocalChronyd(t *testing.T) {
	server := testlab.ChronydServer(t)
	address := startMeasuringChronyd(t, server)
	agent := startAgent(t, "run", "--chrony.address", address, "--poll.interval=1s", "--state.dir", "")
	name := "chrony:" + address
	var src exporters.Source
	waitFor(t, 30*time.Second, "the chrony source reporting", func() bool {
		var ok bool
		src, ok = sourceByName(agent.status(t), name)
		return ok && src.Results["ok"] >= 3
	})
	if src.Kind != "chrony" || math.Abs(src.LastOffsetSeconds) > src.ErrorBoundSeconds || src.ErrorBoundSeconds > 1e-3 {
		t.Errorf("chrony source: kind %s offset %.3gs ± %.3gs; the true offset is 0", src.Kind, src.LastOffsetSeconds, src.ErrorBoundSeconds)
	}
	if src.PollSeconds != 1 || src.Reach == 0 || src.Leap != "normal" || src.Reference != "127.0.0.1" {
		t.Errorf("chrony source: poll %gs reach %o leap %q reference %q; want 1s, answered, normal, chronyd's server 127.0.0.1",
			src.PollSeconds, src.Reach, src.Leap, src.Reference)
	}
	t.Logf("chronyd: offset %.2fµs ± %.2fµs, reference %s (%s)", src.LastOffsetSeconds*1e6, src.ErrorBoundSeconds*1e6, src.ReferenceID, src.Reference)

	families := parseMetrics(t, agent.get(t, "/metrics"))
	info := families["clockwatch_chrony_source_info"].GetMetric()
	if len(info) != 1 {
		t.Fatalf("clockwatch_chrony_source_info has %d series, want chronyd's one source", len(info))
	}
	labels := map[string]string{}
	for _, l := range info[0].GetLabel() {
		labels[l.GetName()] = l.GetValue()
	}
	if labels["address"] != "127.0.0.1" || labels["mode"] != "client" || labels["source"] != name {
		t.Errorf("chronyd's source: %v", labels)
	}
	for _, metric := range []string{"clockwatch_chrony_up", "clockwatch_chrony_tracking_system_time_seconds",
		"clockwatch_chrony_tracking_root_dispersion_seconds", "clockwatch_chrony_source_reachability_ratio",
		"chrony_up", "chrony_tracking_system_time_seconds", "chrony_tracking_frequency_ppms", "chrony_sources_state_info",
		"chrony_sourcestats_offset"} {
		if len(families[metric].GetMetric()) != 1 {
			t.Errorf("/metrics lacks %s", metric)
		}
	}
}
