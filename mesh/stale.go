package mesh

import (
	"cmp"
	"math"
	"slices"
)

// predatesStep reports whether e was taken before To's last step, as its
// agent counted it: Taken, on From's clock, is Taken − Offset on To's.
func predatesStep(e Edge) bool {
	return !e.Taken.IsZero() && !e.ToStep.IsZero() && e.Taken.Add(-e.Offset).Before(e.ToStep)
}

// movedAgreeing is how many other hosts must be on each side of a host's
// move: one measurement alone may be wrong at its other end (taken before
// that host stepped, or corrected by a solution that stale measurements
// pulled off).
const movedAgreeing = 3

// movePasses is the most times Infer looks again for the hosts that moved
// and solves again: a host that stale measurements pulled off is set right
// only once they are left out, and then shows the others as they are.
const movePasses = 4

// current reports whether link l of host i is used: it was not taken
// before the last step of its To (predatesStep) nor before either host
// last moved.
func (g *graph) current(i int, l link) bool {
	return !g.leftOut[l.edge] && l.when >= g.movedAt[i] && l.when >= g.movedAt[l.other]
}

// date sets every link's time in the fleet's time, from the solution:
// Edge.Taken, on the clock of the host that took it, less that host's
// offset.
func (g *graph) date() {
	for i, ls := range g.links {
		for k, l := range ls {
			if l.taken == 0 {
				continue
			}
			by := l.other
			if l.own {
				by = i
			}
			ls[k].when = float64(l.taken) - g.x[by]
		}
	}
}

// moves finds, from the solution, when each host last moved (movedAt), and
// reports whether that changed anything.
func (g *graph) moves() bool {
	next := make([]float64, len(g.links))
	var order []link
	var scratch []float64
	g.width = g.widths(g.width)
	for i, ls := range g.links {
		order = order[:0]
		for _, l := range ls {
			// A link older than its other host's move describes that
			// host as it was, which its solved offset no longer is: it
			// says nothing of when this host moved.
			if !g.leftOut[l.edge] && l.taken != 0 && l.when >= g.movedAt[l.other] {
				order = append(order, l)
			}
		}
		slices.SortFunc(order, func(a, b link) int { return cmp.Or(cmp.Compare(b.when, a.when), compareLinks(a, b)) })
		next[i], scratch = g.moved(order, scratch)
	}
	changed := !slices.Equal(next, g.movedAt)
	g.movedAt = next
	return changed
}

// widths returns, into out, how well each host's solved offset is known:
// the median radius of its current links. Most of a host's measurements
// hold its true offset within their radius, so their median does within
// about that; a host known only over slow or asymmetric paths (a rerouted
// rack) is known only that well, however tight the links within its rack.
func (g *graph) widths(out []float64) []float64 {
	out = slices.Grow(out[:0], len(g.links))[:len(g.links)]
	var radii []float64
	for i, ls := range g.links {
		radii = radii[:0]
		for _, l := range ls {
			if g.current(i, l) {
				radii = append(radii, l.radius+floor)
			}
		}
		out[i] = median(radii)
	}
	return out
}

// moved returns when a host last moved, from its links newest first
// (order), or -Inf. Each link says where the host is: its offset corrected
// by the other host's solved offset, within its radius and how well that
// host is known (its spread and width). The host moved at the newest split
// where most of the newer links agree with their median and most of the
// older ones miss the range where those agree, each side from at least
// movedAgreeing other hosts: its clock stepped, or is drifting away, and
// the older links describe it as it was. Valid measurements all hold the
// host's true offset, so they never miss each other: only a host that
// moved, or most of whose older links are wrong at their other ends, is
// split. The split is the time of the oldest newer link.
func (g *graph) moved(order []link, scratch []float64) (float64, []float64) {
	for k := movedAgreeing; k < len(order); k++ {
		scratch = scratch[:0]
		for _, l := range order[:k] {
			scratch = append(scratch, g.x[l.other]+l.offset)
		}
		m := median(scratch)
		lo, hi := math.Inf(-1), math.Inf(1)
		agree := func(l link) bool {
			c, r := g.x[l.other]+l.offset, l.radius+g.dev[l.other]+g.width[l.other]
			if math.Abs(c-m) > r {
				return false
			}
			lo, hi = max(lo, c-r), min(hi, c+r)
			return true
		}
		contradicts := func(l link) bool {
			c, r := g.x[l.other]+l.offset, l.radius+g.dev[l.other]+g.width[l.other]
			return c-r > hi || c+r < lo
		}
		if g.most(order[:k], agree) && g.most(order[k:], contradicts) {
			return order[k-1].when, scratch
		}
	}
	return math.Inf(-1), scratch
}

// most reports whether more than half of links hold, from at least
// movedAgreeing other hosts.
func (g *graph) most(links []link, holds func(link) bool) bool {
	n := 0
	others := g.others[:0]
	for _, l := range links {
		if holds(l) {
			n++
			if !slices.Contains(others, l.other) {
				others = append(others, l.other)
			}
		}
	}
	g.others = others
	return 2*n > len(links) && len(others) >= movedAgreeing
}
