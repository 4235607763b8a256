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
	"github.com/clockwatch/clockwatch/hack/netem"
	"github.com/clockwatch/clockwatch/internal/testlab"
)

// Addresses of the attack lab (RFC 2544's 198.18.0.0/15): the agents' side
// of the relay's namespace, and the server's.
const (
	attackAgentAddr  = "198.18.0.1"
	attackRelayAddr  = "198.18.0.2" // the relay, on the agents' side
	attackRouterAddr = "198.19.0.2" // the relay's namespace, on the server's side
	attackServerAddr = "198.19.0.1"
)

// attackLab is three network namespaces in a line: the agents, a router
// that runs the attacker's relay, and the NTP server; the agents reach the
// server only through the router.
type attackLab struct {
	agents, router, server string
}

func newAttackLab(t *testing.T) *attackLab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root (make test runs as root in CI)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip not installed (Debian package iproute2; make test installs it)")
	}
	prefix := fmt.Sprintf("cwatk%d", os.Getpid())
	l := &attackLab{agents: prefix + "-a", router: prefix + "-r", server: prefix + "-s"}
	for _, ns := range []string{l.agents, l.router, l.server} {
		ip(t, "netns", "add", ns)
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
		ip(t, "-n", ns, "link", "set", "lo", "up")
	}
	ip(t, "-n", l.agents, "link", "add", "eth0", "type", "veth", "peer", "name", "agents", "netns", l.router)
	ip(t, "-n", l.server, "link", "add", "eth0", "type", "veth", "peer", "name", "server", "netns", l.router)
	for _, link := range []struct{ ns, dev, addr string }{
		{l.agents, "eth0", attackAgentAddr}, {l.router, "agents", attackRelayAddr},
		{l.server, "eth0", attackServerAddr}, {l.router, "server", attackRouterAddr},
	} {
		ip(t, "-n", link.ns, "addr", "add", link.addr+"/24", "dev", link.dev)
		ip(t, "-n", link.ns, "link", "set", link.dev, "up")
	}
	ip(t, "-n", l.agents, "route", "add", "198.19.0.0/24", "via", attackRelayAddr)
	ip(t, "-n", l.server, "route", "add", "198.18.0.0/24", "via", attackRouterAddr)
	// The router forwards the TCP of the NTS key exchange; NTP goes to the
	// relay, which the key exchange names as the NTP server.
	if out, err := exec.Command("ip", "netns", "exec", l.router, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward").CombinedOutput(); err != nil {
		t.Fatalf("enable forwarding: %v: %s", err, out)
	}
	return l
}

// attackCoverage follows one agent through the attack.
type attackCoverage struct {
	name             string
	agent            *nsAgent
	source           string
	samples, covered int
	minOffset        float64
	last             exporters.Status
}

// observe reads the agent's estimate: the true offset is 0 (every process
// reads this machine's clock), so the bound is true when it holds 0.
func (c *attackCoverage) observe(t *testing.T) {
	s := c.agent.status(t)
	c.last = s
	c.samples++
	if s.ErrorBoundSeconds >= 1e9 || math.Abs(s.OffsetSeconds) <= s.ErrorBoundSeconds {
		c.covered++
	}
	if s.ErrorBoundSeconds < 1e9 {
		c.minOffset = min(c.minOffset, s.OffsetSeconds)
	}
}

func (c *attackCoverage) src() exporters.Source {
	s, _ := sourceByName(c.last, c.source)
	return s
}

// TestOnPathAttackerCannotMoveAuthenticatedTime puts a relay between three
// agents and a real chronyd, in network namespaces, that adds 5 ms to the
// server's receive and transmit timestamps of every reply once the agents
// have synchronized. The agent that measures without authentication
// follows the attacker: its estimate moves by -5 ms and its bound no
// longer holds the true offset. The agents that measure with NTS and with
// a symmetric key refuse every tampered reply as bad_mac, count it, see
// the source go unreachable, and carry their estimate with a bound that
// holds the true offset at every reading (coverage 100%).
func TestOnPathAttackerCannotMoveAuthenticatedTime(t *testing.T) {
	lab := newAttackLab(t)
	if _, err := exec.LookPath("chronyd"); err != nil {
		t.Skip("chronyd not installed (Debian package chrony; make test installs it)")
	}
	dir := t.TempDir()
	pki := testlab.NewPKI(t, dir, attackServerAddr)
	keys := filepath.Join(dir, "chrony.keys")
	if err := os.WriteFile(keys, []byte("7 AES128 HEX:7EA62AE64D190114D46D5A082F948EC1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	testlab.StartChronydIn(t, lab.server, dir, fmt.Sprintf("local stratum 1\nallow all\ncmdport 0\nkeyfile %s\n"+
		"ntsserverkey %s\nntsservercert %s\nntsntpserver %s\n", keys, pki.KeyFile, pki.CertFile, attackRelayAddr))

	tamper := &netem.NTPTamper{Shift: 5 * time.Millisecond}
	relay, err := netem.Start(netem.Link{Listen: attackRelayAddr + ":123", Server: attackServerAddr + ":123", Namespace: lab.router,
		ToClient: netem.Path{Rewrite: tamper.Rewrite}})
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()

	common := []string{"run", "--poll.interval=1s", "--state.dir="}
	agents := []*attackCoverage{
		{name: "none", source: attackRelayAddr + ":123",
			agent: startAgentIn(t, lab.agents, 0, append(common, "--ntp.server", attackRelayAddr)...)},
		{name: "symmetric", source: attackRelayAddr + ":123",
			agent: startAgentIn(t, lab.agents, 0, append(common, "--ntp.server", attackRelayAddr, "--keys.file", keys, "--keys.ntp=7")...)},
		{name: "nts", source: attackServerAddr + ":4460",
			agent: startAgentIn(t, lab.agents, 0, append(common, "--nts.server", attackServerAddr, "--nts.ca-file", pki.CAFile)...)},
	}
	waitFor(t, 60*time.Second, "every agent synchronized through the honest relay, its last 8 polls good", func() bool {
		for _, a := range agents {
			s := a.agent.status(t)
			if src, _ := sourceByName(s, a.source); !s.Synchronized || src.Reach != 0o377 {
				return false
			}
		}
		return true
	})
	for _, a := range agents {
		s := a.agent.status(t)
		t.Logf("%-9s before the attack: offset %+.1fµs ± %.1fµs", a.name, s.OffsetSeconds*1e6, s.ErrorBoundSeconds*1e6)
	}

	tamper.SetActive(true)
	deadline := time.Now().Add(60 * time.Second)
	for {
		for _, a := range agents {
			a.observe(t)
		}
		done := agents[0].minOffset < -0.004
		for _, a := range agents[1:] {
			done = done && a.src().Status == "unreachable"
		}
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("replies tampered: %d", tamper.Tampered())
	for _, a := range agents {
		src := a.src()
		auth := exporters.SourceAuth{}
		if src.Auth != nil {
			auth = *src.Auth
		}
		t.Logf("%-9s under attack: coverage %d/%d (%.0f%%), lowest offset %+.1fµs; now offset %+.1fµs ± %.1fµs, %s; source %s, reach %o, results %v, auth %+v",
			a.name, a.covered, a.samples, 100*float64(a.covered)/float64(a.samples), a.minOffset*1e6,
			a.last.OffsetSeconds*1e6, a.last.ErrorBoundSeconds*1e6, a.last.State, src.Status, src.Reach, src.Results, auth)
	}
	plain := agents[0]
	if plain.minOffset > -0.004 || plain.covered == plain.samples {
		t.Errorf("without authentication the estimate should follow the attacker to -5 ms and its bound miss the truth: lowest offset %gs, coverage %d/%d",
			plain.minOffset, plain.covered, plain.samples)
	}
	for _, a := range agents[1:] {
		src := a.src()
		if a.covered != a.samples {
			t.Errorf("%s: the bound missed the true offset in %d of %d readings", a.name, a.samples-a.covered, a.samples)
		}
		if src.Status != "unreachable" || src.Results["bad_mac"] == 0 || src.Auth == nil || src.Auth.BadMACs == 0 {
			t.Errorf("%s: source %s, results %v, auth %+v: want unreachable with bad MACs counted", a.name, src.Status, src.Results, src.Auth)
		}
	}
}
