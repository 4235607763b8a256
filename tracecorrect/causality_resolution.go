package tracecorrect

import (
	"slices"

	"github.com/clockwatch/clockwatch/internal/saturate"
)

// limitRange clamps constraint limits so that sums of a few never overflow.
const limitRange = 1 << 60

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
		tc.addConstraint(p.host, c.host, saturate.Sub(c.cstart, p.cstart), false)
		if mustEndWithin(p.kind, c.kind) {
			// c.cend + shift[c] ≤ p.cend + shift[p]
			tc.addConstraint(c.host, p.host, saturate.Sub(p.cend, c.cend), true)
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

// resolveCausality finds the per-host shifts that remove the violations
// left after the offsets, within each measured host's bound. When none
// exist, the end rule is given up; when still none, the trace keeps its
// preferred shifts and counts as unresolved. It reports whether the shifts
// meet every constraint.
func (tc *traceCorrection) resolveCausality() bool {
	tc.bounds = tc.bounds[:0]
	for _, hs := range tc.hosts {
		tc.bounds = append(tc.bounds, hs.bound)
	}
	p := shiftProblem{prefer: tc.prefer, bound: tc.bounds, cons: tc.cons}
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
