package estimator

import (
	"math"
	"slices"
)

// limit describes the sample that limits one end of an interval: the end
// lies meas+root+growth away from the sample's centre moved to the instant
// of the interval.
type limit struct {
	centre, meas, root, growth float64
}

// view is what one source says about the offset at an instant.
type view struct {
	// iv contains the true offset if the source is honest.
	iv interval
	// point is the source's best estimate, inside iv.
	point float64
	// lo and hi say which samples limit iv.
	lo, hi limit
	// reach is where the samples reach when each is moved with the
	// proven drift and the wander allowance over its whole age (see
	// drift.proven): it holds iv, and says how far the source could be
	// off were the envelopes wrong. It weighs the source when sources are
	// combined.
	reach interval
}

// projection moves samples to one instant with a drift interval.
type projection struct {
	now  int64
	rate float64
	// below and above are how fast an interval grows under and over its
	// centre per nanosecond of age.
	below, above float64
}

// newProjection moves samples to now with the drift interval iv around
// rate, over their whole age: iv holds the wander allowance, so a change
// of the clock's frequency within it, at any time, stays inside every
// moved interval.
func newProjection(now int64, iv interval, rate float64) projection {
	return projection{now: now, rate: rate, below: rate - iv.lo, above: iv.hi - rate}
}

// move returns a sample's centre at the projection's instant and how much
// its interval grew below and above the centre.
func (p projection) move(r *record) (centre, under, over float64) {
	dt := float64(p.now - r.at)
	if dt < 0 {
		return r.offset + p.rate*dt, -p.above * dt, -p.below * dt
	}
	return r.offset + p.rate*dt, p.below * dt, p.above * dt
}

// limit describes how the sample's moved interval reaches its upper end
// (or lower, if not upper).
func (p projection) limit(r *record, upper bool) limit {
	centre, under, over := p.move(r)
	if upper {
		return limit{centre, r.meas, r.root, over}
	}
	return limit{centre, r.meas, r.root, under}
}

// ageShare is the share of the drift bound by which a sample's weight
// counts its age beyond the source's memory: the bound is a worst case
// (it includes the wander allowance), and weighing by all of it would
// throw away good older samples. Tuned on the simulator's catalogue.
const ageShare = 0.5

// viewCache is a source's view at its newest sample for one drift. Later
// views follow from it exactly: every moved interval's ends move with the
// ends of the drift interval, so the same samples stay the limiting ones.
type viewCache struct {
	valid bool
	seq   uint64
	d     drift
	at    int64
	v     view
}

// viewAt moves the source's samples to local time now (since the
// estimator's anchor) with the drift d, intersects their intervals, and
// takes a point estimate weighted towards samples that queued little and
// are recent (age counting only beyond the source's memory). ok is false
// when the source has no samples or they disagree.
//
// Every sample moves with the drift and its uncertainty widened by the
// wander allowance over its whole age (see drift).
func (s *sourceState) viewAt(now int64, d drift) (view, bool) {
	if len(s.samples) == 0 {
		return view{}, false
	}
	newest := s.samples[len(s.samples)-1]
	if now < newest.at {
		return s.project(newProjection(now, d.iv, d.rate), d).settle()
	}
	c := &s.cache
	if !c.valid || c.seq != newest.seq || c.d != d {
		*c = viewCache{valid: true, seq: newest.seq, d: d, at: newest.at, v: s.project(newProjection(newest.at, d.iv, d.rate), d)}
	}
	return c.v.later(float64(now-c.at), d).settle()
}

// project computes the source's view with the projection p of the drift
// d; its interval may be empty and its point is not clamped yet.
func (s *sourceState) project(p projection, d drift) view {
	now, wander := p.now, newProjection(p.now, d.proven, d.rate)
	ageCost := max(d.rate-d.iv.lo, d.iv.hi-d.rate) * ageShare
	memory := s.memory(d)
	ends := slices.Grow(s.ends[:0], 2*len(s.samples))[:2*len(s.samples)]
	iv, reach := interval{math.Inf(-1), math.Inf(1)}, interval{math.Inf(-1), math.Inf(1)}
	var sw, swp float64
	for i := range s.samples {
		r := &s.samples[i]
		centre, under, over := p.move(r)
		ends[2*i], ends[2*i+1] = centre-r.half()-under, centre+r.half()+over
		iv.lo, iv.hi = max(iv.lo, ends[2*i]), min(iv.hi, ends[2*i+1])
		_, under, over = wander.move(r)
		reach.lo, reach.hi = max(reach.lo, centre-r.half()-under), min(reach.hi, centre+r.half()+over)
		w := weight(r.scale + ageCost*max(math.Abs(float64(now-r.at))-memory, 0))
		sw += w
		swp += w * centre
	}
	s.ends = ends
	ilo, ihi := 0, 0
	for i := range s.samples {
		if ends[2*i] == iv.lo {
			ilo = i
		}
		if ends[2*i+1] == iv.hi {
			ihi = i
		}
	}
	return view{iv: iv, point: swp / sw, lo: p.limit(&s.samples[ilo], false), hi: p.limit(&s.samples[ihi], true), reach: reach}
}

// later returns the view dt nanoseconds later (dt ≥ 0) under the same
// drift, past every sample: the interval grows with the drift and the
// wander allowance (d.iv), the reach with d.proven.
func (v view) later(dt float64, d drift) view {
	shift, iv := d.rate*dt, d.iv
	v.iv = interval{v.iv.lo + iv.lo*dt, v.iv.hi + iv.hi*dt}
	v.reach = interval{v.reach.lo + d.proven.lo*dt, v.reach.hi + d.proven.hi*dt}
	v.point += shift
	v.lo.centre, v.lo.growth = v.lo.centre+shift, v.lo.growth+(d.rate-iv.lo)*dt
	v.hi.centre, v.hi.growth = v.hi.centre+shift, v.hi.growth+(iv.hi-d.rate)*dt
	return v
}

// settle clamps the point into the interval; ok is false when the
// interval is empty (the samples disagree).
func (v view) settle() (view, bool) {
	if v.iv.empty() || math.IsNaN(v.point) {
		return view{}, false
	}
	v.point = v.iv.clamp(v.point)
	return v, true
}
