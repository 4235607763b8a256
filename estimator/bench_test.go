package estimator

import (
	"math/rand/v2"
	"testing"
	"time"
)

// steadyEstimator returns an estimator with four LAN sources whose sample
// windows are full, and the time of the last poll.
func steadyEstimator(b *testing.B) (*Estimator, []server, *rand.Rand, time.Time) {
	servers := []server{
		{name: "a", delay: 300 * time.Microsecond, jitter: 50 * time.Microsecond, asymmetry: 0.5},
		{name: "b", delay: 250 * time.Microsecond, jitter: 50 * time.Microsecond, asymmetry: 0.5},
		{name: "c", delay: 350 * time.Microsecond, jitter: 50 * time.Microsecond, asymmetry: 0.5},
		{name: "d", delay: 400 * time.Microsecond, jitter: 50 * time.Microsecond, asymmetry: 0.5},
	}
	e := newTestEstimator(servers)
	rng := rand.New(rand.NewPCG(1, 2))
	at := epoch
	for range 200 {
		at = at.Add(time.Second)
		for _, s := range servers {
			if err := e.Add(s.measure(rng, at, 0)); err != nil {
				b.Fatal(err)
			}
		}
	}
	return e, servers, rng, at
}

// BenchmarkAdd measures adding one sample to a source with a full window.
func BenchmarkAdd(b *testing.B) {
	e, servers, rng, at := steadyEstimator(b)
	for b.Loop() {
		at = at.Add(time.Second / 4)
		if err := e.Add(servers[0].measure(rng, at, 0)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEstimate measures computing an estimate from four full sources.
func BenchmarkEstimate(b *testing.B) {
	e, _, _, at := steadyEstimator(b)
	for b.Loop() {
		e.Estimate(at)
	}
}
