package tracecorrect

import (
	"math"
	"slices"
	"time"
)

// limitRange clamps constraint limits so that sums of a few never overflow.
const limitRange = 1 << 60

// hostState is what the correction of one trace knows about one of its hosts.
type hostState struct {
	tl       *timeline // nil when the host is unmeasured in this trace
	bound    int64     // error bound over the host's spans, or unbounded
	from, to int64     // earliest start and latest end of its spans
}

// traceCorrection corrects the traces of one batch index, one at a time,
// reusing its buffers.
type traceCorrection struct {
	opts       Options
	growth     boundGrowth
	ix         *batchIndex
	timelines  []*timeline // per batch host; nil without offsets
	unmeasured []bool      // per batch host: unmeasured in some trace
	view       *traceView
	hosts      []hostState
	prefer     []int64 // per trace host: shift before causality resolution
	shift      []int64 // per trace host: final causality shift
	placed     []bool
	lo, hi     []int64
	cons       []shiftConstraint
	consAt     map[uint64]int32
	terms      []rpcTerm
	sum        Summary
}

// newTraceCorrection prepares the correction of ix with c's offsets.
func newTraceCorrection(c *Corrector, ix *batchIndex) *traceCorrection {
	tc := &traceCorrection{
		opts:       c.opts,
		growth:     c.growth,
		ix:         ix,
		timelines:  make([]*timeline, len(ix.hostNames)),
		unmeasured: make([]bool, len(ix.hostNames)),
		view:       newTraceView(ix),
		consAt:     map[uint64]int32{},
	}
	for i, name := range ix.hostNames {
		tc.timelines[i] = c.timelines[name]
	}
	return tc
}

// correct corrects the trace made of the spans members.
func (tc *traceCorrection) correct(members []int32) {
	v := tc.view
	v.load(tc.ix, members)
	tc.sum.Traces++
	tc.sum.Spans += len(v.spans)
	tc.sum.ViolationsBefore += v.countViolations(true)
	tc.measureHosts()
	tc.applyOffsets()
	tc.buildConstraints()
	tc.placeUnmeasured()
	if tc.resolveCausality() && !tc.opts.MinimalShifts {
		tc.centerRPCs()
	}
	tc.writeBack()
	tc.sum.ViolationsAfter += v.countViolations(false)
}

// measureHosts decides per host whether its offsets cover this trace, and
// the bound that holds over all of its spans.
func (tc *traceCorrection) measureHosts() {
	v := tc.view
	tc.hosts = slices.Grow(tc.hosts[:0], len(v.hosts))[:len(v.hosts)]
	for h := range tc.hosts {
		tc.hosts[h] = hostState{from: math.MaxInt64, to: math.MinInt64}
	}
	for i := range v.spans {
		s := &v.spans[i]
		hs := &tc.hosts[s.host]
		hs.from, hs.to = min(hs.from, s.start), max(hs.to, s.end)
	}
	maxAge := int64(tc.opts.MaxAge)
	for h := range tc.hosts {
		hs := &tc.hosts[h]
		tl := tc.timelines[v.hosts[h]]
		if tl == nil || min(tl.age(hs.from), tl.age(max(hs.to, hs.from))) > maxAge {
			hs.bound = unbounded
			tc.unmeasured[v.hosts[h]] = true
			continue
		}
		hs.tl = tl
		hs.bound = tl.minBound(hs.from, hs.to, tc.growth)
	}
}

// applyOffsets moves every time of a measured host by the host's offset at
// that time: corrected = recorded − offset.
func (tc *traceCorrection) applyOffsets() {
	v := tc.view
	for i := range v.spans {
		s := &v.spans[i]
		if tl := tc.hosts[s.host].tl; tl != nil {
			s.cstart = tc.correctTime(tl, s.start)
			s.cend = tc.correctTime(tl, s.end)
		}
	}
}

// correctTime subtracts the offset at host time t.
func (tc *traceCorrection) correctTime(tl *timeline, t int64) int64 {
	offset, _ := tl.lookup(t, tc.growth)
	return subSat(t, offset)
}

// buildConstraints turns every parent–child pair on two hosts into a
// constraint on the hosts' shifts, keeping the tightest per host pair.
func (tc *traceCorrection) buildConstraints() {
	v := tc.view
	tc.cons = tc.cons[:0]
	clear(tc.consAt)
	for i := range v.spans {
		c := &v.spans[i]
		if c.parent < 0 {
			continue
		}
		p := &v.spans[c.parent]
		if p.host == c.host {
			continue
		}
		// c.cstart + shift[c] ≥ p.cstart + shift[p]
		tc.addConstraint(p.host, c.host, subSat(c.cstart, p.cstart), false)
		if mustEndWithin(p.kind, c.kind) {
			// c.cend + shift[c] ≤ p.cend + shift[p]
			tc.addConstraint(c.host, p.host, subSat(p.cend, c.cend), true)
		}
	}
}

// addConstraint adds shift[u] − shift[v] ≤ limit, or tightens the one there.
func (tc *traceCorrection) addConstraint(u, v int32, limit int64, end bool) {
	limit = min(max(limit, -limitRange), limitRange)
	key := uint64(u)<<33 | uint64(v)<<1
	if end {
		key |= 1
	}
	if at, ok := tc.consAt[key]; ok {
		tc.cons[at].limit = min(tc.cons[at].limit, limit)
		return
	}
	tc.consAt[key] = int32(len(tc.cons))
	tc.cons = append(tc.cons, shiftConstraint{u: u, v: v, limit: limit, end: end})
}

// placeUnmeasured picks the preferred shift of each unmeasured host from
// causality alone, outward from the hosts already placed.
func (tc *traceCorrection) placeUnmeasured() {
	n := len(tc.hosts)
	tc.prefer = slices.Grow(tc.prefer[:0], n)[:n]
	tc.placed = slices.Grow(tc.placed[:0], n)[:n]
	clear(tc.prefer)
	anyPlaced := false
	for h := range tc.hosts {
		tc.placed[h] = tc.hosts[h].tl != nil
		anyPlaced = anyPlaced || tc.placed[h]
	}
	if !anyPlaced {
		tc.placed[tc.rootHost()] = true
	}
	for tc.placeNeighbours() || tc.anchorOne() {
	}
}

// rootHost is the host of the first span without a parent.
func (tc *traceCorrection) rootHost() int32 {
	for i := range tc.view.spans {
		if tc.view.spans[i].parent < 0 {
			return tc.view.spans[i].host
		}
	}
	return 0
}

// anchorOne places the first unplaced host where it is, reporting whether
// there was one.
func (tc *traceCorrection) anchorOne() bool {
	for h, placed := range tc.placed {
		if !placed {
			tc.placed[h] = true
			return true
		}
	}
	return false
}

// placeNeighbours places every unplaced host that shares a constraint with
// a placed one, and reports whether it placed any.
func (tc *traceCorrection) placeNeighbours() bool {
	n := len(tc.hosts)
	tc.lo = slices.Grow(tc.lo[:0], n)[:n]
	tc.hi = slices.Grow(tc.hi[:0], n)[:n]
	for h := range n {
		tc.lo[h], tc.hi[h] = math.MinInt64, math.MaxInt64
	}
	touched := false
	for _, c := range tc.cons {
		switch {
		case tc.placed[c.u] && !tc.placed[c.v]: // shift[v] ≥ shift[u] − limit
			tc.lo[c.v] = max(tc.lo[c.v], subSat(tc.prefer[c.u], c.limit))
			touched = true
		case tc.placed[c.v] && !tc.placed[c.u]: // shift[u] ≤ shift[v] + limit
			tc.hi[c.u] = min(tc.hi[c.u], addSat(tc.prefer[c.v], c.limit))
			touched = true
		}
	}
	if !touched {
		return false
	}
	for h := range n {
		if !tc.placed[h] && (tc.lo[h] != math.MinInt64 || tc.hi[h] != math.MaxInt64) {
			tc.prefer[h] = placeWithin(tc.lo[h], tc.hi[h])
			tc.placed[h] = true
		}
	}
	return true
}

// placeWithin picks an unmeasured host's shift from the window [lo, hi]
// causality allows: none if 0 is in it; its middle when both ends are known
// (request and response took equally long, as Jaeger's adjuster assumes, or
// a compromise when the window is empty); else the nearest end.
func placeWithin(lo, hi int64) int64 {
	switch {
	case lo <= 0 && 0 <= hi:
		return 0
	case lo == math.MinInt64:
		return hi
	case hi == math.MaxInt64:
		return lo
	default:
		return lo/2 + hi/2
	}
}

// resolveCausality finds the per-host shifts that remove the violations
// left after the offsets, within each measured host's bound. When none
// exist, the end rule is given up; when still none, the trace keeps its
// preferred shifts and counts as unresolved. It reports whether the shifts
// meet every constraint.
func (tc *traceCorrection) resolveCausality() bool {
	bounds := make([]int64, len(tc.hosts))
	for h, hs := range tc.hosts {
		bounds[h] = hs.bound
	}
	p := shiftProblem{prefer: tc.prefer, bound: bounds, cons: tc.cons}
	if p.satisfied(tc.prefer) {
		tc.shift = append(tc.shift[:0], tc.prefer...)
		return true
	}
	if x, ok := p.solve(); ok {
		tc.shift = append(tc.shift[:0], x...)
		return true
	}
	tc.sum.UnresolvedTraces++
	p.cons = slices.DeleteFunc(slices.Clone(tc.cons), func(c shiftConstraint) bool { return c.end })
	x, ok := p.solve()
	if !ok {
		x = tc.prefer
	}
	tc.shift = append(tc.shift[:0], x...)
	return false
}

// summary returns what the correction did so far.
func (tc *traceCorrection) summary() Summary {
	s := tc.sum
	s.UnmeasuredHosts = nil
	for h, unmeasured := range tc.unmeasured {
		if unmeasured {
			s.UnmeasuredHosts = append(s.UnmeasuredHosts, tc.ix.hostNames[h])
		}
	}
	slices.Sort(s.UnmeasuredHosts)
	return s
}

// absDuration is |d| in nanoseconds, saturating.
func absDuration(d int64) time.Duration {
	if d < 0 {
		d = subSat(0, d)
	}
	return time.Duration(d)
}
