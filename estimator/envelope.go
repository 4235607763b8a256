package estimator

import "math"

// The one-way points of an exchange: offset − delay/2 is T1−T2, the true
// offset minus the delay on the way to the reference, and offset + delay/2
// is T4−T3, the true offset plus the delay on the way back. A path's
// minimum delay is constant between route changes, so each direction's
// points have an envelope (from above for the first, from below for the
// second) that is a straight line with the drift as its slope, set by the
// exchanges that queued least (Moon, Skelly and Towsley, INFOCOM 1999).
//
// The functions here work on oriented points: the second direction's
// offsets are negated, so both envelopes are upper envelopes and a longer
// delay always moves a point down.

// envelope is what one direction's envelope says about the drift.
type envelope struct {
	// rate is the slope of the envelope: the line above every point whose
	// mean height above them is least (Moon, Skelly and Towsley's linear
	// program), a tangent of the points' upper hull.
	rate float64
	// height is the envelope's value at x = 0: it is rate·x + height.
	height float64
	// iv holds the slopes of the lines above every point that pass, in
	// the first and in the last third of the span, within that third's
	// scatter near the envelope of some point (see band).
	iv interval
	// scatter is the larger of the two thirds' scatter, in nanoseconds.
	scatter float64
	ok      bool
}

// envelopeScratch is reused between the fits of one source.
type envelopeScratch struct {
	hull, early, late []point
	residuals         []float64
}

// minThirdPoints is the fewest points each outer third of the span must
// hold for an envelope to be fitted (see scatterNear), and
// minEnvelopePoints the fewest points in all.
const (
	minThirdPoints    = 8
	minEnvelopePoints = 3 * minThirdPoints
)

// fitEnvelope fits the upper envelope of pts, which are ordered by strictly
// increasing x. floor is the least scatter a point can have (the timestamps'
// resolution); buf is scratch space. ok is false when the points are too
// few or span no time.
func fitEnvelope(pts []point, floor float64, buf *envelopeScratch) envelope {
	n := len(pts)
	if n < minEnvelopePoints || !(pts[n-1].x > pts[0].x) {
		return envelope{}
	}
	buf.hull = upperHull(pts, buf.hull[:0])
	var sum float64
	for _, p := range pts {
		sum += p.x
	}
	rate := tangentAt(buf.hull, sum/float64(n))
	if !(math.Abs(rate) <= MaxFrequencyTolerance) {
		return envelope{}
	}
	height := supportHeight(buf.hull, rate)
	third := (pts[n-1].x - pts[0].x) / 3
	early, late := 0, n
	for early < n && pts[early].x <= pts[0].x+third {
		early++
	}
	for late > 0 && pts[late-1].x >= pts[n-1].x-third {
		late--
	}
	if early < minThirdPoints || n-late < minThirdPoints {
		return envelope{}
	}
	epsEarly := max(buf.scatterNear(pts[:early], rate, height), floor)
	epsLate := max(buf.scatterNear(pts[late:], rate, height), floor)
	buf.early, buf.late = upperHull(pts[:early], buf.early[:0]), upperHull(pts[late:], buf.late[:0])
	b := band{all: buf.hull, early: buf.early, late: buf.late}
	iv := interval{b.lowest(rate, epsEarly), b.highest(rate, epsLate)}.intersect(unknownDrift)
	return envelope{rate: rate, height: height, iv: iv, scatter: max(epsEarly, epsLate), ok: true}
}

// straightEnvelope fits the upper envelope of pts (see fitEnvelope) over
// the newest span on which it is one straight line as far as the points
// can tell: while the envelope of the newest half of the span has slopes
// the whole's band excludes (the drift changed within the span), the
// older half is left out. The band is then widened to hold the newest
// half's band too: the envelope's slope is the drift averaged over the
// span, and the drift now may differ from that average by as much as
// the halves' bands cannot tell apart. It returns the envelope and the
// index of the first point it was fitted on.
func straightEnvelope(pts []point, floor float64, buf *envelopeScratch) (env envelope, first int) {
	env = fitEnvelope(pts, floor, buf)
	for env.ok {
		half := first
		mid := (pts[first].x + pts[len(pts)-1].x) / 2
		for pts[half].x < mid {
			half++
		}
		newer := fitEnvelope(pts[half:], floor, buf)
		if !newer.ok {
			break
		}
		if newer.iv.overlaps(env.iv) {
			env.iv = interval{min(env.iv.lo, newer.iv.lo), max(env.iv.hi, newer.iv.hi)}
			break
		}
		env, first = newer, half
	}
	return env, first
}

// upperHull appends the vertices of the upper convex hull of pts (ordered
// by increasing x) to hull, left to right (Andrew's monotone chain, O(n)).
func upperHull(pts []point, hull []point) []point {
	for _, p := range pts {
		for len(hull) >= 2 && cross(hull[len(hull)-2], hull[len(hull)-1], p) >= 0 {
			hull = hull[:len(hull)-1]
		}
		hull = append(hull, p)
	}
	return hull
}

// tangentAt returns the slope of the hull above x: the line through the
// hull's edge over x lies above every point, and among such lines its
// height at x, the points' mean time, is least, which is the same as the
// least mean height above the points. At a vertex every slope between its
// two edges' is as good; the mean of the two is taken.
func tangentAt(hull []point, x float64) float64 {
	k := 1
	for k < len(hull)-1 && hull[k].x < x {
		k++
	}
	s := slope(hull[k-1], hull[k])
	if hull[k].x == x && k < len(hull)-1 {
		s = (s + slope(hull[k], hull[k+1])) / 2
	}
	return s
}

// supportHeight is the intercept of the lowest line of slope k above every
// vertex: max(y − k·x).
func supportHeight(pts []point, k float64) float64 {
	h := math.Inf(-1)
	for _, p := range pts {
		h = max(h, p.y-k*p.x)
	}
	return h
}

// scatterNear is how far the points near the envelope lie below the line
// k·x + h: the median of their residuals. If the true envelope passed
// farther than that above every point of a third of m points, half of
// their delays would all have queued less than the least of them: the
// chance is about 0.5^m, 0.4 % for the fewest points a third may hold.
func (buf *envelopeScratch) scatterNear(pts []point, k, h float64) float64 {
	res := buf.residuals[:0]
	for _, p := range pts {
		res = append(res, k*p.x+h-p.y)
	}
	buf.residuals = res
	return nth(res, len(res)/2)
}

// band finds the slopes of the lines above every point (all holds the
// upper hull's vertices) that pass within a scatter of some point of the
// early third and within a scatter of some point of the late third (early
// and late hold the upper hulls of those thirds: the points below them are
// never nearest).
// Under the envelope's assumption the true envelope is such a line.
//
// For slope k, the lowest line above every point has intercept
// supportHeight(all, k); its gap above the early third is that minus
// supportHeight(early, k). Steeper lines meet the early points sooner, so
// the gap shrinks as k grows (and the late third's grows): each end of
// the band is where one gap reaches its scatter, found by bisection in a
// fixed number of steps.
type band struct {
	all, early, late []point
}

// bandSteps is how many bisection steps find an end of the band: 2⁻⁴⁰ of
// the bracket, far below any slope that matters.
const bandSteps = 40

// gap is how far the lowest line of slope k above every point passes above
// the nearest of pts.
func (b band) gap(pts []point, k float64) float64 {
	return supportHeight(b.all, k) - supportHeight(pts, k)
}

// lowest returns the smallest slope whose line passes within eps of the
// early third; from is a slope inside the band.
func (b band) lowest(from, eps float64) float64 {
	return b.end(from, -1, func(k float64) bool { return b.gap(b.early, k) <= eps })
}

// highest returns the largest slope whose line passes within eps of the
// late third; from is a slope inside the band.
func (b band) highest(from, eps float64) float64 {
	return b.end(from, 1, func(k float64) bool { return b.gap(b.late, k) <= eps })
}

// end walks from the slope from in direction dir (±1) to where inside
// stops holding, doubling the step to bracket it and then bisecting. The
// band never reaches past unknownDrift, the widest drift a clock has.
func (b band) end(from, dir float64, inside func(float64) bool) float64 {
	limit := unknownDrift.hi
	if dir < 0 {
		limit = unknownDrift.lo
	}
	in, step := from, 1e-9
	out := from + dir*step
	for inside(out) {
		if in = out; dir*(in-limit) >= 0 {
			return limit
		}
		step *= 2
		out = from + dir*step
	}
	for range bandSteps {
		mid := (in + out) / 2
		if inside(mid) {
			in = mid
		} else {
			out = mid
		}
	}
	return in
}

// A level shift of an envelope shows as a run of the newest points: a
// point above the envelope no queueing explains (a delay shrank, or the
// drift changed), or every point below it by more than its own queueing
// varies (a delay grew, or the drift changed).
const (
	// riseRun points are looked at for a rise; half of them must lie
	// shiftRise scatters of the envelope above the farthest it can be.
	riseRun   = 8
	shiftRise = 2
	// dropRun points are looked at for a drop; every one must lie below
	// the nearest the envelope can be, the least of them by shiftDrop
	// times its distance to their median. Exponential queueing does that
	// by chance about once in 10⁵ runs.
	dropRun   = 16
	shiftDrop = 3
)

// levelShift looks for a level shift among the newest points of pts
// (ordered by strictly increasing x), fitting the envelope of the points
// before them; it returns the index of the first point after the shift,
// or −1 if there is none, and whether the points rose. buf is scratch
// space.
func levelShift(pts []point, floor float64, buf *envelopeScratch) (int, bool) {
	if first := rise(pts, floor, buf); first >= 0 {
		return first, true
	}
	return drop(pts, floor, buf), false
}

// reach returns where the envelope of pts[:n−run] can be at x: the fitted
// line, with the slope anywhere in its band past the last point fitted,
// widened by the scatter. ok is false when there is no envelope.
func reach(pts []point, run int, floor float64, buf *envelopeScratch) (lo, hi func(float64) float64, env envelope, ok bool) {
	n := len(pts)
	if n < minEnvelopePoints+run {
		return nil, nil, envelope{}, false
	}
	env = fitEnvelope(pts[:n-run], floor, buf)
	last := pts[n-run-1].x
	lo = func(x float64) float64 {
		return env.rate*x + env.height - (env.rate-env.iv.lo)*max(x-last, 0) - env.scatter
	}
	hi = func(x float64) float64 {
		return env.rate*x + env.height + (env.iv.hi-env.rate)*max(x-last, 0) + env.scatter
	}
	return lo, hi, env, env.ok
}

// rise returns the first of the newest riseRun points that lie too high
// if half of them do, or −1.
func rise(pts []point, floor float64, buf *envelopeScratch) int {
	_, hi, env, ok := reach(pts, riseRun, floor, buf)
	if !ok {
		return -1
	}
	first, rises := -1, 0
	for i := len(pts) - riseRun; i < len(pts); i++ {
		if pts[i].y > hi(pts[i].x)+shiftRise*env.scatter {
			if rises++; first < 0 {
				first = i
			}
		}
	}
	if 2*rises < riseRun {
		return -1
	}
	return first
}

// drop returns the first point of a run at the end of pts that lies too
// low, or −1.
func drop(pts []point, floor float64, buf *envelopeScratch) int {
	lo, _, _, ok := reach(pts, dropRun, floor, buf)
	if !ok {
		return -1
	}
	n := len(pts)
	below := buf.residuals[:0]
	least := math.Inf(1)
	for _, p := range pts[n-dropRun:] {
		below = append(below, lo(p.x)-p.y)
		least = min(least, lo(p.x)-p.y)
	}
	buf.residuals = below
	if !(least > 0) || least <= shiftDrop*(nth(below, dropRun/2)-least) {
		return -1
	}
	first := n - dropRun
	for first > 0 && lo(pts[first-1].x)-pts[first-1].y >= least {
		first--
	}
	return first
}
