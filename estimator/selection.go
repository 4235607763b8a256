package estimator

import "math"

// choice is the combined knowledge of the sources at an instant.
type choice struct {
	// known is false when too few sources answered for the bound to mean
	// anything.
	known bool
	// majority is set when a majority of the live sources agrees.
	majority bool
	// bounds contains the true offset; lo and hi say which samples limit
	// it.
	bounds interval
	lo, hi limit
	// point is the estimate, inside bounds.
	point float64
	// selected[i] marks the sources combined into point.
	selected []bool
}

// choose selects and combines the views of the sources that define time.
// live is how many such sources could have answered; hidden is how many
// falsetickers the bound allows for when none shows (see agree), and
// trusted (nil, or one per view) marks the sources not on probation: when
// a source on probation is what raised hidden, the region may also be
// held to the views of the trusted ones (see trustedRegion). Normally the bound is
// the region a majority agrees on; while sources disagree after a step
// (transition) it is the hull of every view, so that it holds whichever
// side is right. Without a majority the hull is still a bound when more
// than half of the live sources answered (one of them must be honest);
// otherwise nothing is known.
func choose(views []view, live, hidden int, trusted []bool, transition bool) choice {
	if len(views) == 0 {
		return choice{}
	}
	ivs := make([]interval, len(views))
	for i, v := range views {
		ivs[i] = v.iv
	}
	a := agree(ivs, live, hidden)
	c := choice{known: true, majority: a.ok, selected: a.truechimers}
	if a.ok {
		if hidden > 0 && trusted != nil {
			a.region = trustedRegion(ivs, a.region, trusted, live)
		}
		c.bounds, c.lo, c.hi = a.region, lowLimit(views, a.region.lo), highLimit(views, a.region.hi)
		c.point = combine(views, a.truechimers)
	}
	if transition || !a.ok {
		h := hull(ivs)
		c.bounds, c.lo, c.hi = h, lowLimit(views, h.lo), highLimit(views, h.hi)
		if !a.ok {
			c.point, c.known = h.mid(), 2*len(views) > live
			c.selected = make([]bool, len(views))
		}
	}
	c.point = c.bounds.clamp(c.point)
	return c
}

// combine weighs the selected sources' point estimates by the inverse
// square of their reach (view.reach): a source far away, with a loose
// bound or with old information could be off by more, whether from
// queueing, from path asymmetry or from a change of the frequency. The
// reach rests on the proven drift only, so the envelopes' assumption
// narrows the bound but does not decide which source the offset follows.
func combine(views []view, selected []bool) float64 {
	var sw, swp float64
	for i, v := range views {
		if selected[i] {
			w := weight(v.reach.radiusFrom(v.point))
			sw += w
			swp += w * v.point
		}
	}
	return swp / sw
}

// lowLimit returns the limit of the view whose interval starts at lo.
func lowLimit(views []view, lo float64) limit {
	for _, v := range views {
		if v.iv.lo == lo {
			return v.lo
		}
	}
	return limit{centre: lo}
}

// highLimit returns the limit of the view whose interval ends at hi.
func highLimit(views []view, hi float64) limit {
	for _, v := range views {
		if v.iv.hi == hi {
			return v.hi
		}
	}
	return limit{centre: hi}
}

// driftChoice combines the sources' drift fits: the region of drifts a
// majority of them allows and the rate, weighted by how tight each fit is.
// agreeing marks the fits that reach the majority's region. ok is false
// when no fits agree.
func driftChoice(fits []driftFit, hidden int) (region interval, rate float64, agreeing []bool, ok bool) {
	ivs := make([]interval, len(fits))
	for i, f := range fits {
		ivs[i] = f.feasible
	}
	a := agree(ivs, len(ivs), hidden)
	if !a.ok {
		return unknownDrift, 0, nil, false
	}
	var sw, swr float64
	for i, f := range fits {
		if a.truechimers[i] {
			w := driftWeight(f.feasible)
			sw += w
			swr += w * f.rate
		}
	}
	return a.region, a.region.clamp(swr / sw), a.truechimers, true
}

// trustedRegion narrows region, which agree allowed for a hidden
// falseticker in, to the intersection of the trusted sources' intervals,
// when every interval that answered shares a point and the trusted
// sources are a majority of the n live sources (n as agree counts them).
// The falseticker a hidden one allows for is a source on probation: new,
// suspect, moved or apart. Were none on probation, the region would be
// the intersection of every interval (agree with no falseticker to allow
// for: NTP's rule, Config.MaxFalsetickers 0), which relies on every
// source; the narrowed one relies on the same sources but the ones on
// probation, so the truth lies in it whenever it lies in that one, and in
// region besides. A source on probation is still not trusted alone, but
// it no longer costs the bound the best trusted source on each side (the
// second-best bound agree's count leaves). Where the intervals do not all
// share a point, region already allows for a falseticker it cannot name,
// which may be a trusted source (one that disagrees with the source on
// probation only): region stays. So it does where the trusted sources
// are a minority (two sources whose envelopes disagree do not say which
// is wrong).
func trustedRegion(ivs []interval, region interval, trusted []bool, n int) interval {
	all, common, count := interval{math.Inf(-1), math.Inf(1)}, interval{math.Inf(-1), math.Inf(1)}, 0
	for i, iv := range ivs {
		all = all.intersect(iv)
		if trusted[i] {
			common, count = common.intersect(iv), count+1
		}
	}
	if all.empty() || 2*count <= max(n, len(ivs)) {
		return region
	}
	return region.intersect(common)
}
