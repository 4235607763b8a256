package sim

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/ntp"
)

// flappingSteps makes a server's clock jump between the truth and ±by,
// dwelling 2–10 polls in each state, for the whole duration.
func flappingSteps(rng *rand.Rand, duration, poll, by time.Duration) []Step {
	var steps []Step
	sign := time.Duration(1)
	off := false
	for at := 30 * time.Second; at < duration; at += time.Duration(2+rng.IntN(9)) * poll {
		if off {
			steps = append(steps, Step{At: at, By: -sign * by})
			sign = -sign
		} else {
			steps = append(steps, Step{At: at, By: sign * by})
		}
		off = !off
	}
	return steps
}

// TestFlappingSourceIsKeptOutOfTheBound: one server flapping ±0.5 s among
// three good ones must not hold the bound at half a second: once it has
// shown it cannot be trusted, the bound is the good servers' again, and it
// holds throughout.
func TestFlappingSourceIsKeptOutOfTheBound(t *testing.T) {
	const duration = 30 * time.Minute
	for _, seed := range seeds {
		servers := lanServers()[:3]
		flapper := stratum1("flapper", lanServers()[3].Path)
		flapper.Steps = flappingSteps(rand.New(rand.NewPCG(seed, 99)), duration, time.Second, 500*time.Millisecond)
		sc := Scenario{
			Name: "flapping", Duration: duration, Clock: LocalClock{Offset: time.Millisecond, Drift: 10e-6, Wander: 1e-9},
			Servers: append(servers, flapper), Burst: ntp.DefaultBurst, Spread: ntp.DefaultPollSpread, Precision: 30 * time.Nanosecond,
		}
		var late, wide int
		s, err := Run(sc, seed, func(p Point) {
			if p.At < 5*time.Minute || p.Blind || !p.Estimate.HasOffset() {
				return
			}
			late++
			if p.Estimate.ErrorBound > time.Millisecond {
				wide++
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		checkScore(t, sc.withDefaults(), seed, s)
		if share := float64(wide) / float64(late); share > 0.01 {
			t.Errorf("seed %d: %.1f%% of readings after 5 min have a bound over 1 ms (%d of %d); %v", seed, 100*share, wide, late, s)
		}
	}
}
