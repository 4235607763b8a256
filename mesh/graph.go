package mesh

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// floor is the least radius a measurement is weighed with: an error of
// nothing would weigh infinitely.
const floor = 10e3 // 10 µs, in nanoseconds

// link is a measurement as one of its two hosts sees it: x_host lies in
// x_other + offset ± radius.
type link struct {
	other          int
	offset, radius float64
	// edge is the measurement's index among the edges; taken is when it
	// was taken, in Unix nanoseconds on the clock of the host that took
	// it (0: unknown), and own is set when that host is this one.
	edge  int
	taken int64
	own   bool
	// when is taken in the fleet's time, less the offset of the host
	// that took it: +Inf when unknown, a measurement that is always new.
	when float64
}

// graph holds the hosts, their links and the solution, in nanoseconds.
type graph struct {
	names []string
	index map[string]int
	links [][]link
	// leftOut marks, by edge, the measurements taken before To's last
	// step (predatesStep): the solution and the verdicts leave them out.
	leftOut []bool
	x, dev  []float64
	// movedAt is when each host's clock last moved, as its measurements
	// show (graph.moved), in the fleet's time, or -Inf: the links older
	// than it describe the host as it was, so they are stale.
	movedAt []float64
	// width is how well each host's offset is known (graph.widths).
	width []float64
	// others is graph.most's scratch.
	others []int
}

// newGraph indexes the hosts by name, sorted, and each host's links by the
// other host, so the result does not depend on the order of the edges. It
// leaves out no edge yet.
func newGraph(edges []Edge) *graph {
	names := make([]string, 0, len(edges))
	for _, e := range edges {
		names = append(names, e.From, e.To)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	g := &graph{names: names, index: make(map[string]int, len(names)), links: make([][]link, len(names)),
		leftOut: make([]bool, len(edges)), x: make([]float64, len(names)), dev: make([]float64, len(names)),
		movedAt: make([]float64, len(names))}
	for i := range g.movedAt {
		g.movedAt[i] = math.Inf(-1)
	}
	for i, n := range names {
		g.index[n] = i
	}
	for k, e := range edges {
		if !usable(e) {
			continue
		}
		i, j, o, r := g.index[e.From], g.index[e.To], float64(e.Offset), float64(e.Error)
		var taken int64
		if !e.Taken.IsZero() {
			taken = e.Taken.UnixNano()
		}
		g.links[i] = append(g.links[i], link{other: j, offset: o, radius: r, edge: k, taken: taken, own: true, when: math.Inf(1)})
		g.links[j] = append(g.links[j], link{other: i, offset: -o, radius: r, edge: k, taken: taken, when: math.Inf(1)})
	}
	for _, ls := range g.links {
		slices.SortFunc(ls, compareLinks)
	}
	return g
}

// compareLinks orders a host's links by the other host, then their values.
func compareLinks(a, b link) int {
	return cmp.Or(cmp.Compare(a.other, b.other), cmp.Compare(a.offset, b.offset), cmp.Compare(a.radius, b.radius),
		cmp.Compare(a.taken, b.taken), compareBool(a.own, b.own))
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// compareEdges orders edges by their hosts, then their values.
func compareEdges(a, b Edge) int {
	return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmp.Compare(a.Offset, b.Offset), cmp.Compare(a.Error, b.Error))
}

// usable reports whether an edge says anything: it joins two hosts and
// its error is not negative.
func usable(e Edge) bool { return e.From != e.To && e.Error >= 0 }

// converged is the largest change of an offset, in nanoseconds, at which
// the solution stops iterating.
const converged = 1

// weighSweeps is how many sweeps update the hosts' deviations, which
// weigh their links; later sweeps keep them, so the sum the sweeps lower
// stays the same and they settle.
const weighSweeps = 3

// solve sweeps the hosts, at most iterations times, until no offset moves
// by more than converged. A sweep sets each host's offset, in turn, to the
// weighted median of its links corrected by the other hosts' offsets as
// they are then (Gauss-Seidel: each step can only lower the weighted sum
// of the links' absolute errors, so the sweeps settle, where updating all
// hosts at once can oscillate); then every host's deviation is measured
// and the whole is shifted so that the median host is at zero. At the end
// the deviations are measured around the solution.
//
// The first sweep weighs every link the same: the hosts all start at
// zero, and two hosts joined by a much tighter link than their others
// (a short path within a rack) would hold each other there, wherever the
// rest of their links put them.
func (g *graph) solve(iterations int) {
	var scratch []weighted
	dev := make([]float64, len(g.x))
	for sweep := range iterations {
		moved := 0.0
		for i := range g.links {
			var x float64
			x, _, scratch = g.estimate(i, scratch, sweep == 0)
			moved = max(moved, math.Abs(x-g.x[i]))
			g.x[i] = x
		}
		if sweep < weighSweeps {
			for i := range g.links {
				_, dev[i], scratch = g.estimate(i, scratch, false)
			}
			g.dev, dev = dev, g.dev
		}
		shift := median(slices.Clone(g.x))
		for i := range g.x {
			g.x[i] -= shift
		}
		if moved <= converged {
			break
		}
	}
	for i := range g.links {
		_, dev[i], scratch = g.estimate(i, scratch, false)
	}
	g.dev = dev
}

// weighted is a value with a weight.
type weighted struct{ value, weight float64 }

// estimate returns host i's offset as its links see it and their robust
// deviation from it; uniform weighs every link the same.
func (g *graph) estimate(i int, scratch []weighted, uniform bool) (x, dev float64, _ []weighted) {
	scratch = scratch[:0]
	for _, l := range g.links[i] {
		if !g.current(i, l) {
			continue
		}
		r := l.radius + g.dev[l.other] + floor
		w := 1 / (r * r)
		if uniform {
			w = 1
		}
		scratch = append(scratch, weighted{g.x[l.other] + l.offset, w})
	}
	if len(scratch) == 0 {
		return 0, 0, scratch
	}
	x = weightedMedian(scratch)
	for k := range scratch {
		scratch[k].value = math.Abs(scratch[k].value - x)
	}
	return x, weightedMedian(scratch), scratch
}

// verdicts judges every host against the solution.
func (g *graph) verdicts(cfg Config) []Host {
	threshold := float64(cfg.Threshold)
	out := make([]Host, len(g.names))
	for i, name := range g.names {
		h := Host{Name: name, Offset: toDuration(g.x[i]), Spread: toDuration(g.dev[i])}
		for _, l := range g.links[i] {
			if l.own {
				h.Own++
			}
			if !g.current(i, l) {
				continue
			}
			h.Edges++
			centre, r := g.x[l.other]+l.offset, l.radius+g.dev[l.other]
			switch {
			case centre-r > threshold:
				h.Ahead++
			case centre+r < -threshold:
				h.Behind++
			}
		}
		judged := h.Edges >= cfg.MinEdges && h.Own > 0
		h.Named = judged && (2*h.Ahead > h.Edges && g.x[i] > threshold || 2*h.Behind > h.Edges && g.x[i] < -threshold)
		h.Suspect = !h.Named && math.Abs(g.x[i]) > threshold
		out[i] = h
	}
	return out
}

// paths lists the current links whose residual is beyond threshold.
func (g *graph) paths(edges []Edge, threshold time.Duration) []Path {
	var out []Path
	for i, ls := range g.links {
		for _, l := range ls {
			if !l.own || !g.current(i, l) {
				continue
			}
			e := edges[l.edge]
			residual := toDuration(float64(e.Offset) - (g.x[i] - g.x[l.other]))
			if residual.Abs() > threshold {
				out = append(out, Path{Edge: e, Residual: residual})
			}
		}
	}
	slices.SortFunc(out, func(a, b Path) int {
		return cmp.Or(cmp.Compare(b.Residual.Abs(), a.Residual.Abs()), compareEdges(a.Edge, b.Edge))
	})
	return out
}

// weightedMedian returns the value at which half the weight lies on each
// side; it reorders values.
func weightedMedian(values []weighted) float64 {
	slices.SortFunc(values, func(a, b weighted) int {
		switch {
		case a.value < b.value:
			return -1
		case a.value > b.value:
			return 1
		}
		return 0
	})
	var total float64
	for _, v := range values {
		total += v.weight
	}
	var sum float64
	for k, v := range values {
		sum += v.weight
		if sum*2 == total && k+1 < len(values) {
			return (v.value + values[k+1].value) / 2
		}
		if sum*2 >= total {
			return v.value
		}
	}
	return values[len(values)-1].value
}

// median returns the median of values, reordering them; zero when empty.
func median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	slices.Sort(values)
	n := len(values)
	if n%2 == 1 {
		return values[n/2]
	}
	return (values[n/2-1] + values[n/2]) / 2
}

// toDuration rounds nanoseconds to a Duration.
func toDuration(ns float64) time.Duration { return time.Duration(math.Round(ns)) }
