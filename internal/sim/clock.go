package sim

import (
	"math"
	"math/rand/v2"
	"time"
)

// Step is a sudden change of a clock by By at true time At (since the start
// of the run).
type Step struct {
	At time.Duration
	By time.Duration
}

// stepsUntil sums the steps that happened at or before t.
func stepsUntil(steps []Step, t time.Duration) time.Duration {
	var sum time.Duration
	for _, s := range steps {
		if s.At <= t {
			sum += s.By
		}
	}
	return sum
}

// LocalClock describes the clock of the host running the estimator.
type LocalClock struct {
	// Offset is the local clock minus true time at the start.
	Offset time.Duration
	// Drift is the local clock's frequency error as a ratio (positive: it
	// runs fast).
	Drift float64
	// Wander is the random walk of the frequency: the standard deviation
	// of its change over one second, as a ratio per √s.
	Wander float64
	// Steps are sudden changes of the local clock.
	Steps []Step
	// FrequencySteps are sudden changes of its frequency, as when the
	// temperature changes.
	FrequencySteps []FrequencyStep
}

// FrequencyStep is a sudden change of a clock's frequency by By (a ratio)
// at true time At.
type FrequencyStep struct {
	At time.Duration
	By float64
}

// frequencyStepsUntil is how far the frequency steps moved a clock by true
// time t.
func frequencyStepsUntil(steps []FrequencyStep, t time.Duration) float64 {
	var sum float64
	for _, s := range steps {
		sum += s.By * float64(max(t-s.At, 0))
	}
	return sum
}

// wanderTick is the interval at which the frequency random walk moves.
const wanderTick = time.Second

// localClock is a LocalClock during a run. The frequency moves once per
// wanderTick; in between the offset is linear in true time. The path is
// generated lazily and kept, so the clock can be read at any instant in any
// order.
type localClock struct {
	LocalClock
	rng *rand.Rand
	// offsets[k] and freqs[k] hold at true time k·wanderTick, before steps.
	offsets []float64
	freqs   []float64
}

func newLocalClock(c LocalClock, rng *rand.Rand) *localClock {
	return &localClock{LocalClock: c, rng: rng, offsets: []float64{float64(c.Offset)}, freqs: []float64{c.Drift}}
}

// offsetAt returns local clock minus true time at true time t ≥ 0.
func (c *localClock) offsetAt(t time.Duration) float64 {
	k := int(t / wanderTick)
	for len(c.offsets) <= k {
		last := len(c.offsets) - 1
		c.offsets = append(c.offsets, c.offsets[last]+c.freqs[last]*float64(wanderTick))
		c.freqs = append(c.freqs, c.freqs[last]+c.Wander*c.rng.NormFloat64())
	}
	linear := c.offsets[k] + c.freqs[k]*float64(t-time.Duration(k)*wanderTick)
	return linear + float64(stepsUntil(c.Steps, t)) + frequencyStepsUntil(c.FrequencySteps, t)
}

// read returns the local clock reading at true time t, rounded down to
// precision as a clock with that resolution reports it.
func (c *localClock) read(t, precision time.Duration) time.Duration {
	return quantize(t+time.Duration(math.Round(c.offsetAt(t))), precision)
}

// quantize rounds d down to a multiple of precision.
func quantize(d, precision time.Duration) time.Duration {
	if precision <= 1 {
		return d
	}
	r := d % precision
	if r < 0 {
		r += precision
	}
	return d - r
}
