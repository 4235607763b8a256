package deploy

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// promtool returns the path of promtool or skips the test.
func promtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (Debian package prometheus; hack/test.sh installs it)")
	}
	return path
}

// TestLiveMetricsLint runs `promtool check metrics` on the /metrics of a
// running agent: naming, units, _total counters, help text. It must say
// nothing at all.
func TestLiveMetricsLint(t *testing.T) {
	bin := promtool(t)
	agent := startDemo(t, 1)
	agent.waitSynchronized(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	body, err := agent.metrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(body, []byte("\nclockwatch_offset_seconds ")) {
		t.Fatalf("/metrics of a synchronized agent has no clockwatch_offset_seconds:\n%s", body)
	}
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestPrometheusConfigExample checks the example prometheus.yml and the
// rule files it loads with `promtool check config`.
func TestPrometheusConfigExample(t *testing.T) {
	out, err := exec.Command(promtool(t), "check", "config", "prometheus/prometheus.yml").CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "SUCCESS: 2 rule files found") {
		t.Errorf("promtool check config did not load both rule files:\n%s", out)
	}
}
