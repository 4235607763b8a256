package estimator

import (
	"cmp"
	"math"
	"slices"
)

// steadySamples is the fewest samples a source's straight run must hold
// for it to take part in the steadiness test (clockSteady). Over a few
// polls no walk of an ordinary crystal shows, nor does it matter, so the
// test judges from the start and grows more searching as the samples span
// more time: a memory granted early and refused once a walk shows costs
// a walking clock nothing over 12 simulated seeds, and spares a stable
// one its start (outage-64s-stable's p95 0.96× the reference's from 4
// samples a source; 1.10× when the test began at 16, with blocks of 4
// and more).
const steadySamples = 4

// steadyMinBlocks is the fewest blocks of residuals the steadiness test
// judges at one scale.
const steadyMinBlocks = 6

// steadyFinestBlock is the smallest block of residuals whose means the
// steadiness test judges; pairs measure the noise, and their means are
// independent of their deviations under noise alone.
const steadyFinestBlock = 2

// steadyLevel is the significance of the steadiness test, shared among
// its scales: a clock that keeps to a straight line fails it at most about
// this often. Refused, a steady clock loses the longer memory until its
// next sample passes; granted, a walking clock's point leans on samples
// that have drifted off. So the level is high: in the simulator over 12
// seeds a walking clock's medians (outage-64s, thermal-step) are 1–2 %
// better at 40 % than at 20 % and 4–5 % better than at 5 %, a stable
// clock's p95 0.96× the reference's against 0.93× and 0.92×.
const steadyLevel = 0.4

// walkingLevel is the significance at which the steadiness test calls the
// clock walking, and the point's drift becomes the recent one
// (recentDrift): a stable clock called walking loses the precision of
// its whole straight run, so this level is strict (over 12 simulated
// seeds a stable clock's p95 was 1 % worse at 1 %, 3 % at 5 %).
const walkingLevel = 0.01

// residual is one sample's offset off a source's line, at its local time.
type residual struct {
	at           int64
	value, scale float64
}

// clockSteady reports whether the local clock has kept to one straight line
// of slope rate as far as the samples show, and whether it clearly has
// not: the residuals of every time-keeping source's straight run of at
// least steadySamples samples (around the line of slope rate through its
// samples' weighted mean), pooled in time order, scatter no more in
// blocks than their noise says (steadyEvidence) at steadyLevel (steady), or
// they fail that test even at walkingLevel (walking).
// chronyd keeps the longest register whose regression residuals pass a
// runs test; a test of the block means' variance sees a slow walk far
// sooner (a runs test on the same pooled residuals needed about 48
// samples a source, and was not asked before then). The sources are
// pooled because the clock's wander is common to all of them and their
// queueing is not. Both are false when too few samples take part. The result
// is cached for one set of samples and one rate.
func (e *Estimator) clockSteady(rate float64) (steady, walking bool) {
	c := &e.steadiness
	if c.valid && c.rate == rate {
		return c.steady, c.walking
	}
	res := c.buf[:0]
	for _, src := range e.list {
		older := len(res)
		res = src.residuals(rate, res)
		res = mergeInTime(res, older, &c.merge)
	}
	c.buf, c.valid, c.rate = res, true, rate
	evidence, ok := steadyEvidence(res)
	c.steady = ok && evidence >= steadyLevel
	c.walking = ok && evidence < walkingLevel
	return c.steady, c.walking
}

// steadyCache holds clockSteady's answer for one rate; it is invalid once
// the samples change (measuredDrift).
type steadyCache struct {
	valid           bool
	rate            float64
	steady, walking bool
	// buf and merge are reused.
	buf, merge []residual
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

// steadyEvidence is the evidence that the residuals res (in time order) show
// no more than noise at any scale: for blocks of steadyFinestBlock, twice
// that, and so on while there are steadyMinBlocks blocks, the blocks'
// weighted means, each squared and weighed by its block's total weight,
// are compared on average with the noise unit that neighbouring pairs
// measure by an F test, and the smallest p-value times the number of
// scales is returned: the residuals pass at a level shared among the
// scales exactly when it is at least that level. Weights are inverse
// variances up to one common factor, so under noise alone a block's
// weighted squared mean and a pair's weighted squared deviations from its
// mean are that factor times chi-square with one degree of freedom; a
// pair is hardly moved by a slow wander, while a clock whose frequency
// walks leaves streaks that make long blocks' means too large. ok is
// false when there are too few residuals for one scale.
func steadyEvidence(res []residual) (evidence float64, ok bool) {
	unit, pairs := pairNoise(res)
	if len(res) < steadyMinBlocks*steadyFinestBlock || !(unit > 0) {
		return 0, false
	}
	scales := 0
	for b := steadyFinestBlock; len(res)/b >= steadyMinBlocks; b *= 2 {
		scales++
	}
	evidence = math.Inf(1)
	for b := steadyFinestBlock; len(res)/b >= steadyMinBlocks; b *= 2 {
		sum, blocks := blockSquares(res, b)
		evidence = min(evidence, fAbove(sum/float64(blocks)/unit, blocks, pairs)*float64(scales))
	}
	return evidence, true
}

// pairNoise is the mean over neighbouring pairs of residuals of their
// weighted squared deviations from the pair's weighted mean, and the
// number of pairs: the common factor of the residuals' variances
// (1/weight each) as their noise alone sets it, with as many degrees of
// freedom as pairs.
func pairNoise(res []residual) (unit float64, pairs int) {
	var sum float64
	for i := 1; i < len(res); i += 2 {
		a, b := res[i-1], res[i]
		wa, wb := weight(a.scale), weight(b.scale)
		mean := (wa*a.value + wb*b.value) / (wa + wb)
		sum += wa*(a.value-mean)*(a.value-mean) + wb*(b.value-mean)*(b.value-mean)
		pairs++
	}
	return sum / float64(max(pairs, 1)), pairs
}

// blockSquares sums over blocks of b residuals, from the newest back (a
// partial oldest block left out), each block's squared weighted mean
// times its total weight, and counts the blocks.
func blockSquares(res []residual, b int) (sum float64, blocks int) {
	for end := len(res); end >= b; end -= b {
		var sw, swy float64
		for _, r := range res[end-b : end] {
			w := weight(r.scale)
			sw, swy = sw+w, swy+w*r.value
		}
		sum += swy * swy / sw
		blocks++
	}
	return sum, blocks
}

// fAbove is the probability that an F variable with d1 and d2 degrees of
// freedom exceeds f, by Paulson's normal approximation of its cube root
// (Wilson and Hilferty's for chi-square, applied to both terms of the
// ratio), within about 0.005 for the degrees of freedom the steadiness
// test uses (d1 ≥ 8, d2 ≥ 16).
func fAbove(f float64, d1, d2 int) float64 {
	a, b := 2/(9*float64(d1)), 2/(9*float64(d2))
	c := math.Cbrt(f)
	z := ((1-b)*c - (1 - a)) / math.Sqrt(b*c*c+a)
	return math.Erfc(z/math.Sqrt2) / 2
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
