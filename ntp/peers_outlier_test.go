package ntp

import (
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
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

func TestViewPeers(t *testing.T) {
	ms := time.Millisecond
	unreachable := peerSource("198.18.0.9:9123", 40*ms)
	unreachable.Reachable = false
	noData := peerSource("198.18.0.8:9123", 0)
	noData.ErrorBound = estimator.UnknownBound
	// stepped is a peer whose filtered offset still blends the samples
	// before a step with those after; its newest measurement is the truth.
	stepped := func(name string) estimator.SourceEstimate {
		s := peerSource(name, 40*ms)
		s.Offset = 18 * ms
		return s
	}
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
		{"the newest measurement counts, not a filter blending a step", []estimator.SourceEstimate{
			stepped("a"), stepped("b"), stepped("c")}, true, 3, 40 * ms},
		{"unreachable peers and NTP servers do not vote", []estimator.SourceEstimate{
			peerSource("a", 0), unreachable, noData, upstream}, false, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := ViewPeers(estimator.Estimate{Sources: tc.sources}, 20*ms)
			if v.Outlier() != tc.outlier || v.Reachable != tc.reachable || v.MaxAbs != tc.maxAbs {
				t.Errorf("outlier %v reachable %d max %v, want %v %d %v", v.Outlier(), v.Reachable, v.MaxAbs, tc.outlier, tc.reachable, tc.maxAbs)
			}
			// Every peer here is measured over 200 µs: 100 µs of error.
			if want := max(tc.maxAbs-100*time.Microsecond, 0); v.MaxProvable != want {
				t.Errorf("largest provable offset %v, want %v", v.MaxProvable, want)
			}
			if err := v.Err(); (err != nil) != tc.outlier {
				t.Errorf("Err() = %v, want failing %v", err, tc.outlier)
			}
		})
	}
}

// TestViewPeersCarriesTheNewestMeasurement: a measurement taken a while
// ago is carried forward on this host's drift, and its error grows with
// the drift's uncertainty, so a host that has barely measured its drift
// (just started) does not call itself the outlier.
func TestViewPeersCarriesTheNewestMeasurement(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name              string
		drift, driftBound float64
		age               time.Duration
		pairwise, error   time.Duration
		beyond            bool
	}{
		{"fresh", 0, 0, 0, 21 * ms, 100 * time.Microsecond, true},
		{"carried on the drift", 100e-6, 1e-9, 10 * time.Second, 22 * ms, 100*time.Microsecond + 10010*time.Nanosecond, true},
		{"drift barely measured", 60e-6, 360e-6, 13 * time.Second, 21*ms + 780*time.Microsecond, 100*time.Microsecond + 4693*time.Microsecond, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := peerSource("198.18.0.2:9123", 21*ms)
			e := estimator.Estimate{Time: s.LastSample.Add(tc.age), Drift: tc.drift, DriftBound: tc.driftBound, Sources: []estimator.SourceEstimate{s}}
			p := ViewPeers(e, 20*ms).Peers[0]
			if p.Pairwise != tc.pairwise || (p.Error-tc.error).Abs() > time.Nanosecond || p.Beyond != tc.beyond {
				t.Errorf("pairwise %v ± %v beyond %v, want %v ± %v beyond %v", p.Pairwise, p.Error, p.Beyond, tc.pairwise, tc.error, tc.beyond)
			}
		})
	}
}

// TestViewPeersOffersOnlyCurrentMeasurements: a measurement is carried
// forward only while nothing could have stepped unseen: the peer answered
// its last poll, no more than peerCurrentPolls of its intervals ago, and
// after this host's last step. Otherwise it neither votes nor counts in
// the largest offsets, and its error is unknown. Issue 19's simulated
// fleet named healthy hosts when the measurements of agents that had
// stopped were carried across a 2 ms step for the 8 polls in which they
// still counted as reachable.
func TestViewPeersOffersOnlyCurrentMeasurements(t *testing.T) {
	ms := time.Millisecond
	measured := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		reach    uint8
		poll     time.Duration
		age      time.Duration
		lastStep time.Time
		current  bool
	}{
		{"answered its last poll", 0o377, 0, 10 * time.Second, time.Time{}, true},
		{"one poll lost before, the last answered", 0o375, 0, 10 * time.Second, time.Time{}, true},
		{"the last poll unanswered", 0o376, 0, 20 * time.Second, time.Time{}, false},
		{"the last poll unanswered, still within the poll interval", 0o376, 0, 10 * time.Second, time.Time{}, false},
		{"two default intervals old", 0o377, 0, 2 * DefaultPollInterval, time.Time{}, true},
		{"older than two default intervals: the polls stopped", 0o377, 0, 2*DefaultPollInterval + time.Second, time.Time{}, false},
		{"within two of the peer's own slower intervals", 0o377, 64 * time.Second, 100 * time.Second, time.Time{}, true},
		{"older than two of the peer's own intervals", 0o377, 64 * time.Second, 130 * time.Second, time.Time{}, false},
		{"measured after this host's last step", 0o377, 0, 10 * time.Second, measured.Add(-time.Second), true},
		{"measured at this host's last step", 0o377, 0, 10 * time.Second, measured, true},
		{"measured before this host's last step", 0o377, 0, 10 * time.Second, measured.Add(time.Second), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Of three peers, two see this host 40 ms ahead: a majority
			// only with the one under test.
			s := peerSource("198.18.0.2:9123", 40*ms)
			s.Reach, s.Poll, s.LastSample = tc.reach, tc.poll, measured
			e := estimator.Estimate{
				Time: measured.Add(tc.age), LastStep: estimator.StepEvent{At: tc.lastStep, Size: 2 * ms},
				Sources: []estimator.SourceEstimate{s, peerSource("198.18.0.3:9123", 40*ms), peerSource("198.18.0.4:9123", 0)},
			}
			for i := range e.Sources[1:] {
				e.Sources[1+i].LastSample = e.Time
			}
			v := ViewPeers(e, 20*ms)
			p := v.Peers[0]
			if p.Current != tc.current || v.Reachable != 3 || v.Current != 2+boolInt(tc.current) || v.Outlier() != tc.current {
				t.Errorf("current %v, %d of %d peers current, outlier %v; want current %v and the outlier only then", p.Current, v.Current, v.Reachable, v.Outlier(), tc.current)
			}
			if tc.current && (p.Error >= ms || !p.Beyond) || !tc.current && (p.Error != estimator.UnknownBound || p.Beyond) {
				t.Errorf("error %v, beyond %v: want a carried error and beyond when current, an unknown error otherwise", p.Error, p.Beyond)
			}
			if p.Pairwise != 40*ms {
				t.Errorf("pairwise %v, want the newest measurement, 40ms, current or not", p.Pairwise)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
