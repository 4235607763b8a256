//go:build linux

package main

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/exporters"
	"github.com/clockwatch/clockwatch/internal/testlab"
	"github.com/clockwatch/clockwatch/ntp"
	"github.com/clockwatch/clockwatch/ntp/nts"
)

// An authenticated mesh is agents on one bridge, each answering on its
// address and measuring all the others with --nts.required. The first
// fleetSize hold the fleet's credentials; the rest, outsiders, do not. The
// second's clock reads peerShift ahead, so the pairwise offsets are not
// all zero.
const (
	fleetSize   = 3
	meshShifted = 1
)

// TestPeersAuthenticateEachOtherWithNTS runs the mesh over NTS: every
// agent's responder serves a key exchange. The fleet's certificates are
// signed by one CA (made here with crypto/x509), each naming its agent's
// address; fleet agents measure their peers with --nts.peers and trust
// that CA alone. Two outsiders also serve NTS: one with a certificate for
// its own address from a CA the fleet does not trust, one with a fleet
// agent's certificate and key, copied to another address.
//
// Each fleet agent must measure the two others over NTS, every reply
// authentic and every sample within its bound of the true pairwise
// offset; refuse both outsiders at every poll as a counted nts_ke_failed
// whose log names the cause, never taking a sample; and show it all in
// /api/v1/status and /metrics. The outsiders measure the fleet without
// authentication under --nts.required: every peer is unauthenticated and
// unused. When a fleet agent restarts with new cookie keys, the others'
// next poll is an NTS NAK and the one after re-keys.
func TestPeersAuthenticateEachOtherWithNTS(t *testing.T) {
	lab := newBridgeLab(t, fleetSize+2)
	untrusted, stolen := fleetSize, fleetSize+1
	fleet := testlab.NewPKI(t, t.TempDir(), "ca.fleet.test")
	rogue := testlab.NewPKI(t, t.TempDir(), lab.addrs[untrusted].String())
	certs := map[int][2]string{untrusted: {rogue.CertFile, rogue.KeyFile}}
	for i := range fleetSize {
		cert, key := fleet.Issue(t, fmt.Sprintf("agent%d", i+1), lab.addrs[i].String())
		certs[i] = [2]string{cert, key}
	}
	certs[stolen] = certs[0]
	flags := func(i int) []string {
		args := []string{"--responder.nts.certificate", certs[i][0], "--responder.nts.key", certs[i][1],
			"--responder.nts.listen-address", netip.AddrPortFrom(lab.addrs[i], nts.DefaultKEPort).String()}
		if i < fleetSize {
			args = append(args, "--nts.peers", "--nts.ca-file", fleet.CAFile)
		}
		return args
	}
	agents := startAuthMesh(t, lab, flags)
	waitForMesh(t, agents, func(i int, s exporters.Status) bool {
		if i >= fleetSize {
			return countResult(s, "unauthenticated", 3) == len(agents)-1
		}
		// By name: a fleet peer's first polls may fail at connect too, when
		// they come before its key exchange listens.
		return everyPeer(s, lab, i, 0, fleetSize, "ok", 3) && everyPeer(s, lab, i, fleetSize, len(agents), "nts_ke_failed", 3)
	})

	for i, a := range agents {
		s := a.status(t)
		if i >= fleetSize {
			checkUnauthenticatedPeers(t, lab, i, a, s)
			continue
		}
		for j := range lab.addrs {
			src, _ := sourceByName(s, peerName(lab, j))
			switch {
			case j == i:
			case j >= fleetSize:
				checkRejectedPeer(t, i, src, "nts_ke_failed", func(a exporters.SourceAuth) uint64 { return a.KeyExchangeFailures })
			default:
				checkAuthenticatedPeer(t, i, j, src, "nts")
				if src.Auth != nil && (src.Auth.KeyExchanges != 1 || src.Auth.CookieRefreshes == 0) {
					t.Errorf("agent %d sees peer %d: %+v; want one key exchange and cookies refreshed", i+1, j+1, *src.Auth)
				}
			}
		}
		checkAuthenticatedGauges(t, i, a, len(agents)-1)
		if ke := a.byLabel(t, "clockwatch_responder_nts_key_exchanges_total", "result"); ke["granted"] < fleetSize-1 {
			t.Errorf("agent %d's key exchange granted %g, want one for each other fleet agent", i+1, ke["granted"])
		}
		// The log is JSON: the quotes around the name are escaped.
		for _, why := range []string{"not signed by a trusted CA", `does not name \"` + lab.addrs[stolen].String() + `\"`} {
			if !strings.Contains(a.logs.String(), why) {
				t.Errorf("agent %d's log does not say %q:\n%s", i+1, why, lastLines(a.logs.String(), 20))
			}
		}
	}
	// The fleet hung up on the outsiders' certificates: their key
	// exchanges saw every handshake fail.
	for _, i := range []int{untrusted, stolen} {
		if ke := agents[i].byLabel(t, "clockwatch_responder_nts_key_exchanges_total", "result"); ke["granted"] != 0 || ke["failed"] == 0 {
			t.Errorf("outsider %d's key exchanges %v: want none granted, the fleet's handshakes failed", i+1, ke)
		}
	}
	checkRekeyAfterRestart(t, lab, agents, flags)
}

// checkRekeyAfterRestart restarts the last fleet agent, whose responder
// then has new cookie keys: the other fleet agents' next poll of it is an
// NTS NAK, the one after a new key exchange, and authenticated samples go
// on.
func checkRekeyAfterRestart(t *testing.T, lab *bridgeLab, agents []*nsAgent, flags func(int) []string) {
	t.Helper()
	last := fleetSize - 1
	_ = agents[last].stop(t, syscall.SIGTERM)
	agents[last] = startAuthAgent(t, lab, last, flags)
	name := peerName(lab, last)
	for i, a := range agents[:last] {
		var src exporters.Source
		waitFor(t, 30*time.Second, fmt.Sprintf("agent %d to re-key with the restarted agent %d", i+1, last+1), func() bool {
			src, _ = sourceByName(a.status(t), name)
			return src.Auth != nil && src.Auth.KeyExchanges == 2 && src.Results["ok"] >= 6
		})
		t.Logf("agent %d sees restarted agent %d: results %v, auth %+v", i+1, last+1, src.Results, *src.Auth)
		if src.Auth.NAKs != 1 || src.Results["nts_nak"] != 1 || src.Auth.BadMACs != 0 {
			t.Errorf("agent %d sees restarted agent %d: results %v, auth %+v; want one NTS NAK, then a new key exchange", i+1, last+1, src.Results, *src.Auth)
		}
	}
}

// TestPeersAuthenticateEachOtherWithSymmetricKeys runs the mesh with RFC
// 8573 keys: the fleet shares key 7 of one key file (--keys.peers=7); the
// outsider has a key 7 of its own. Each fleet agent must measure the two
// others with the key, every sample authenticated and within its bound of
// the true pairwise offset, and never take a sample from the outsider,
// whose every poll is a counted crypto_nak; the outsider likewise gets
// only crypto-NAKs from the fleet, and the responders count the requests
// they refused.
func TestPeersAuthenticateEachOtherWithSymmetricKeys(t *testing.T) {
	lab := newBridgeLab(t, fleetSize+1)
	dir := t.TempDir()
	fleetKeys, outsiderKeys := filepath.Join(dir, "fleet.keys"), filepath.Join(dir, "outsider.keys")
	for file, key := range map[string]string{fleetKeys: fleetKey, outsiderKeys: outsiderKey} {
		if err := os.WriteFile(file, []byte(key), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	agents := startAuthMesh(t, lab, func(i int) []string {
		if i >= fleetSize {
			return []string{"--keys.file", outsiderKeys, "--keys.peers=7"}
		}
		return []string{"--keys.file", fleetKeys, "--keys.peers=7"}
	})
	waitForMesh(t, agents, func(i int, s exporters.Status) bool {
		if i >= fleetSize {
			return countResult(s, "crypto_nak", 3) == fleetSize
		}
		return countResult(s, "ok", 3) == fleetSize-1 && countResult(s, "crypto_nak", 3) == 1
	})

	for i, a := range agents {
		s := a.status(t)
		for j := range lab.addrs {
			src, _ := sourceByName(s, peerName(lab, j))
			switch {
			case j == i:
			case i >= fleetSize || j >= fleetSize:
				checkRejectedPeer(t, i, src, "crypto_nak", func(a exporters.SourceAuth) uint64 { return a.NAKs })
			default:
				checkAuthenticatedPeer(t, i, j, src, "symmetric")
			}
		}
		checkAuthenticatedGauges(t, i, a, len(agents)-1)
		requests := a.byLabel(t, "clockwatch_responder_authenticated_requests_total", "result")
		want := map[string]bool{"authenticated": i < fleetSize, "nak": true}
		for result, some := range want {
			if (requests[result] > 0) != some {
				t.Errorf("agent %d's responder: authenticated requests %v; want %s %v", i+1, requests, result, some)
			}
		}
	}
}

// startAuthMesh starts an agent in every namespace of the lab
// (startAuthAgent).
func startAuthMesh(t *testing.T, lab *bridgeLab, flags func(i int) []string) []*nsAgent {
	t.Helper()
	agents := make([]*nsAgent, len(lab.namespaces))
	for i := range lab.namespaces {
		agents[i] = startAuthAgent(t, lab, i, flags)
	}
	return agents
}

// startAuthAgent starts agent i of the mesh with flags(i) beside what all
// have: its responder, every agent as a peer (itself too: it must leave
// itself out) and --nts.required.
func startAuthAgent(t *testing.T, lab *bridgeLab, i int, flags func(i int) []string) *nsAgent {
	t.Helper()
	args := []string{"run", "--responder.listen-address", lab.addrs[i].String(), "--poll.interval=1s", "--state.dir=", "--nts.required"}
	for _, peer := range lab.addrs {
		args = append(args, "--peer", peer.String())
	}
	shift := time.Duration(0)
	if i == meshShifted {
		shift = peerShift
	}
	return startAgentIn(t, lab.namespaces[i], shift, append(args, flags(i)...)...)
}

// waitForMesh waits until done holds for every agent's status.
func waitForMesh(t *testing.T, agents []*nsAgent, done func(i int, s exporters.Status) bool) {
	t.Helper()
	for i, a := range agents {
		waitFor(t, 40*time.Second, fmt.Sprintf("agent %d to have polled its peers", i+1), func() bool {
			return done(i, a.status(t))
		})
	}
}

// peerName is agent j's name as its peers' source.
func peerName(lab *bridgeLab, j int) string {
	return netip.AddrPortFrom(lab.addrs[j], ntp.DefaultResponderPort).String()
}

// countResult counts the peers with at least n polls of result.
func countResult(s exporters.Status, result estimator.Result, n uint64) int {
	count := 0
	for _, src := range s.Sources {
		if src.Kind == "peer" && src.Results[result] >= n {
			count++
		}
	}
	return count
}

// everyPeer reports whether agent i has at least n polls of result from
// every agent in [from, to) but itself.
func everyPeer(s exporters.Status, lab *bridgeLab, i, from, to int, result estimator.Result, n uint64) bool {
	for j := from; j < to; j++ {
		if src, ok := sourceByName(s, peerName(lab, j)); j != i && (!ok || src.Results[result] < n) {
			return false
		}
	}
	return true
}

// checkAuthenticatedPeer checks that fleet agent i measured fleet peer j
// authenticated by mode: every reply authentic, every sample used, the
// pairwise offset within its bound of the truth.
func checkAuthenticatedPeer(t *testing.T, i, j int, src exporters.Source, mode string) {
	t.Helper()
	if src.Authentication != mode || src.Auth == nil || src.Auth.BadMACs != 0 || src.Auth.NAKs != 0 ||
		src.Status == "unauthenticated" || src.Results["ok"] < 3 {
		t.Errorf("agent %d sees peer %d: authentication %q, status %s, results %v, auth %+v; want %s, every reply authentic and used",
			i+1, j+1, src.Authentication, src.Status, src.Results, src.Auth, mode)
	}
	checkPeerOffset(t, i, j, src, trueOffset(i, j, meshShifted))
}

// checkRejectedPeer checks that agent i never took a sample from a peer
// whose polls failed as result, each counted by counter.
func checkRejectedPeer(t *testing.T, i int, src exporters.Source, result estimator.Result, counter func(exporters.SourceAuth) uint64) {
	t.Helper()
	t.Logf("agent %d sees %s: status %s, results %v, auth %+v", i+1, src.Name, src.Status, src.Results, src.Auth)
	if src.Auth == nil || src.Results["ok"] != 0 || src.LastSample != nil || src.Results[result] < 3 || counter(*src.Auth) < src.Results[result] {
		t.Errorf("agent %d sees %s: results %v, last sample %v, auth %+v; want %s polls, each counted, no sample",
			i+1, src.Name, src.Results, src.LastSample, src.Auth, result)
	}
}

// checkUnauthenticatedPeers checks that agent i, under --nts.required,
// measuring its peers without authentication, uses none of them and says
// so.
func checkUnauthenticatedPeers(t *testing.T, lab *bridgeLab, i int, a *nsAgent, s exporters.Status) {
	t.Helper()
	for j := range lab.addrs {
		src, ok := sourceByName(s, peerName(lab, j))
		if j != i && (!ok || src.Authentication != "none" || src.Status != "unauthenticated" || src.Results["ok"] != 0) {
			t.Errorf("agent %d sees peer %d: authentication %q, status %s, results %v; want none, unauthenticated, never used",
				i+1, j+1, src.Authentication, src.Status, src.Results)
		}
	}
	for source, v := range a.byLabel(t, "clockwatch_source_authenticated", "source") {
		if v != 0 {
			t.Errorf("agent %d: clockwatch_source_authenticated{source=%q} %g, want 0", i+1, source, v)
		}
	}
}

// checkAuthenticatedGauges checks that agent i exports every one of its
// peers as authenticated.
func checkAuthenticatedGauges(t *testing.T, i int, a *nsAgent, peers int) {
	t.Helper()
	gauges := a.byLabel(t, "clockwatch_source_authenticated", "source")
	if len(gauges) != peers {
		t.Errorf("agent %d: clockwatch_source_authenticated for %d sources, want %d", i+1, len(gauges), peers)
	}
	for source, v := range gauges {
		if v != 1 {
			t.Errorf("agent %d: clockwatch_source_authenticated{source=%q} %g, want 1", i+1, source, v)
		}
	}
}
