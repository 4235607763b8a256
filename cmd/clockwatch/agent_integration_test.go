package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/exporters"
	"github.com/clockwatch/clockwatch/internal/testlab"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestRunAgainstChronyd runs the agent against a real chronyd on loopback.
// Both read the same kernel clock, so the true offset is 0 and must lie
// within the bound; /metrics must parse and `query --json` must agree.
func TestRunAgainstChronyd(t *testing.T) {
	server := testlab.ChronydServer(t)
	agent := startAgent(t, "run", "--ntp.server", server, "--poll.interval=1s", "--state.dir", t.TempDir())
	var s exporters.Status
	waitFor(t, 20*time.Second, "synchronized: true", func() bool {
		s = agent.status(t)
		return s.Synchronized
	})
	for range 5 {
		s = agent.status(t)
		if math.Abs(s.OffsetSeconds) > s.ErrorBoundSeconds {
			t.Errorf("|offset| %g exceeds error bound %g; the true offset is 0", s.OffsetSeconds, s.ErrorBoundSeconds)
		}
		time.Sleep(time.Second)
	}
	src, ok := sourceByName(s, server)
	if !ok || src.Status != "selected" || !src.Reachable || src.Stratum != 1 {
		t.Errorf("source %s: %+v", server, src)
	}
	t.Logf("agent: offset %.1fµs ± %.1fµs, source delay %.1fµs, timestamps %s",
		s.OffsetSeconds*1e6, s.ErrorBoundSeconds*1e6, src.DelaySeconds*1e6, src.Timestamping)

	families := parseMetrics(t, agent.get(t, "/metrics"))
	for _, name := range []string{
		"clockwatch_offset_seconds", "clockwatch_error_bound_seconds", "clockwatch_frequency_offset_ratio",
		"clockwatch_synchronized", "clockwatch_source_offset_seconds", "clockwatch_source_delay_seconds",
		"clockwatch_source_reachable", "clockwatch_source_samples_total", "clockwatch_build_info",
	} {
		if _, ok := families[name]; !ok {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if v := families["clockwatch_synchronized"].GetMetric()[0].GetGauge().GetValue(); v != 1 {
		t.Errorf("clockwatch_synchronized = %g", v)
	}

	out, err := exec.Command(binary, "query", "--json", server).Output()
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	var q exporters.Status
	if err := json.Unmarshal(out, &q); err != nil {
		t.Fatalf("query --json: %v\n%s", err, out)
	}
	if !q.Synchronized || math.Abs(q.OffsetSeconds-s.OffsetSeconds) > q.ErrorBoundSeconds+s.ErrorBoundSeconds {
		t.Errorf("query says %g ± %g, agent %g ± %g", q.OffsetSeconds, q.ErrorBoundSeconds, s.OffsetSeconds, s.ErrorBoundSeconds)
	}
}

// TestRunSurvivesBadSources adds a server that answers garbage and one that
// never answers: the agent stays synchronized on the good one and shows
// what is wrong with the others.
func TestRunSurvivesBadSources(t *testing.T) {
	server := testlab.ChronydServer(t)
	garbage := garbageServer(t)
	silent := silentServer(t)
	agent := startAgent(t, "run", "--ntp.server", server, "--ntp.server", garbage, "--ntp.server", silent,
		"--poll.interval=500ms", "--state.dir", "")
	waitFor(t, 20*time.Second, "the bad sources to be unreachable", func() bool {
		s := agent.status(t)
		g, _ := sourceByName(s, garbage)
		q, _ := sourceByName(s, silent)
		return s.Synchronized && g.Status == "unreachable" && q.Status == "unreachable"
	})
	s := agent.status(t)
	if math.Abs(s.OffsetSeconds) > s.ErrorBoundSeconds {
		t.Errorf("|offset| %g exceeds bound %g", s.OffsetSeconds, s.ErrorBoundSeconds)
	}
	g, _ := sourceByName(s, garbage)
	q, _ := sourceByName(s, silent)
	if g.Results["malformed"] == 0 || q.Results["timeout"] == 0 {
		t.Errorf("results: garbage %v, silent %v", g.Results, q.Results)
	}
	if good, _ := sourceByName(s, server); good.Status != "selected" {
		t.Errorf("good source status %s", good.Status)
	}
}

// TestReloadOnSIGHUP changes the configuration file under a running agent:
// a good change is applied, a bad one is refused and the old one kept.
func TestReloadOnSIGHUP(t *testing.T) {
	first, second := silentServer(t), silentServer(t)
	config := filepath.Join(t.TempDir(), "clockwatch.yml")
	write := func(text string) {
		if err := os.WriteFile(config, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ntp:\n  servers: [\"" + first + "\"]\npoll:\n  interval: 1s\n")
	agent := startAgent(t, "run", "--config.file", config, "--state.dir", "")
	names := func() string {
		var out []string
		for _, s := range agent.status(t).Sources {
			out = append(out, s.Name)
		}
		return strings.Join(out, ",")
	}
	// The API serves before the agent's loop has set its sources.
	waitFor(t, 5*time.Second, "the first server", func() bool { return names() == first })
	write("ntp:\n  servers: [\"" + first + "\", \"" + second + "\"]\n")
	agent.signal(t, syscall.SIGHUP)
	waitFor(t, 5*time.Second, "the second server after SIGHUP", func() bool { return names() == first+","+second })

	write("ntp:\n  servrs: [oops]\n")
	agent.signal(t, syscall.SIGHUP)
	waitFor(t, 5*time.Second, "the reload error in the log", func() bool {
		return strings.Contains(agent.logs.String(), "keeping the running configuration")
	})
	if got := names(); got != first+","+second {
		t.Errorf("after a bad reload the sources are %q", got)
	}
}

// TestStateSurvivesRestart stops the agent with SIGTERM and checks the state
// file is written and read back on the next start.
func TestStateSurvivesRestart(t *testing.T) {
	server := testlab.ChronydServer(t)
	dir := t.TempDir()
	agent := startAgent(t, "run", "--ntp.server", server, "--poll.interval=500ms", "--state.dir", dir)
	waitFor(t, 20*time.Second, "synchronized", func() bool { return agent.status(t).Synchronized })
	// The first estimate was saved at once; the one saved on stop must be
	// the last.
	time.Sleep(3 * time.Second)
	stopped := time.Now()
	if err := agent.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("agent did not stop cleanly on SIGTERM: %v", err)
	}
	state, err := exporters.LoadState(dir)
	if err != nil {
		t.Fatalf("no state after SIGTERM: %v", err)
	}
	if !state.Synchronized || state.Time.Before(stopped.Add(-time.Second)) {
		t.Errorf("state %+v: want the synchronized estimate of the moment of SIGTERM (%v)", state, stopped)
	}
	if err := os.WriteFile(filepath.Join(dir, exporters.StateFileName), []byte(`{"version": 1, "drift_ppm": `), 0o644); err != nil {
		t.Fatal(err)
	}
	restarted := startAgent(t, "run", "--ntp.server", server, "--poll.interval=500ms", "--state.dir", dir)
	waitFor(t, 20*time.Second, "synchronized after a corrupt state file", func() bool { return restarted.status(t).Synchronized })
	if !strings.Contains(restarted.logs.String(), "ignoring saved state") {
		t.Error("a corrupt state file was not reported")
	}
}

// TestDemo runs the demo briefly: every printed second must be covered.
func TestDemo(t *testing.T) {
	agent := startAgent(t, "demo", "--duration=6s")
	select {
	case err := <-agent.done:
		agent.done <- err
		if err != nil {
			t.Fatalf("demo failed: %v\n%s", err, agent.stdout.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not end after --duration")
	}
	out := agent.stdout.String()
	if !strings.Contains(out, "falseticker") || strings.Contains(out, " NO ") || !strings.Contains(out, "bound covered the true offset in") {
		t.Errorf("demo output:\n%s", out)
	}
	t.Logf("demo output:\n%s", out)
}

func TestQueryExitsNonZeroWithoutAnswers(t *testing.T) {
	cmd := exec.Command(binary, "query", "--timeout=200ms", "--count=1", silentServer(t))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() == 0 {
		t.Fatalf("query of a silent server: %v", err)
	}
	if !strings.Contains(stderr.String(), "no server answered") {
		t.Errorf("stderr: %s", stderr.String())
	}
}

// parseMetrics parses a /metrics body in the text format.
func parseMetrics(t *testing.T, body []byte) map[string]*dto.MetricFamily {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return families
}

// garbageServer answers every packet with bytes that are not NTP.
func garbageServer(t *testing.T) string {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			_, from, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = conn.WriteTo([]byte("garbage, not NTP"), from)
		}
	}()
	return conn.LocalAddr().String()
}

// silentServer is a UDP socket that never answers.
func silentServer(t *testing.T) string {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn.LocalAddr().String()
}

// TestWarmStartFromAWrongDriftAgainstChronyd: a state file claiming a
// confident but wrong drift (a cloned disk, a restored backup) must not make
// the bound lie. Three real chronyd servers on loopback read this machine's
// clock, so the true offset is 0 and every synchronized reading's bound must
// cover it, from the first.
func TestWarmStartFromAWrongDriftAgainstChronyd(t *testing.T) {
	servers := []string{testlab.ChronydServer(t), testlab.ChronydServer(t), testlab.ChronydServer(t)}
	for _, driftPPM := range []float64{490, -50} {
		t.Run(fmt.Sprintf("%+gppm", driftPPM), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			state := fmt.Sprintf(`{"version":1,"drift_ppm":%g,"drift_bound_ppm":0.001}`, driftPPM)
			if err := os.WriteFile(filepath.Join(dir, exporters.StateFileName), []byte(state), 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"run", "--poll.interval=1s", "--state.dir", dir}
			for _, s := range servers {
				args = append(args, "--ntp.server", s)
			}
			agent := startAgent(t, args...)
			readings, worst := 0, 0.0
			for end := time.Now().Add(45 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
				s := agent.status(t)
				if !s.Synchronized {
					continue
				}
				readings++
				if ratio := math.Abs(s.OffsetSeconds) / s.ErrorBoundSeconds; ratio > 1 {
					worst = max(worst, ratio)
					t.Errorf("offset %.1fµs ± %.1fµs misses the true offset 0", s.OffsetSeconds*1e6, s.ErrorBoundSeconds*1e6)
				}
			}
			if readings == 0 {
				t.Fatal("never synchronized")
			}
			if !strings.Contains(agent.logs.String(), "warm start from saved state") {
				t.Errorf("the saved drift was not used as a first guess:\n%s", lastLines(agent.logs.String(), 10))
			}
			t.Logf("%d synchronized readings, all covered", readings)
		})
	}
}
