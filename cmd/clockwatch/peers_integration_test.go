//go:build linux

package main

import (
	"math"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/exporters"
	"github.com/clockwatch/clockwatch/ntp"
)

// peerShift is how far ahead the outlier agent's clock reads.
const peerShift = 40 * time.Millisecond

// TestPeerMeshFindsTheOutlier runs five agents in five network namespaces
// on one bridge, each answering the others and measuring them. They share
// the kernel clock, so the true offset between two agents is zero, except
// for the last one, whose clock is shifted 40 ms ahead. Every other agent
// must see it 40 ms ahead within its bound, and see the rest at zero; the
// shifted agent must see everyone 40 ms behind and flag itself: /healthz
// fails and clockwatch_peer_outlier is 1.
func TestPeerMeshFindsTheOutlier(t *testing.T) {
	lab := newBridgeLab(t, 5)
	agents, outlier := startMesh(t, lab)
	for i, a := range agents {
		s := a.status(t)
		for j, addr := range lab.addrs {
			name := netip.AddrPortFrom(addr, ntp.DefaultResponderPort).String()
			src, ok := sourceByName(s, name)
			if i == j {
				if ok {
					t.Errorf("agent %d measures itself", i+1)
				}
				continue
			}
			checkPeerOffset(t, i, j, src, trueOffset(i, j, outlier))
		}
	}

	for i, a := range agents {
		code, body := a.fetch(t, "/healthz")
		flagged := a.metric(t, "clockwatch_peer_outlier")
		wantOutlier := i == outlier
		if (code != http.StatusOK) != wantOutlier || (flagged == 1) != wantOutlier {
			t.Errorf("agent %d: /healthz %d %q, clockwatch_peer_outlier %g; want outlier %v", i+1, code, body, flagged, wantOutlier)
		}
		if reachable := a.metric(t, "clockwatch_peers_reachable"); reachable != 4 {
			t.Errorf("agent %d: clockwatch_peers_reachable %g, want 4", i+1, reachable)
		}
		flags := a.byLabel(t, "clockwatch_peer_beyond_max_offset", "peer")
		if len(flags) != 4 {
			t.Errorf("agent %d: clockwatch_peer_beyond_max_offset for %d peers, want 4", i+1, len(flags))
		}
		for peer, beyond := range flags {
			want := wantOutlier || peer == netip.AddrPortFrom(lab.addrs[outlier], ntp.DefaultResponderPort).String()
			if (beyond == 1) != want {
				t.Errorf("agent %d: clockwatch_peer_beyond_max_offset{peer=%q} %g, want %v", i+1, peer, beyond, want)
			}
		}
	}
}

// TestPeerConsensusOutvotesTheOutlier runs the same mesh with no upstream
// in --peers.mode=consensus: the four agents that agree form consensus
// time and mark the shifted one a falseticker; the shifted agent finds
// itself 40 ms ahead of consensus.
func TestPeerConsensusOutvotesTheOutlier(t *testing.T) {
	lab := newBridgeLab(t, 5)
	agents, outlier := startMesh(t, lab, "--peers.mode=consensus")
	shifted := netip.AddrPortFrom(lab.addrs[outlier], ntp.DefaultResponderPort).String()
	for i, a := range agents {
		var s exporters.Status
		waitFor(t, 30*time.Second, "consensus", func() bool {
			s = a.status(t)
			return s.Synchronized
		})
		truth := trueOffset(i, -1, outlier)
		t.Logf("agent %d: offset %+.3fms ± %.3fms from consensus (true %v)", i+1, s.OffsetSeconds*1e3, s.ErrorBoundSeconds*1e3, truth)
		if math.Abs(s.OffsetSeconds-truth.Seconds()) > s.ErrorBoundSeconds {
			t.Errorf("agent %d: offset %+.6fs ± %.6fs misses the true %v", i+1, s.OffsetSeconds, s.ErrorBoundSeconds, truth)
		}
		if i == outlier {
			continue
		}
		if src, _ := sourceByName(s, shifted); src.Status != "falseticker" {
			t.Errorf("agent %d: the shifted peer is %q, want falseticker", i+1, src.Status)
		}
	}
}

// startMesh starts an agent in every namespace of the lab, each answering
// peers and measuring all of them, the last one 40 ms ahead, and waits
// until each has measured its four peers. It returns the agents and the
// index of the shifted one.
func startMesh(t *testing.T, lab *bridgeLab, extra ...string) ([]*nsAgent, int) {
	t.Helper()
	outlier := len(lab.namespaces) - 1
	agents := make([]*nsAgent, len(lab.namespaces))
	for i, ns := range lab.namespaces {
		args := append([]string{"run", "--responder.listen-address", lab.addrs[i].String(),
			"--poll.interval=1s", "--state.dir=", "--shm.path=", "--peers.max-offset=20ms"}, extra...)
		for _, peer := range lab.addrs {
			args = append(args, "--peer", peer.String()) // itself too: it must leave itself out
		}
		shift := time.Duration(0)
		if i == outlier {
			shift = peerShift
		}
		agents[i] = startAgentIn(t, ns, shift, args...)
	}
	for _, a := range agents {
		waitFor(t, 30*time.Second, "every agent to have measured its four peers", func() bool {
			return measuredPeers(a.status(t)) == len(agents)-1
		})
	}
	return agents, outlier
}

// trueOffset is agent i's clock minus agent j's: zero on a shared kernel
// clock, except across the shifted outlier.
func trueOffset(i, j, outlier int) time.Duration {
	switch outlier {
	case i:
		return peerShift
	case j:
		return -peerShift
	}
	return 0
}

// measuredPeers counts the reachable peers with at least three samples.
func measuredPeers(s exporters.Status) int {
	n := 0
	for _, src := range s.Sources {
		if src.Kind == "peer" && src.Reachable && src.Results["ok"] >= 3 {
			n++
		}
	}
	return n
}

// checkPeerOffset checks that agent i sees peer j at the true offset,
// within its bound, and measured with kernel timestamps.
func checkPeerOffset(t *testing.T, i, j int, src exporters.Source, truth time.Duration) {
	t.Helper()
	miss := math.Abs(src.OffsetSeconds - truth.Seconds())
	t.Logf("agent %d sees peer %d: offset %+.3fms ± %.3fms (true %v), delay %.0fµs, %s timestamps",
		i+1, j+1, src.OffsetSeconds*1e3, src.ErrorBoundSeconds*1e3, truth, src.DelaySeconds*1e6, src.Timestamping)
	if miss > src.ErrorBoundSeconds {
		t.Errorf("agent %d sees peer %d at %+.6fs ± %.6fs: the bound misses the true %v", i+1, j+1, src.OffsetSeconds, src.ErrorBoundSeconds, truth)
	}
	if src.Timestamping != ntp.StampKernel {
		t.Errorf("agent %d measured peer %d with %q timestamps, want kernel", i+1, j+1, src.Timestamping)
	}
}
