package estimator

import (
	"cmp"
	"slices"
)

// steadySamples is the fewest samples a source's straight run must hold
// for it to take part in the steadiness test (steadyRuns). Fewer span
// too little time for the runs of residuals to show how the clock
// wanders: an ordinary crystal's walk of 1e-9 per √s leaves streaks of
// 10–30 µs over half an hour of 64 s polls, within the queueing of a
// LAN's samples, and a memory granted then costs more than it gains.
const steadySamples = 48

// runsMinBlocks is the fewest blocks of residuals the runs test judges at
// one scale.
const runsMinBlocks = 8

// steadyLevel is the significance of the steadiness test, shared among
// its scales: a clock that keeps to a straight line fails it at most this
// often. chronyd's runs test is at 5 %; a stricter test keeps the old
// memory more often, which costs a stable clock little (its median over
// the chrony-like reference 0.61× at 5 %, 0.63× at 20 %) and spares a
// walking one at 1 s polls (walking-server's seed 2: 1.2 % worse at 5 %,
// level at 20 %).
const steadyLevel = 0.2

// residual is one sample's offset off a source's line, at its local time.
type residual struct {
	at           int64
	value, scale float64
}

// steadyRuns reports whether the local clock has kept to one straight line
// of slope rate as far as the samples show: the residuals of every
// time-keeping source's straight run of at least steadySamples samples
// (around the line of slope rate through its samples' weighted mean),
// pooled in time order, pass the runs test (fewRuns) at every scale: one
// residual each, then weighted means of blocks of 2, 4, 8, ... while
// there are runsMinBlocks blocks, each scale at steadyLevel divided by
// the number of scales, so that a steady clock fails at most as often as
// one test at steadyLevel would fail it. chronyd keeps the longest register whose regression
// residuals pass a runs test; the sources are pooled because the clock's
// wander is common to all of them and their queueing is not, and blocks
// are judged because a slow walk shows as streaks of blocks long before
// it shows in the signs of single samples. False when no source takes
// part. The result is cached for one set of samples and one rate.
func (e *Estimator) steadyRuns(rate float64) bool {
	c := &e.steadiness
	if c.valid && c.rate == rate {
		return c.steady
	}
	res := c.buf[:0]
	for _, src := range e.list {
		older := len(res)
		res = src.residuals(rate, res)
		res = mergeInTime(res, older, &c.merge)
	}
	c.buf, c.valid, c.rate = res, true, rate
	c.steady = len(res) > 0 && randomAtEveryScale(res, &c.blocks)
	return c.steady
}

// steadyCache holds steadyRuns's answer for one rate; it is invalid once
// the samples change (measuredDrift).
type steadyCache struct {
	valid  bool
	rate   float64
	steady bool
	// buf, merge and blocks are reused.
	buf, merge []residual
	blocks     []float64
}

// mergeInTime puts res in time order, given that res[:older] already is:
// res[older:] (one source's residuals, in time order unless its samples
// came out of order) is merged in, the older residuals first among equal
// times. scratch is reused.
func mergeInTime(res []residual, older int, scratch *[]residual) []residual {
	byTime := func(a, b residual) int { return cmp.Compare(a.at, b.at) }
	newer := res[older:]
	if !slices.IsSortedFunc(newer, byTime) {
		slices.SortStableFunc(newer, byTime)
	}
	left := append((*scratch)[:0], res[:older]...)
	*scratch = left
	i, j, k := 0, 0, 0
	for i < len(left) && j < len(newer) {
		if newer[j].at < left[i].at {
			res[k], j = newer[j], j+1
		} else {
			res[k], i = left[i], i+1
		}
		k++
	}
	copy(res[k:], left[i:])
	return res
}

// steadyRun returns the source's straight run of samples when it takes
// part in the steadiness test: it holds steadySamples samples or more,
// the source keeps time, and its drift agrees with the others' (neither
// a drift outlier nor apart: a server whose own clock runs away shows
// streaks that are not the local clock's, and its old samples are worth
// less, not more); else nil.
func (s *sourceState) steadyRun() []record {
	n := len(s.samples)
	used := min(s.drift.used, n)
	if used < steadySamples || !s.timeKeeper() || s.driftOutlier || s.apart {
		return nil
	}
	return s.samples[n-used:]
}

// residuals appends the residuals of the source's straight run (when it
// takes part, steadyRun) around the line of slope rate through the
// samples' weighted mean.
func (s *sourceState) residuals(rate float64, res []residual) []residual {
	run := s.steadyRun()
	if run == nil {
		return res
	}
	var sw, swy float64
	for i := range run {
		w := weight(run[i].scale)
		sw, swy = sw+w, swy+w*(run[i].offset-rate*float64(run[i].at))
	}
	mean := swy / sw
	for i := range run {
		r := &run[i]
		res = append(res, residual{at: r.at, value: r.offset - rate*float64(r.at) - mean, scale: r.scale})
	}
	return res
}

// randomAtEveryScale runs the runs test on the residuals res (in time
// order) one by one and in blocks of 2, 4, 8, ... (see steadyRuns);
// blocks is reused.
func randomAtEveryScale(res []residual, blocks *[]float64) bool {
	scales := 0
	for b := 1; len(res)/b >= runsMinBlocks; b *= 2 {
		scales++
	}
	for b := 1; len(res)/b >= runsMinBlocks; b *= 2 {
		*blocks = blockMeans(res, b, (*blocks)[:0])
		runs, pos, neg := signRuns(*blocks)
		if fewRuns(runs, pos, neg, steadyLevel/float64(scales)) {
			return false
		}
	}
	return true
}

// blockMeans appends to out the weighted means of the residuals over
// blocks of b, from the newest back (a partial oldest block is left out).
func blockMeans(res []residual, b int, out []float64) []float64 {
	for end := len(res); end >= b; end -= b {
		var sw, swy float64
		for _, r := range res[end-b : end] {
			w := weight(r.scale)
			sw, swy = sw+w, swy+w*r.value
		}
		out = append(out, swy/sw)
	}
	return out
}

// memory is how far back from its newest sample the source's samples may
// lie without their age costing their weight in the point: the span of
// its straight run when the clock is steady (drift.steady) and the run
// took part in the test, else 0.
func (s *sourceState) memory(d drift) float64 {
	run := s.steadyRun()
	if !d.steady || run == nil {
		return 0
	}
	return float64(run[len(run)-1].at - run[0].at)
}
