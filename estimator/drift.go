package estimator

import "math"

// driftFit is what one source's samples say about the local clock's drift.
type driftFit struct {
	// rate is the weighted least-squares slope of offset over time, clamped
	// into feasible.
	rate float64
	// feasible holds every drift for which one straight line of offset over
	// time passes through all the samples' intervals. It contains the true
	// (average) drift whenever every sample's interval is correct.
	feasible interval
	// used is how many of the newest samples agree with a straight line.
	used int
}

// unknownDrift is the drift interval before anything is measured: the widest
// frequency error a clock may have.
var unknownDrift = interval{-MaxFrequencyTolerance, MaxFrequencyTolerance}

// fitDrift fits the drift of the local clock against one source. samples are
// ordered oldest first. Only the longest run of newest samples that a single
// straight line can pass through is used, so a step or a change of drift
// ends the run instead of corrupting the fit.
func fitDrift(samples []Sample) driftFit {
	n := len(samples)
	if n < 2 {
		return driftFit{feasible: unknownDrift, used: n}
	}
	ref := samples[n-1].Time
	x := func(i int) float64 { return float64(samples[i].Time.Sub(ref)) }
	y := func(i int) float64 { return float64(samples[i].Offset) }
	e := func(i int) float64 { return float64(samples[i].ErrorBound()) }

	feasible := unknownDrift
	first := n - 1
	for i := n - 2; i >= 0; i-- {
		next := feasible
		for j := i + 1; j < n; j++ {
			dt := x(j) - x(i)
			if dt <= 0 {
				continue
			}
			pair := interval{(y(j) - e(j) - y(i) - e(i)) / dt, (y(j) + e(j) - y(i) + e(i)) / dt}
			next = next.intersect(pair)
		}
		if next.empty() {
			break
		}
		feasible, first = next, i
	}
	used := n - first
	if used < 2 {
		return driftFit{feasible: unknownDrift, used: used}
	}
	rate := weightedSlope(samples[first:], x, y, e, first)
	if math.IsNaN(rate) {
		rate = feasible.mid()
	}
	return driftFit{rate: feasible.clamp(rate), feasible: feasible, used: used}
}

// weightedSlope is the least-squares slope of y over x with weights 1/e²;
// offset shifts the index into the accessors. It is NaN when all samples
// share one time.
func weightedSlope(s []Sample, x, y, e func(int) float64, offset int) float64 {
	var sw, sx, sy float64
	for k := range s {
		i := k + offset
		w := 1 / math.Max(e(i)*e(i), 1)
		sw += w
		sx += w * x(i)
		sy += w * y(i)
	}
	mx, my := sx/sw, sy/sw
	var sxy, sxx float64
	for k := range s {
		i := k + offset
		w := 1 / math.Max(e(i)*e(i), 1)
		dx := x(i) - mx
		sxy += w * dx * (y(i) - my)
		sxx += w * dx * dx
	}
	if sxx == 0 {
		return math.NaN()
	}
	return sxy / sxx
}
