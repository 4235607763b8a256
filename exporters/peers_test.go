package exporters

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/ntp"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// peerSource is a reachable peer that answered its last 8 polls and sees
// this host offset ahead, measured over a 200 µs round trip.
func peerSource(name string, offset time.Duration) estimator.SourceEstimate {
	return estimator.SourceEstimate{
		SourceInfo: estimator.SourceInfo{Name: name, Kind: estimator.KindPeer, Address: name},
		Status:     estimator.SourceCandidate, Reachable: true, Reach: 0o377,
		Offset: offset, LastOffset: offset, ErrorBound: time.Millisecond, Delay: 200 * time.Microsecond,
		LastSample: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
	}
}

func TestPeerCollectorMetrics(t *testing.T) {
	ms := time.Millisecond
	slow := peerSource("198.18.0.3:9123", ms)
	slow.Delay = 300 * time.Microsecond
	// silent did not answer its last poll: its 50 ms is shown, with an
	// unknown error, and counts nowhere.
	silent := peerSource("198.18.0.4:9123", 50*ms)
	silent.Reach = 0o376
	est := estimator.Estimate{Sources: []estimator.SourceEstimate{
		peerSource("198.18.0.2:9123", 40*ms), slow, silent,
		{SourceInfo: estimator.SourceInfo{Name: "time.example:123", Kind: estimator.KindNTP}, Reachable: true, ErrorBound: ms},
	}}
	c := NewPeerCollector(func() estimator.Estimate { return est }, 20*ms)
	want := `
# HELP clockwatch_peer_beyond_max_offset 1 when a peer's current measurement puts its clock off this host's by more than --peers.max-offset (plus clockwatch_peer_offset_error_seconds); the host most peers flag is the outlier.
# TYPE clockwatch_peer_beyond_max_offset gauge
clockwatch_peer_beyond_max_offset{peer="198.18.0.2:9123"} 1
clockwatch_peer_beyond_max_offset{peer="198.18.0.3:9123"} 0
clockwatch_peer_beyond_max_offset{peer="198.18.0.4:9123"} 0
# HELP clockwatch_peer_offset_error_seconds How far clockwatch_peer_offset_seconds may be from the true difference of the two clocks: half the measurement's round trip, plus how far the clocks may have moved apart since (this host's drift uncertainty, 1 ppm for the peer's). What mesh inference (clockwatch-mesh) weighs each measurement by. +Inf when the measurement is not current (the peer did not answer its last poll, its last answer is more than 2 poll intervals old, or this host's clock stepped since): a step of either clock may have moved it by any amount.
# TYPE clockwatch_peer_offset_error_seconds gauge
clockwatch_peer_offset_error_seconds{peer="198.18.0.2:9123"} 0.0001
clockwatch_peer_offset_error_seconds{peer="198.18.0.3:9123"} 0.00015
clockwatch_peer_offset_error_seconds{peer="198.18.0.4:9123"} +Inf
# HELP clockwatch_peer_offset_max_abs_seconds Largest |clockwatch_peer_offset_seconds| among the peers with a current measurement (clockwatch_peers_current).
# TYPE clockwatch_peer_offset_max_abs_seconds gauge
clockwatch_peer_offset_max_abs_seconds 0.04
# HELP clockwatch_peer_offset_max_provable_seconds Largest |clockwatch_peer_offset_seconds| - clockwatch_peer_offset_error_seconds among the peers with a current measurement, or 0: the least skew the mesh proves between this host and a peer. One series per agent, for fleet rules.
# TYPE clockwatch_peer_offset_max_provable_seconds gauge
clockwatch_peer_offset_max_provable_seconds 0.0399
# HELP clockwatch_peer_offset_seconds This host's clock minus a peer agent's clock (positive: this host is ahead), from the newest measurement, for the peers of the current sample.
# TYPE clockwatch_peer_offset_seconds gauge
clockwatch_peer_offset_seconds{peer="198.18.0.2:9123"} 0.04
clockwatch_peer_offset_seconds{peer="198.18.0.3:9123"} 0.001
clockwatch_peer_offset_seconds{peer="198.18.0.4:9123"} 0.05
# HELP clockwatch_peer_outlier 1 when more than half of the peers with a current measurement see this host's clock beyond --peers.max-offset; /healthz then fails.
# TYPE clockwatch_peer_outlier gauge
clockwatch_peer_outlier 0
# HELP clockwatch_peers_current Reachable peers whose newest measurement is current: the peer answered its last poll, at most 2 of its poll intervals ago, and this host's clock has not stepped since. Only these vote in clockwatch_peer_outlier.
# TYPE clockwatch_peers_current gauge
clockwatch_peers_current 2
# HELP clockwatch_peers_reachable Peers of the current sample that answered at least one of their last 8 polls.
# TYPE clockwatch_peers_reachable gauge
clockwatch_peers_reachable 3
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}

func TestResponderCollector(t *testing.T) {
	c := NewResponderCollector(func() ntp.ResponderStats {
		return ntp.ResponderStats{Answered: 10, Leaked: 125, KissOfDeath: 2, Dropped: 500, Invalid: 1, BytesIn: 30624, BytesOut: 6576, KernelTimestamps: true}
	}, []netip.AddrPort{netip.MustParseAddrPort("198.18.0.7:9123"), netip.MustParseAddrPort("[2001:db8::7]:9123")})
	want := `
# HELP clockwatch_responder_address_info An address this agent's peer responder answers on, as its peers name it; always 1. clockwatch-mesh tells by it which host a peer is.
# TYPE clockwatch_responder_address_info gauge
clockwatch_responder_address_info{address="198.18.0.7:9123"} 1
clockwatch_responder_address_info{address="[2001:db8::7]:9123"} 1
# HELP clockwatch_responder_kernel_timestamps 1 when the peer responder's receive timestamps come from the kernel, 0 when from user space.
# TYPE clockwatch_responder_kernel_timestamps gauge
clockwatch_responder_kernel_timestamps 1
# HELP clockwatch_responder_received_bytes_total UDP payload bytes of every datagram the peer responder received.
# TYPE clockwatch_responder_received_bytes_total counter
clockwatch_responder_received_bytes_total 30624
# HELP clockwatch_responder_requests_total NTP requests the peer responder received, by what it did: answered, leaked (over the rate limit, answered anyway by the random leak that keeps a spoofed flood from silencing an address), kod (over the rate limit: kiss-o'-death RATE), dropped (over the rate limit, not answered), invalid (not a client-mode request).
# TYPE clockwatch_responder_requests_total counter
clockwatch_responder_requests_total{result="answered"} 10
clockwatch_responder_requests_total{result="dropped"} 500
clockwatch_responder_requests_total{result="invalid"} 1
clockwatch_responder_requests_total{result="kod"} 2
clockwatch_responder_requests_total{result="leaked"} 125
# HELP clockwatch_responder_sent_bytes_total UDP payload bytes of the peer responder's replies; never more than it received.
# TYPE clockwatch_responder_sent_bytes_total counter
clockwatch_responder_sent_bytes_total 6576
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
