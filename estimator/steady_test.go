package estimator

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestSteadyRuns: the clock counts as steady (the point's memory is the
// sources' straight runs) when four LAN sources' samples scatter only by
// their queueing around a straight line, not when the line bends by less
// than the queueing of single samples, nor before the runs hold
// steadySamples samples.
func TestSteadyRuns(t *testing.T) {
	tests := []struct {
		name   string
		polls  int
		wave   time.Duration // amplitude of a bend with a period of an hour
		steady bool
	}{
		{name: "straight line", polls: 64, steady: true},
		{name: "bent by 40µs", polls: 64, wave: 40 * time.Microsecond},
		{name: "too few samples", polls: steadySamples - 2, steady: false},
	}
	servers := []server{
		{name: "a", delay: 200 * time.Microsecond, jitter: 50 * time.Microsecond, asymmetry: 0.5},
		{name: "b", delay: 260 * time.Microsecond, jitter: 50 * time.Microsecond, asymmetry: 0.5},
		{name: "c", delay: 330 * time.Microsecond, jitter: 50 * time.Microsecond, asymmetry: 0.5},
		{name: "d", delay: 400 * time.Microsecond, jitter: 50 * time.Microsecond, asymmetry: 0.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEstimator(servers)
			rng := rand.New(rand.NewPCG(1, 2))
			var last time.Time
			for i := range tc.polls {
				for k, s := range servers {
					last = epoch.Add(time.Duration(i)*64*time.Second + time.Duration(k)*16*time.Second)
					x := last.Sub(epoch).Seconds()
					truth := time.Millisecond + time.Duration(3e-6*x*1e9) + time.Duration(float64(tc.wave)*math.Sin(2*math.Pi*x/3600))
					if err := e.Add(s.measure(rng, last, truth)); err != nil {
						t.Fatal(err)
					}
				}
			}
			if got := e.drift(last).steady; got != tc.steady {
				t.Errorf("steady %v, want %v", got, tc.steady)
			}
		})
	}
}
