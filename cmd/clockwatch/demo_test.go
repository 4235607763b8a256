package main

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/exporters"
)

// TestDemoNamesItsServers runs the demo binary and reads it as a user
// would, with `clockwatch status` and /metrics: the simulated servers go by
// their names, alpha to echo, with their loopback addresses beside them,
// and each shows the poll interval, reach, leap status and reference ID
// of the chronyc sources columns.
func TestDemoNamesItsServers(t *testing.T) {
	agent := startAgent(t, "demo", "--poll.interval=200ms")
	var s exporters.Status
	waitFor(t, 20*time.Second, "every demo server answered twice", func() bool {
		s = agent.status(t)
		for _, src := range s.Sources {
			if src.Reach&3 != 3 {
				return false
			}
		}
		return len(s.Sources) == len(demoServers)
	})
	for i, want := range demoServers {
		src := s.Sources[i]
		if src.Name != want.name || !strings.HasPrefix(src.Address, "127.0.0.1:") {
			t.Errorf("source %d: name %q address %q, want %q at a loopback address", i, src.Name, src.Address, want.name)
		}
		if refID := fmt.Sprintf("%08X", 0x7f000001+i); src.PollSeconds != 0.2 || src.Leap != "normal" || src.ReferenceID != refID {
			t.Errorf("source %s: poll %v leap %q reference ID %q; want 0.2, normal and %s", src.Name, src.PollSeconds, src.Leap, src.ReferenceID, refID)
		}
	}

	out, err := exec.Command(binary, "status", "--agent.url", agent.url).Output()
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			rows[f[0]] = f
		}
	}
	for _, want := range demoServers {
		row, ok := rows[want.name]
		if !ok || len(row) < 6 || row[4] != "200ms" {
			t.Errorf("status has no row for %s with POLL 200ms: %q\n%s", want.name, row, out)
			continue
		}
		if reach, err := strconv.ParseUint(row[5], 8, 8); err != nil || reach&3 != 3 {
			t.Errorf("%s: REACH %q, want octal with the last two polls good", want.name, row[5])
		}
	}

	families := parseMetrics(t, agent.get(t, "/metrics"))
	named := map[string]string{}
	for _, m := range families["clockwatch_source_info"].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		named[labels["source"]] = labels["address"]
	}
	for i, want := range demoServers {
		if named[want.name] != s.Sources[i].Address {
			t.Errorf("clockwatch_source_info{source=%q} has address %q, want %q", want.name, named[want.name], s.Sources[i].Address)
		}
	}
	t.Logf("clockwatch status:\n%s", out)
}
