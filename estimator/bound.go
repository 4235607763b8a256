package estimator

import (
	"math"
	"time"
)

// BoundParts says where an error bound comes from. The bound is reached at
// one end of the interval that contains the truth, and that end is set by
// one sample: its measurement error and root distance, grown since it was
// taken. The parts add up to the bound.
type BoundParts struct {
	// Measurement is that sample's half delay, timestamp precision and
	// clock frequency error over the exchange.
	Measurement time.Duration
	// RootDistance is that sample's reference's own error bound, root
	// delay/2 + root dispersion, as it advertised it.
	RootDistance time.Duration
	// DriftGrowth is how much the bound grew since that sample: the
	// drift's uncertainty and the wander allowance times its age. It is
	// what grows in holdover.
	DriftGrowth time.Duration
	// Selection is the distance between the estimate and that sample's
	// centre: small when sources agree, large while they disagree (no
	// majority, or just after a step when the bound spans both sides).
	Selection time.Duration
}

// partsOf splits the bound of estimate point over iv into parts, using the
// limit of the end that is farther from point.
func partsOf(iv interval, lo, hi limit, point float64) BoundParts {
	bound := iv.radiusFrom(point)
	l, placement := hi, hi.centre-point
	if point-iv.lo > iv.hi-point {
		l, placement = lo, point-lo.centre
	}
	sum := l.meas + l.root + l.growth
	scale := 1.0
	if placement < 0 && sum > 0 {
		// The estimate sits past the sample's centre towards the end:
		// the sample's width is only partly used.
		scale, placement = bound/sum, 0
	}
	p := BoundParts{
		Measurement:  floorDuration(l.meas * scale),
		RootDistance: floorDuration(l.root * scale),
		DriftGrowth:  floorDuration(l.growth * scale),
	}
	total := toBound(bound)
	if over := p.Measurement + p.RootDistance + p.DriftGrowth - total; over > 0 {
		// Far from zero, float rounding can exceed the bound by a few
		// nanoseconds; take them from the largest part.
		largest := max(p.Measurement, p.RootDistance, p.DriftGrowth)
		switch largest {
		case p.Measurement:
			p.Measurement -= over
		case p.RootDistance:
			p.RootDistance -= over
		default:
			p.DriftGrowth -= over
		}
	}
	p.Selection = max(total-p.Measurement-p.RootDistance-p.DriftGrowth, 0)
	return p
}

// floorDuration rounds nanoseconds down to a Duration, clamped to be
// non-negative and finite.
func floorDuration(ns float64) time.Duration {
	switch {
	case math.IsNaN(ns) || ns <= 0:
		return 0
	case ns >= float64(UnknownBound):
		return UnknownBound
	}
	return time.Duration(math.Floor(ns))
}

// toDuration rounds nanoseconds to a Duration.
func toDuration(ns float64) time.Duration { return time.Duration(math.Round(ns)) }

// toBound rounds a bound up so rounding never makes it lie.
func toBound(ns float64) time.Duration {
	if ns >= float64(UnknownBound) || math.IsNaN(ns) {
		return UnknownBound
	}
	return time.Duration(math.Ceil(ns))
}
