package ntp

import (
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// peerSource is a reachable peer that sees this host offset ahead,
// measured over a 200 µs round trip.
func peerSource(name string, offset time.Duration) estimator.SourceEstimate {
	return estimator.SourceEstimate{
		SourceInfo: estimator.SourceInfo{Name: name, Kind: estimator.KindPeer, Address: name},
		Status:     estimator.SourceCandidate, Reachable: true,
		Offset: offset, ErrorBound: time.Millisecond, Delay: 200 * time.Microsecond,
		LastSample: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
	}
}

func TestViewPeers(t *testing.T) {
	ms := time.Millisecond
	unreachable := peerSource("198.18.0.9:9123", 40*ms)
	unreachable.Reachable = false
	noData := peerSource("198.18.0.8:9123", 0)
	noData.ErrorBound = estimator.UnknownBound
	upstream := peerSource("time.example:123", 40*ms)
	upstream.Kind = estimator.KindNTP
	tests := []struct {
		name      string
		sources   []estimator.SourceEstimate
		outlier   bool
		reachable int
		maxAbs    time.Duration
	}{
		{"no peers", nil, false, 0, 0},
		{"everyone agrees", []estimator.SourceEstimate{peerSource("a", ms), peerSource("b", -ms)}, false, 2, ms},
		{"this host 40 ms ahead of all", []estimator.SourceEstimate{
			peerSource("a", 40*ms), peerSource("b", 41*ms), peerSource("c", 39*ms), peerSource("d", 40*ms)}, true, 4, 41 * ms},
		{"one peer is off: it is the outlier, not us", []estimator.SourceEstimate{
			peerSource("a", 0), peerSource("b", ms), peerSource("c", -40*ms), peerSource("d", 0)}, false, 4, 40 * ms},
		{"exactly half is not more than half", []estimator.SourceEstimate{
			peerSource("a", 40*ms), peerSource("b", 40*ms), peerSource("c", 0), peerSource("d", 0)}, false, 4, 40 * ms},
		{"within the round-trip error is not beyond", []estimator.SourceEstimate{
			peerSource("a", 20*ms+50*time.Microsecond), peerSource("b", 20*ms+90*time.Microsecond)}, false, 2, 20*ms + 90*time.Microsecond},
		{"unreachable peers and NTP servers do not vote", []estimator.SourceEstimate{
			peerSource("a", 0), unreachable, noData, upstream}, false, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := ViewPeers(estimator.Estimate{Sources: tc.sources}, 20*ms)
			if v.Outlier() != tc.outlier || v.Reachable != tc.reachable || v.MaxAbs != tc.maxAbs {
				t.Errorf("outlier %v reachable %d max %v, want %v %d %v", v.Outlier(), v.Reachable, v.MaxAbs, tc.outlier, tc.reachable, tc.maxAbs)
			}
			if err := v.Err(); (err != nil) != tc.outlier {
				t.Errorf("Err() = %v, want failing %v", err, tc.outlier)
			}
		})
	}
}
