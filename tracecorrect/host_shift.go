package tracecorrect

import (
	"math"

	"github.com/clockwatch/clockwatch/internal/saturate"
)

// shiftConstraint requires shift[u] − shift[v] ≤ limit.
type shiftConstraint struct {
	u, v  int32
	limit int64
	// end marks a constraint from the end rule of a CLIENT–SERVER pair,
	// the first to give up when no shift meets every constraint.
	end bool
}

// unbounded is the bound of a host without measurements.
const unbounded = -1

// unmeasuredSigma (ns) is the spread assumed for an unmeasured host when a
// shift is split between hosts: a second, so such hosts take nearly all.
const unmeasuredSigma = 1e9

// maxSweeps caps the passes of the least-squares iteration; what is left
// unresolved after it is fixed exactly by repair.
const maxSweeps = 500

// shiftProblem asks for one shift per host of a trace that meets every
// constraint, keeps each measured host within its bound and stays as close
// to the preferred shifts as the bounds weigh it: the smallest shift in
// the least-squares sense, each host's move divided by its bound.
type shiftProblem struct {
	prefer []int64 // preferred shift per host
	bound  []int64 // |shift| ≤ bound, or unbounded
	cons   []shiftConstraint
}

// solve returns the shifts, or ok false when no shifts meet every
// constraint within the bounds.
func (p *shiftProblem) solve() (shifts []int64, ok bool) {
	fallback, ok := p.feasiblePoint()
	if !ok {
		return nil, false
	}
	if p.satisfied(p.prefer) {
		return append([]int64(nil), p.prefer...), true
	}
	rounded := p.round(p.leastSquares())
	if x, ok := p.repair(rounded, true); ok {
		return x, true
	}
	if x, ok := p.repair(rounded, false); ok {
		return x, true
	}
	return fallback, true
}

// satisfied reports whether x meets every constraint and bound.
func (p *shiftProblem) satisfied(x []int64) bool {
	for _, c := range p.cons {
		if saturate.Sub(x[c.u], x[c.v]) > c.limit {
			return false
		}
	}
	for i, b := range p.bound {
		if b != unbounded && (x[i] > b || x[i] < -b) {
			return false
		}
	}
	return true
}

// feasiblePoint finds some shifts that meet every constraint with
// Bellman-Ford on the constraint graph; a negative cycle means none exist.
// Node n stands for zero, so that bounds are constraints too.
func (p *shiftProblem) feasiblePoint() ([]int64, bool) {
	n := len(p.prefer)
	dist := make([]int64, n+1)
	for range n + 2 {
		changed := false
		relax := func(from, to int, w int64) {
			if d := saturate.Add(dist[from], w); d < dist[to] {
				dist[to] = d
				changed = true
			}
		}
		for _, c := range p.cons {
			relax(int(c.v), int(c.u), c.limit)
		}
		for i, b := range p.bound {
			if b != unbounded {
				relax(n, i, b)
				relax(i, n, b)
			}
		}
		if !changed {
			x := make([]int64, n)
			for i := range x {
				x[i] = saturate.Sub(dist[i], dist[n])
			}
			return x, p.satisfied(x)
		}
	}
	return nil, false
}

// shiftRow is one linear inequality a·y[u] + b·y[v] ≤ c over the moves
// y = shift − prefer; v is −1 for a bound on y[u] alone.
type shiftRow struct {
	u, v int
	a, b float64
	c    float64
}

// leastSquares minimises Σ (y_i/σ_i)² subject to the constraints and
// bounds with Hildreth's dual coordinate ascent, and returns prefer + y.
func (p *shiftProblem) leastSquares() []float64 {
	variance := make([]float64, len(p.prefer))
	for i, b := range p.bound {
		variance[i] = unmeasuredSigma * unmeasuredSigma
		if b != unbounded {
			variance[i] = float64(max(b, 1)) * float64(max(b, 1))
		}
	}
	rows := p.rows()
	y := make([]float64, len(p.prefer))
	dual := make([]float64, len(rows))
	for range maxSweeps {
		largest := 0.0
		for r, row := range rows {
			largest = max(largest, hildrethStep(row, &dual[r], y, variance))
		}
		if largest < 0.01 {
			break
		}
	}
	for i := range y {
		y[i] += float64(p.prefer[i])
	}
	return y
}

// rows writes the constraints and bounds as inequalities over the moves.
func (p *shiftProblem) rows() []shiftRow {
	rows := make([]shiftRow, 0, len(p.cons)+2*len(p.bound))
	for _, c := range p.cons {
		u, v := int(c.u), int(c.v)
		rows = append(rows, shiftRow{u: u, v: v, a: 1, b: -1,
			c: float64(c.limit) - float64(p.prefer[u]) + float64(p.prefer[v])})
	}
	for i, b := range p.bound {
		if b != unbounded {
			rows = append(rows,
				shiftRow{u: i, v: -1, a: 1, c: float64(b) - float64(p.prefer[i])},
				shiftRow{u: i, v: -1, a: -1, c: float64(b) + float64(p.prefer[i])})
		}
	}
	return rows
}

// hildrethStep updates one row's dual variable and the moves, and returns
// how far the row's left side moved.
func hildrethStep(row shiftRow, dual *float64, y, variance []float64) float64 {
	g := row.a*y[row.u] - row.c
	h := row.a * row.a * variance[row.u]
	if row.v >= 0 {
		g += row.b * y[row.v]
		h += row.b * row.b * variance[row.v]
	}
	next := max(0, *dual+g/h)
	d := next - *dual
	if d == 0 {
		return 0
	}
	*dual = next
	y[row.u] -= d * row.a * variance[row.u]
	if row.v >= 0 {
		y[row.v] -= d * row.b * variance[row.v]
	}
	return math.Abs(d * h)
}

// round turns shifts into nanoseconds within each host's bound.
func (p *shiftProblem) round(x []float64) []int64 {
	out := make([]int64, len(x))
	for i, v := range x {
		v = max(min(math.Round(v), math.MaxInt64/2), math.MinInt64/2)
		out[i] = int64(v)
		if b := p.bound[i]; b != unbounded {
			out[i] = min(max(out[i], -b), b)
		}
	}
	return out
}

// repair fixes the nanoseconds that rounding left: the least shifts at or
// above x that meet every constraint when up is true, else the greatest at
// or below x. ok is false when those break a bound.
func (p *shiftProblem) repair(x []int64, up bool) ([]int64, bool) {
	x = append([]int64(nil), x...)
	for range len(x) + 1 {
		changed := false
		for _, c := range p.cons {
			if saturate.Sub(x[c.u], x[c.v]) <= c.limit {
				continue
			}
			changed = true
			if up {
				x[c.v] = saturate.Sub(x[c.u], c.limit)
			} else {
				x[c.u] = saturate.Add(x[c.v], c.limit)
			}
		}
		if !changed {
			break
		}
	}
	return x, p.satisfied(x)
}
