package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/ntp"
)

// warmStartCase is a saved drift (what a state file claims) against the
// drift the local clock really has.
type warmStartCase struct {
	saved, truth float64
}

// warmStartCases are the corners of ±500 ppm, the reproductions
// (490 and 50 ppm wrong) and random pairs from a fixed seed.
func warmStartCases() []warmStartCase {
	cases := []warmStartCase{
		{saved: 490e-6, truth: 0},
		{saved: 50e-6, truth: 0},
		{saved: -500e-6, truth: 500e-6},
		{saved: 500e-6, truth: -500e-6},
		{saved: 12e-6, truth: 12e-6},
		{saved: 0, truth: 200e-6},
	}
	rng := rand.New(rand.NewPCG(22, 1))
	for range 24 {
		cases = append(cases, warmStartCase{
			saved: (2*rng.Float64() - 1) * estimator.MaxFrequencyTolerance,
			truth: (2*rng.Float64() - 1) * estimator.MaxFrequencyTolerance,
		})
	}
	return cases
}

// TestWarmStartFromAWrongDriftNeverMakesTheBoundLie: whatever drift a
// state file claims, and however confidently, the bound covers the truth
// from the first synchronized reading, with the servers answering and in
// the holdover after they all fall silent.
func TestWarmStartFromAWrongDriftNeverMakesTheBoundLie(t *testing.T) {
	for _, tc := range warmStartCases() {
		name := fmt.Sprintf("saved %+.1fppm true %+.1fppm", tc.saved*1e6, tc.truth*1e6)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sc := Scenario{
				Name:     "warm-start",
				Duration: 4 * time.Minute,
				Clock:    LocalClock{Offset: 2 * time.Millisecond, Drift: tc.truth, Wander: 1e-9},
				Servers:  lanServers()[:3],
				Outages:  []Window{{From: 150 * time.Second, To: 210 * time.Second}},
				Burst:    ntp.DefaultBurst, Spread: ntp.DefaultPollSpread, Precision: 30 * time.Nanosecond,
			}
			est := estimator.New(sc.Config)
			est.WarmStart(tc.saved, 0)
			var missed int
			var worst float64
			s, err := RunWith(est, sc, 1, func(p Point) {
				if p.Blind || !p.Estimate.Synchronized || p.Covered() {
					return
				}
				missed++
				worst = max(worst, float64(p.Error().Abs())/float64(p.Estimate.ErrorBound))
			})
			if err != nil {
				t.Fatal(err)
			}
			if missed > 0 {
				t.Errorf("%d synchronized readings outside their bound, worst by %.0f×; %v", missed, worst, s)
			}
		})
	}
}
