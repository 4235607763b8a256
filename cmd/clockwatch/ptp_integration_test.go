//go:build linux

package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/exporters"
	"github.com/clockwatch/clockwatch/internal/testlab"
)

// ptpLab is two network namespaces joined by a veth pair: a PTP
// grandmaster at 198.18.0.1 in gm, a host at 198.18.0.2 in host. Both see
// the one kernel clock, so every true offset is 0.
type ptpLab struct {
	gm, host string
	dir      string
}

// newPTPLab makes the namespaces and removes them when the test ends. It
// skips unless root with ip and ptp4l installed.
func newPTPLab(t *testing.T) *ptpLab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root (make test runs as root in CI)")
	}
	for _, cmd := range []string{"ip", "ptp4l"} {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Skipf("%s not installed (make test installs iproute2 and linuxptp)", cmd)
		}
	}
	id := os.Getpid() % 100000
	lab := &ptpLab{gm: fmt.Sprintf("cwptpgm%d", id), host: fmt.Sprintf("cwptph%d", id), dir: shortTempDir(t)}
	for _, ns := range []string{lab.gm, lab.host} {
		ip(t, "netns", "add", ns)
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
		ip(t, "-n", ns, "link", "set", "lo", "up")
	}
	ip(t, "link", "add", "cwp0", "netns", lab.gm, "type", "veth", "peer", "name", "cwp1", "netns", lab.host)
	for _, end := range []struct{ ns, dev, addr string }{{lab.gm, "cwp0", "198.18.0.1/24"}, {lab.host, "cwp1", "198.18.0.2/24"}} {
		ip(t, "-n", end.ns, "addr", "add", end.addr, "dev", end.dev)
		ip(t, "-n", end.ns, "link", "set", end.dev, "up")
	}
	return lab
}

// ptp4l runs ptp4l with software timestamps in ns on dev, with the
// configuration lines given, and returns it and its management socket.
func (l *ptpLab) ptp4l(t *testing.T, name, ns, dev, conf string) (*exec.Cmd, string) {
	t.Helper()
	socket := filepath.Join(l.dir, name+".sock")
	path := filepath.Join(l.dir, name+".conf")
	conf = fmt.Sprintf("[global]\ntime_stamping software\nuds_address %s\n%s", socket, conf)
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", ns, "ptp4l", "-f", path, "-i", dev, "-m")
	testlab.Start(t, "ptp4l "+name, cmd)
	return cmd, socket
}

// grandmasterConf makes ptp4l a grandmaster of 100 ns accuracy that talks
// fast, so the test does not wait long.
const grandmasterConf = "priority1 1\nclockClass 6\nclockAccuracy 0x21\nlogAnnounceInterval -1\nlogSyncInterval -2\nlogMinDelayReqInterval -2\n"

// freeRunningSlaveConf makes ptp4l a slave that measures its master but
// never steers a clock.
const freeRunningSlaveConf = "slaveOnly 1\nfree_running 1\n"

// TestPTPSources runs a grandmaster and a free-running slave ptp4l in two
// namespaces. The agent, in the slave's namespace, reads the slave's
// management socket and measures the grandmaster with its own PTP client:
// both sources must put the true offset, 0, within their bound. Then the
// slave ptp4l is killed: the agent keeps serving, the ptp4l source is
// down, and the PTP client goes on measuring.
func TestPTPSources(t *testing.T) {
	lab := newPTPLab(t)
	lab.ptp4l(t, "gm", lab.gm, "cwp0", grandmasterConf)
	slave, socket := lab.ptp4l(t, "slave", lab.host, "cwp1", freeRunningSlaveConf)
	agent := startAgentIn(t, lab.host, 0, "run", "--ptp.ptp4l-socket", socket, "--ptp.server", "198.18.0.1", "--state.dir", "")

	ptp4lName, clientName := "ptp4l:"+socket, "ptp:198.18.0.1"
	var s exporters.Status
	waitFor(t, 30*time.Second, "both PTP sources measuring", func() bool {
		s = agent.status(t)
		a, okA := sourceByName(s, ptp4lName)
		b, okB := sourceByName(s, clientName)
		return okA && okB && a.LastSample != nil && b.LastSample != nil && a.Results["ok"] >= 3 && b.Results["ok"] >= 3
	})
	for _, name := range []string{ptp4lName, clientName} {
		src, _ := sourceByName(s, name)
		if math.Abs(src.OffsetSeconds) > src.ErrorBoundSeconds || src.ErrorBoundSeconds > 1e-3 {
			t.Errorf("%s: offset %.3gs ± %.3gs; the true offset is 0 and software timestamps on a veth are good to microseconds", name, src.OffsetSeconds, src.ErrorBoundSeconds)
		}
		if src.Timestamping != "kernel" || src.Stratum != 1 {
			t.Errorf("%s: timestamping %q stratum %d", name, src.Timestamping, src.Stratum)
		}
		t.Logf("%s: offset %.2fµs ± %.2fµs (newest sample %.2fµs, delay %.2fµs)", name, src.OffsetSeconds*1e6, src.ErrorBoundSeconds*1e6, src.LastOffsetSeconds*1e6, src.DelaySeconds*1e6)
	}
	if got := agent.labelled(t, "clockwatch_ptp4l_grandmaster_clock_class", "source", ptp4lName); got != 6 {
		t.Errorf("clockwatch_ptp4l_grandmaster_clock_class = %g, want 6", got)
	}

	if err := slave.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "the ptp4l source marked down", func() bool {
		src, _ := sourceByName(agent.status(t), ptp4lName)
		return src.Results["down"] > 0 && agent.labelled(t, "clockwatch_ptp4l_up", "source", ptp4lName) == 0
	})
	before, _ := sourceByName(agent.status(t), clientName)
	waitFor(t, 10*time.Second, "the PTP client measuring on", func() bool {
		after, _ := sourceByName(agent.status(t), clientName)
		return after.Results["ok"] > before.Results["ok"]
	})
	if s := agent.status(t); len(s.Sources) != 2 {
		t.Errorf("after ptp4l went away the agent lists %d sources, want both still", len(s.Sources))
	}
}

// labelled reads the gauge of /metrics' series name whose label has value.
func (a *nsAgent) labelled(t *testing.T, name, label, value string) float64 {
	t.Helper()
	_, body := a.fetch(t, "/metrics")
	for _, m := range parseMetrics(t, body)[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label && l.GetValue() == value {
				return m.GetGauge().GetValue()
			}
		}
	}
	return math.NaN()
}
