package discipline

import (
	"math"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// slew is an offset being removed by an extra frequency until a local
// time: a finite correction, so a slew planned before an outage ends on
// its own instead of steering on blindly.
type slew struct {
	rate  float64
	until time.Time
}

// rateAt is the slew's extra frequency at local time now: zero once it
// ended.
func (s slew) rateAt(now time.Time) float64 {
	if now.Before(s.until) {
		return s.rate
	}
	return 0
}

// correction is the frequency one update sets: the drift correction and a
// slew on top of it.
type correction struct {
	base float64
	slew slew
}

// correct is the servo: from an estimate at local time now, with the drift
// correction base and a slew of rate slewing in force, it computes the
// next correction. The drift correction cancels the estimated drift (the
// estimator measures it on the adjusted clock, so what remains is what to
// add), at most MaxFrequencyChange at a time; the slew removes the
// estimated offset over SlewTime.
//
// Unlike a PI servo this needs no integrator: the estimator's drift is
// already the integral of the offsets, fitted over its whole window, so
// the loop neither overshoots nor winds up, and its gains do not depend on
// the poll interval.
func (c Config) correct(e estimator.Estimate, base, slewing float64, now time.Time) correction {
	drift := e.Drift - slewing
	next := clamp(base-clamp(drift, c.MaxFrequencyChange), c.MaxFrequency)
	return correction{base: next, slew: c.slewFor(e.Offset, next, now)}
}

// slewFor plans the slew that removes offset in SlewTime, at no more than
// MaxSlewRate and within MaxFrequency on top of base.
func (c Config) slewFor(offset time.Duration, base float64, now time.Time) slew {
	rate := -float64(offset) / float64(c.SlewTime)
	room := c.MaxFrequency - base
	if rate < 0 {
		room = c.MaxFrequency + base
	}
	rate = clamp(rate, max(min(c.MaxSlewRate, room), 0))
	if rate == 0 {
		return slew{}
	}
	return slew{rate: rate, until: now.Add(time.Duration(math.Round(-float64(offset) / rate)))}
}

// clamp limits x to [−limit, limit].
func clamp(x, limit float64) float64 { return min(max(x, -limit), limit) }
