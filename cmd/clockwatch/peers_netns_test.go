//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/exporters"
	"github.com/clockwatch/clockwatch/internal/netns"
)

// bridgeLab is n network namespaces, each with one interface on a common
// bridge (which lives in a namespace of its own), addressed 198.18.0.1..n
// of RFC 2544's benchmarking range. The test's own namespace is untouched.
type bridgeLab struct {
	namespaces []string
	addrs      []netip.Addr
}

// newBridgeLab makes the lab and removes it when the test ends. It skips
// the test unless it runs as root with iproute2 installed.
func newBridgeLab(t *testing.T, n int) *bridgeLab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root (make test runs as root in CI)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip not installed (Debian package iproute2; make test installs it)")
	}
	prefix := fmt.Sprintf("cwpeer%d", os.Getpid())
	bridge := prefix + "-br"
	lab := &bridgeLab{}
	ip(t, "netns", "add", bridge)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", bridge).Run() })
	ip(t, "-n", bridge, "link", "add", "br0", "type", "bridge")
	ip(t, "-n", bridge, "link", "set", "br0", "up")
	for i := 1; i <= n; i++ {
		ns, port := fmt.Sprintf("%s-%d", prefix, i), fmt.Sprintf("port%d", i)
		addr := netip.AddrFrom4([4]byte{198, 18, 0, byte(i)})
		ip(t, "netns", "add", ns)
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
		ip(t, "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns", bridge)
		ip(t, "-n", ns, "addr", "add", addr.String()+"/24", "dev", "eth0")
		ip(t, "-n", ns, "link", "set", "eth0", "up")
		ip(t, "-n", ns, "link", "set", "lo", "up")
		ip(t, "-n", bridge, "link", "set", port, "master", "br0", "up")
		lab.namespaces = append(lab.namespaces, ns)
		lab.addrs = append(lab.addrs, addr)
	}
	return lab
}

// ip runs one iproute2 command and fails the test if it fails.
func ip(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// nsAgent is a clockwatch process running in a network namespace.
type nsAgent struct {
	*agentProcess
	client *http.Client
}

// startAgentIn runs clockwatch with args in namespace ns, with JSON logs
// and its HTTP API on the namespace's loopback, and waits until it serves.
// A shift other than zero runs `clockwatch run` from the test binary on a
// local clock that reads that much ahead (shiftEnv).
func startAgentIn(t *testing.T, ns string, shift time.Duration, args ...string) *nsAgent {
	t.Helper()
	program, env := binary, os.Environ()
	if shift != 0 {
		self, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		program, env = self, append(env, shiftEnv+"="+shift.String())
	}
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns, program}, testArgs(args)...)...)
	cmd.Env = env
	p := startProcess(t, cmd, "clockwatch in "+ns)
	return &nsAgent{agentProcess: p, client: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: dialIn(ns)}}}
}

// fetch gets a path of the agent's API and returns the status code and body.
func (a *nsAgent) fetch(t *testing.T, path string) (int, []byte) {
	t.Helper()
	resp, err := a.client.Get(a.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// status reads /api/v1/status.
func (a *nsAgent) status(t *testing.T) exporters.Status {
	t.Helper()
	code, body := a.fetch(t, "/api/v1/status")
	var s exporters.Status
	if err := json.Unmarshal(body, &s); code != http.StatusOK || err != nil {
		t.Fatalf("status: %d %v: %s", code, err, body)
	}
	return s
}

// metric reads one unlabelled gauge from /metrics.
func (a *nsAgent) metric(t *testing.T, name string) float64 {
	t.Helper()
	_, body := a.fetch(t, "/metrics")
	families := parseMetrics(t, body)
	f, ok := families[name]
	if !ok || len(f.GetMetric()) != 1 {
		t.Fatalf("/metrics has no single %s", name)
	}
	return f.GetMetric()[0].GetGauge().GetValue()
}

// byLabel reads a gauge or counter from /metrics: the value of each of
// its series by the value of its label.
func (a *nsAgent) byLabel(t *testing.T, name, label string) map[string]float64 {
	t.Helper()
	_, body := a.fetch(t, "/metrics")
	out := map[string]float64{}
	for _, m := range parseMetrics(t, body)[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label {
				out[l.GetValue()] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
			}
		}
	}
	return out
}

// dialIn returns a dialer whose connections are made inside network
// namespace ns: a socket stays in the namespace it was made in.
func dialIn(ns string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (conn net.Conn, err error) {
		err = netns.Do(ns, func() (err error) {
			conn, err = (&net.Dialer{}).DialContext(ctx, network, addr)
			return err
		})
		return conn, err
	}
}
