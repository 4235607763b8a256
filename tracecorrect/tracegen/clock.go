package tracegen

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/clockwatch/clockwatch/tracecorrect"
)

// clock is a host's clock: off by a linear function of true time.
type clock struct {
	offset   float64 // ns at epoch
	drift    float64 // ratio
	epoch    int64   // true Unix ns
	bound    time.Duration
	measured bool
}

// newClock models h's clock in scenario s.
func newClock(h Host, s Scenario) clock {
	return clock{
		offset:   float64(h.Offset),
		drift:    h.DriftPPM * 1e-6,
		epoch:    s.Start.UnixNano(),
		bound:    h.ErrorBound,
		measured: !h.Unmeasured,
	}
}

// offsetAt is host clock − true time at true time t (Unix ns).
func (c clock) offsetAt(t int64) float64 {
	return c.offset + c.drift*float64(t-c.epoch)
}

// read is what the host's clock shows at true time t.
func (c clock) read(t int64) int64 {
	return t + int64(math.Round(c.offsetAt(t)))
}

// measurements are the agent's estimates every interval over the true
// times [from, to], each off by at most share × bound.
func (c clock) measurements(rng *rand.Rand, from, to int64, interval time.Duration, share float64) []tracecorrect.Measurement {
	var ms []tracecorrect.Measurement
	for t := from; t <= to; t += int64(interval) {
		noise := (2*rng.Float64() - 1) * share * float64(c.bound)
		ms = append(ms, tracecorrect.Measurement{
			Time:       time.Unix(0, c.read(t)).UTC(),
			Offset:     time.Duration(math.Round(c.offsetAt(t) + noise)),
			ErrorBound: c.bound,
		})
	}
	return ms
}
