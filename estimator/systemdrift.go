package estimator

import (
	"math"
	"time"
)

// drift is the system drift at an instant: what moves samples to it.
type drift struct {
	// iv is the measured drift interval widened by the wander allowance
	// on both sides: every sample moves with it over its whole age, so a
	// change of the clock's frequency by up to the allowance, at any time,
	// keeps the truth inside every moved interval. rate is the estimate
	// inside it.
	iv    interval
	rate  float64
	model DriftModel
	// proven is the drift the samples' intervals prove, widened by the
	// wander allowance: it holds iv, and weighs the samples and the
	// sources by what they could be off were the envelopes wrong.
	proven interval
	// steady is set when the residuals of the sources' samples around
	// the line of slope rate scatter no more in blocks than their noise
	// says (clockSteady): the clock kept to that line as far as the
	// samples show, so within a source's straight run a sample's age
	// costs its weight in the point nothing (sourceState.memory). It
	// weighs the point only, never a bound.
	steady bool
}

// drift returns the system drift: the agreement of the sources' drift
// fits, narrowed by the drift kept across a step, widened by the wander
// allowance. A warm start moves the estimate within that interval, never
// the interval itself, and so does a clock that walks: the steadiness
// test at walkingLevel says its frequency has moved within the samples'
// span, so the estimate is the drift over the newest samples
// (recentDrift), which the fits over the whole straight run average away.
func (e *Estimator) drift(now time.Time) drift {
	m := e.measuredDrift()
	region, rate, model := m.region, m.rate, m.model
	if p := e.kept; p.activeAt(now) && narrows(p.iv, region) {
		region = region.intersect(p.iv)
		if !m.ok {
			rate, model = region.mid(), p.model
		} else if p.model == DriftModelEnvelope {
			model = DriftModelEnvelope
		}
	}
	if w := e.warm; w != nil && narrows(*w, region) {
		guess := region.intersect(*w)
		if m.ok {
			rate = guess.clamp(rate)
		} else {
			rate = guess.mid()
		}
	}
	rate = region.clamp(rate)
	proven := region
	if m.ok {
		proven = interval{min(m.proven.lo, region.lo), max(m.proven.hi, region.hi)}
	}
	iv := widen(region, e.cfg.Wander)
	steady, walking := e.clockSteady(rate)
	if walking && m.recentOK {
		// The drift now, not the average the region holds: within the
		// wander allowance of it.
		rate = iv.clamp(m.recent)
	}
	return drift{
		iv: iv, proven: widen(proven, e.cfg.Wander), rate: rate, model: model,
		steady: steady,
	}
}

// widen returns iv widened by w on both sides.
func widen(iv interval, w float64) interval { return interval{iv.lo - w, iv.hi + w} }

// narrows reports whether prior says more than region and agrees with it.
func narrows(prior, region interval) bool {
	return prior.width() < region.width() && prior.overlaps(region)
}

// driftMeasure is what the sources' drift fits agree on.
type driftMeasure struct {
	region interval
	rate   float64
	model  DriftModel
	// proven is the region the samples' intervals prove, before the
	// envelopes narrow it.
	proven interval
	// ok is false when nothing is measured or the fits disagree.
	ok bool
	// recent is the drift over the newest samples (recentDrift), when
	// recentOK: the point's drift while the clock walks.
	recent   float64
	recentOK bool
}

// measuredDrift returns what the sources' drift fits agree on, computed
// once per change of the fits: the drifts their samples' intervals allow
// and, where it says more and passes every check (see envelopeDrift), the
// drift their one-way envelopes show.
func (e *Estimator) measuredDrift() driftMeasure {
	if m := e.measured; m.valid {
		return m.driftMeasure
	}
	var fits []driftFit
	var fitted []*sourceState
	newest := e.newestSample()
	for _, src := range e.list {
		src.driftOutlier, src.apart = false, false
		if src.drift.used >= 2 && src.timeKeeper() {
			f := src.drift
			if src.quietAt(newest) {
				// What the drift was before the silence: now it is
				// within the wander allowance of that.
				f.feasible = widen(f.feasible, e.cfg.Wander).intersect(unknownDrift)
			}
			fits = append(fits, f)
			fitted = append(fitted, src)
		}
	}
	m := driftMeasure{model: DriftModelNone}
	var agreeing []bool
	// A wrong drift would move every source's view, so the drift always
	// allows for one hidden falseticker.
	hidden := max(e.cfg.MaxFalsetickers, 1)
	m.region, m.rate, agreeing, m.ok = driftChoice(fits, hidden)
	if !m.ok {
		m.region, m.rate, agreeing, m.ok = driftChoice(wandered(fits, e.cfg.Wander), hidden)
	}
	for i, src := range fitted {
		src.driftOutlier = m.ok && !agreeing[i]
	}
	if m.ok {
		m.model, m.proven = DriftModelIntervals, m.region
		e.envelopeDrift(&m)
		m.recent, m.recentOK = e.recentDrift()
	}
	e.measured.driftMeasure, e.measured.valid = m, true
	e.steadiness.valid = false
	return m
}

// newestSample returns the local time (since the anchor) of the newest
// sample of any source.
func (e *Estimator) newestSample() int64 {
	newest := int64(math.MinInt64)
	for _, src := range e.list {
		if n := len(src.samples); n > 0 {
			newest = max(newest, src.samples[n-1].at)
		}
	}
	return newest
}

// wandered returns the fits with their feasible drifts widened by the
// wander allowance on both sides. A fit holds the drift averaged over its
// own span of samples, and sources' spans differ (a step of the frequency
// or a contradiction restarts one source's run, not another's): when the
// frequency wanders, honest fits can miss each other by a little, and the
// drift now is within the allowance of each. Agreeing on the widened fits
// keeps the drift known to within a few ppm where no agreement at all
// would leave it at ±MaxFrequencyTolerance; the projection adds the
// allowance once more, so this errs wide.
func wandered(fits []driftFit, wander float64) []driftFit {
	out := make([]driftFit, len(fits))
	for i, f := range fits {
		f.feasible = widen(f.feasible, wander).intersect(unknownDrift)
		out[i] = f
	}
	return out
}

// envelopeDrift narrows the provable drift m to what the sources' one-way
// envelopes agree on, when those of a majority of the sources whose drift
// the intervals measure do (see envelopeAgreement; a source without an
// envelope, or whose two directions disagree, counts against it) and
// their drift lies inside m's region: the envelope region is then
// intersected with m's. Otherwise m stays as proven. Either way a source
// whose envelope disagrees is marked apart: the bound does not trust it
// alone (see hidden), for its clock may be running away from the others'.
func (e *Estimator) envelopeDrift(m *driftMeasure) {
	var ws []oneWay
	var srcs []*sourceState
	fitted := 0
	for _, src := range e.list {
		if src.drift.used < 2 || !src.timeKeeper() || src.driftOutlier {
			continue
		}
		fitted++
		src.apart = src.oneWay.split
		if src.oneWay.ok {
			ws, srcs = append(ws, src.oneWay), append(srcs, src)
		}
	}
	agreeing, n := envelopeAgreement(ws)
	for i, src := range srcs {
		src.apart = !agreeing[i]
	}
	if 2*n <= fitted {
		return
	}
	var sw, swr float64
	agreed := interval{math.Inf(1), math.Inf(-1)}
	for i, w := range ws {
		if agreeing[i] {
			k := driftWeight(w.iv)
			sw, swr = sw+k, swr+k*w.rate
			agreed = interval{min(agreed.lo, w.iv.lo), max(agreed.hi, w.iv.hi)}
		}
	}
	rate := agreed.clamp(swr / sw) // a weighted mean, to within rounding
	region := agreed.intersect(m.region)
	if m.region.clamp(rate) != rate || !(region.width() < m.region.width()) {
		return
	}
	m.region, m.rate, m.model = region, rate, DriftModelEnvelope
}

// envelopeAgreement finds the sources whose envelope drifts agree: those
// within their own width of the median drift, give or take how far the
// sources' drifts typically lie from it (their median absolute
// deviation). Envelopes measured over different spans of a clock whose
// frequency wanders differ a little, by about that much; a clock that
// runs away (a server that lost its reference) differs by far more. n
// counts the sources that agree.
func envelopeAgreement(ws []oneWay) (agreeing []bool, n int) {
	if len(ws) == 0 {
		return nil, 0
	}
	rates := make([]float64, len(ws))
	for i, w := range ws {
		rates[i] = w.rate
	}
	median := nth(rates, len(rates)/2)
	for i, w := range ws {
		rates[i] = math.Abs(w.rate - median)
	}
	spread := nth(rates, len(rates)/2)
	agreeing = make([]bool, len(ws))
	for i, w := range ws {
		gap := max(w.iv.lo-median, median-w.iv.hi, 0)
		if agreeing[i] = gap <= w.iv.width()+spread; agreeing[i] {
			n++
		}
	}
	return agreeing, n
}
