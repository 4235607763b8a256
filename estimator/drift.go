package estimator

import (
	"math"
	"slices"
)

// driftFit is what one source's samples say about the local clock's drift.
type driftFit struct {
	// rate is the least-squares slope of offset over time, the samples
	// weighted by their noise, clamped into feasible.
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

// fitBuffers are reused between the fits of one source.
type fitBuffers struct {
	xs            []float64
	tops, bottoms []point
}

// fitDrift fits the drift of the local clock against one source. samples are
// ordered oldest first. Only the longest run of newest samples that a single
// straight line can pass through is used, so a step or a change of drift
// ends the run instead of corrupting the fit.
func fitDrift(samples []record, buf *fitBuffers) driftFit {
	n := len(samples)
	if n < 2 {
		return driftFit{feasible: unknownDrift, used: n}
	}
	buf.xs = slices.Grow(buf.xs[:0], n)[:n]
	xs := buf.xs
	for i := range samples {
		xs[i] = float64(samples[i].at - samples[n-1].at)
	}
	feasible, first := feasibleRun(samples, xs, buf)
	used := n - first
	if used < 2 {
		return driftFit{feasible: unknownDrift, used: used}
	}
	rate := weightedSlope(samples[first:])
	if math.IsNaN(rate) {
		rate = feasible.mid()
	}
	return driftFit{rate: feasible.clamp(rate), feasible: feasible, used: used}
}

// feasibleRun grows a run of samples from the newest backwards while a
// straight line can pass through all their intervals, and returns the
// slopes such lines can have and the index of the run's oldest sample. A
// line of slope k passes through intervals i and j (xᵢ < xⱼ) exactly when
// (yⱼ−eⱼ−yᵢ−eᵢ)/(xⱼ−xᵢ) ≤ k ≤ (yⱼ+eⱼ−yᵢ+eᵢ)/(xⱼ−xᵢ), so the pairs decide.
// For each new (older) sample only the extreme pairs matter, and they are
// tangents to the convex hulls of the newer samples' interval ends, which
// keeps a fit at O(n log n).
func feasibleRun(samples []record, xs []float64, buf *fitBuffers) (interval, int) {
	n := len(samples)
	feasible, first := unknownDrift, n-1
	tops := chain{lower: true, pts: buf.tops[:0]}
	bottoms := chain{lower: false, pts: buf.bottoms[:0]}
	defer func() { buf.tops, buf.bottoms = tops.pts, bottoms.pts }()
	for i := n - 1; i >= 0; i-- {
		top := point{xs[i], samples[i].offset + samples[i].half()}
		bottom := point{xs[i], samples[i].offset - samples[i].half()}
		if i < n-1 {
			if xs[i] >= xs[i+1] {
				break
			}
			next := feasible.intersect(interval{bottoms.tangent(top), tops.tangent(bottom)})
			if next.empty() {
				break
			}
			feasible, first = next, i
		}
		tops.prepend(top)
		bottoms.prepend(bottom)
	}
	return feasible, first
}

// weightedSlope is the least-squares slope of offset over time of the
// samples (oldest first), each weighted by the inverse square of its
// noise scale. It is NaN when all samples share one time.
func weightedSlope(samples []record) float64 {
	xx, xy := slopeMoments(samples)
	if xx == 0 {
		return math.NaN()
	}
	return xy / xx
}

// slopeMoments returns the samples' weighted second moments about their
// weighted means (weights as in weightedSlope): of time with itself and
// of time with offset, whose ratio xy/xx is their least-squares slope and
// xx its precision. Times count from the newest sample, which keeps them
// small.
func slopeMoments(samples []record) (xx, xy float64) {
	newest := samples[len(samples)-1].at
	var sw, sx, sy float64
	for _, r := range samples {
		w := weight(r.scale)
		sw, sx, sy = sw+w, sx+w*float64(r.at-newest), sy+w*r.offset
	}
	mx, my := sx/sw, sy/sw
	for _, r := range samples {
		w := weight(r.scale)
		dx := float64(r.at-newest) - mx
		xx, xy = xx+w*dx*dx, xy+w*dx*(r.offset-my)
	}
	return xx, xy
}

// weight is the inverse-variance weight of a value with the given scale in
// nanoseconds (at least 1 ns, so a perfect sample cannot divide by zero).
func weight(scale float64) float64 {
	s := max(scale, 1)
	return 1 / (s * s)
}

// driftWeight is the inverse-variance weight of a drift interval.
func driftWeight(iv interval) float64 {
	return 1 / math.Max(iv.width()*iv.width(), 1e-30)
}
