package tracecorrect

import (
	"math"
	"slices"

	"github.com/clockwatch/clockwatch/internal/saturate"
)

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
			tc.lo[c.v] = max(tc.lo[c.v], saturate.Sub(tc.prefer[c.u], c.limit))
			touched = true
		case tc.placed[c.v] && !tc.placed[c.u]: // shift[u] ≤ shift[v] + limit
			tc.hi[c.u] = min(tc.hi[c.u], saturate.Add(tc.prefer[c.v], c.limit))
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
