package estimator

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestRecentDrift: four LAN sources polled every 64 s for 90 minutes
// while the clock's frequency climbs by 0.2 ppm an hour. The drift of the
// newest 20 minutes is within 0.05 ppm of the frequency at the end (it is
// the frequency of their middle, 0.033 ppm lower), the fits over the
// whole straight run lag further behind, the clock counts as
// walking, and then the point moves samples with the recent drift. A
// silence among the newest samples sets the recent drift aside.
func TestRecentDrift(t *testing.T) {
	const (
		start = 3e-6          // frequency at the start
		climb = 0.2e-6 / 3600 // its change per second
	)
	servers := []server{
		{name: "a", delay: 200 * time.Microsecond, jitter: 50 * time.Microsecond, asymmetry: 0.5},
		{name: "b", delay: 260 * time.Microsecond, jitter: 50 * time.Microsecond, asymmetry: 0.5},
		{name: "c", delay: 330 * time.Microsecond, jitter: 50 * time.Microsecond, asymmetry: 0.5},
		{name: "d", delay: 400 * time.Microsecond, jitter: 50 * time.Microsecond, asymmetry: 0.5},
	}
	tests := []struct {
		name    string
		silence time.Duration // before the last 4 polls
		wantOK  bool
	}{
		{name: "polls throughout", wantOK: true},
		{name: "a silence among the newest samples", silence: 15 * time.Minute},
	}
	const polls = 85
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEstimator(servers)
			rng := rand.New(rand.NewPCG(5, 6))
			var last time.Time
			var x float64
			for i := range polls {
				for k, s := range servers {
					at := time.Duration(i)*64*time.Second + time.Duration(k)*16*time.Second
					if i >= polls-4 {
						at += tc.silence
					}
					last = epoch.Add(at)
					x = at.Seconds()
					truth := time.Millisecond + time.Duration((start*x+climb*x*x/2)*1e9)
					if err := e.Add(s.measure(rng, last, truth)); err != nil {
						t.Fatal(err)
					}
				}
			}
			now := start + climb*x
			m := e.measuredDrift()
			if m.recentOK != tc.wantOK {
				t.Fatalf("recent drift ok %v, want %v", m.recentOK, tc.wantOK)
			}
			if !tc.wantOK {
				return
			}
			if off := math.Abs(m.recent*1e6 - now*1e6); off > 0.05 {
				t.Errorf("recent drift %.3f ppm, the frequency is %.3f ppm", m.recent*1e6, now*1e6)
			}
			if math.Abs(m.rate-now) <= math.Abs(m.recent-now) {
				t.Errorf("the whole run's drift %.3f ppm is as close to %.3f ppm as the recent one, %.3f", m.rate*1e6, now*1e6, m.recent*1e6)
			}
			d := e.drift(last)
			if _, walking := e.clockSteady(m.rate); !walking || d.rate != d.iv.clamp(m.recent) {
				t.Errorf("walking %v, point's drift %.3f ppm; want the recent %.3f", walking, d.rate*1e6, m.recent*1e6)
			}
		})
	}
}
