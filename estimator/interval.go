package estimator

import (
	"cmp"
	"slices"
)

// interval is a closed range [lo, hi] of values (offsets in nanoseconds or
// drift ratios) that contains the true value when its assumptions hold.
type interval struct {
	lo, hi float64
}

// around returns [center−half, center+half].
func around(center, half float64) interval {
	return interval{center - half, center + half}
}

func (iv interval) empty() bool { return iv.lo > iv.hi }

func (iv interval) mid() float64 { return (iv.lo + iv.hi) / 2 }

func (iv interval) width() float64 { return iv.hi - iv.lo }

// shift returns iv moved by d.
func (iv interval) shift(d float64) interval { return interval{iv.lo + d, iv.hi + d} }

// intersect returns the common part of iv and o; it is empty when they do
// not overlap.
func (iv interval) intersect(o interval) interval {
	return interval{max(iv.lo, o.lo), min(iv.hi, o.hi)}
}

// overlaps reports whether iv and o share at least one point.
func (iv interval) overlaps(o interval) bool { return !iv.intersect(o).empty() }

// clamp returns the point of iv closest to x.
func (iv interval) clamp(x float64) float64 { return min(max(x, iv.lo), iv.hi) }

// radiusFrom is the largest distance from x to a point of iv: the error
// bound of estimate x when the truth lies somewhere in iv.
func (iv interval) radiusFrom(x float64) float64 { return max(x-iv.lo, iv.hi-x) }

// hull returns the smallest interval containing all of ivs.
func hull(ivs []interval) interval {
	h := ivs[0]
	for _, iv := range ivs[1:] {
		h = interval{min(h.lo, iv.lo), max(h.hi, iv.hi)}
	}
	return h
}

// agreement is the outcome of selecting intervals that agree.
type agreement struct {
	// region contains the truth when no more sources are wrong than
	// agree assumes: the hull of the points covered by at least n−F
	// intervals.
	region interval
	// truechimers[i]: interval i reaches the points covered by the most
	// intervals (NTP's selection, with the fewest falsetickers that leave
	// a non-empty intersection).
	truechimers []bool
	// ok: a majority of the n sources agrees.
	ok bool
}

// edge is one end of an interval, for the sweeps of agree.
type edge struct {
	at    float64
	start bool
}

// agree runs the NTP intersection algorithm (Marzullo's algorithm, RFC 5905
// section 11.2.1) over the intervals of the sources that answered, out of n
// sources that should have (n ≥ len(ivs); the missing ones count as
// possibly wrong, so a minority that answered first cannot win). It finds
// the fewest falsetickers f < n/2 that leave points covered by n−f
// intervals, and the truechimers that reach them.
//
// The region it returns is a bound, so besides the f falsetickers it
// allows for hidden (at most a minority) among the sources that answered:
// hidden is how many may be wrong while their intervals still overlap the
// others', as a server drifting away on its own does for a while. Such a
// falseticker cannot squeeze the region past the truth; NTP's intersection
// would let it, and so would counting the sources that have not answered
// yet as the wrong ones.
func agree(ivs []interval, n, hidden int) agreement {
	n = max(n, len(ivs))
	if len(ivs) == 0 {
		return agreement{}
	}
	edges := sortedEdges(ivs)
	for f := 0; 2*f < n; f++ {
		best, ok := covered(edges, n-f)
		if !ok {
			continue
		}
		a := agreement{region: best, truechimers: make([]bool, len(ivs)), ok: true}
		for i, iv := range ivs {
			a.truechimers[i] = iv.overlaps(best)
		}
		// Of the sources that answered, up to hidden may be wrong on top
		// of the ones that did not: while some have not answered, the f
		// that NTP's count allows for may all be among them.
		if need := len(ivs) - min(hidden, (n-1)/2); need < n-f {
			a.region, _ = covered(edges, need)
		}
		return a
	}
	return agreement{}
}

// sortedEdges returns the ends of ivs sorted upwards; at equal values a
// start comes before an end, as the intervals are closed.
func sortedEdges(ivs []interval) []edge {
	edges := make([]edge, 0, 2*len(ivs))
	for _, iv := range ivs {
		edges = append(edges, edge{iv.lo, true}, edge{iv.hi, false})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		switch {
		case a.start == b.start:
			return 0
		case a.start:
			return -1
		default:
			return 1
		}
	})
	return edges
}

// covered returns the hull of the points covered by at least need
// intervals; ok is false when there are none.
func covered(edges []edge, need int) (interval, bool) {
	lo, okLo := firstCovered(edges, need)
	hi, okHi := lastCovered(edges, need)
	return interval{lo, hi}, okLo && okHi && lo <= hi
}

// firstCovered sweeps sorted edges upwards and returns the first value
// covered by at least need intervals.
func firstCovered(edges []edge, need int) (float64, bool) {
	count := 0
	for _, e := range edges {
		if !e.start {
			count--
			continue
		}
		if count++; count >= need {
			return e.at, true
		}
	}
	return 0, false
}

// lastCovered sweeps sorted edges downwards and returns the last value
// covered by at least need intervals.
func lastCovered(edges []edge, need int) (float64, bool) {
	count := 0
	for i := len(edges) - 1; i >= 0; i-- {
		if edges[i].start {
			count--
			continue
		}
		if count++; count >= need {
			return edges[i].at, true
		}
	}
	return 0, false
}
