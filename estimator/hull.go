package estimator

// point is a sample end in the plane: x is time, y an offset.
type point struct{ x, y float64 }

// slope is the slope of the line from p to q.
func slope(p, q point) float64 { return (q.y - p.y) / (q.x - p.x) }

// cross is the z component of (b−a)×(c−a): positive when a, b, c turn
// counter-clockwise.
func cross(a, b, c point) float64 {
	return (b.x-a.x)*(c.y-a.y) - (b.y-a.y)*(c.x-a.x)
}

// chain is a convex hull built from points added right to left (each new
// point left of all earlier ones). It stores the vertices rightmost first,
// so the leftmost is at the end.
type chain struct {
	// lower selects the lower hull; otherwise the upper.
	lower bool
	pts   []point
}

// prepend adds p, left of every point so far.
func (c *chain) prepend(p point) {
	pts := c.pts
	for n := len(pts); n >= 2; n-- {
		turn := cross(p, pts[n-1], pts[n-2])
		if (c.lower && turn > 0) || (!c.lower && turn < 0) {
			break
		}
		pts = pts[:n-1]
	}
	c.pts = append(pts, p)
}

// tangent returns the extreme slope from p, left of every vertex, to the
// hull's points: the smallest for a lower hull, the largest for an upper
// one. Going left to right along the hull the slope from p falls and then
// rises (lower) or rises and then falls (upper), so a binary search finds
// the turn. Vertex k from the left is pts[len−1−k].
func (c *chain) tangent(p point) float64 {
	pts := c.pts
	lo, hi := 0, len(pts)-1
	for lo < hi {
		k := (lo + hi) / 2
		v, next := pts[len(pts)-1-k], pts[len(pts)-2-k]
		// Compare the edge's slope with the slope from p to its left
		// vertex without dividing: both runs are positive.
		edgeSteeper := (next.y-v.y)*(v.x-p.x) >= (v.y-p.y)*(next.x-v.x)
		edgeFlatter := (next.y-v.y)*(v.x-p.x) <= (v.y-p.y)*(next.x-v.x)
		if (c.lower && edgeSteeper) || (!c.lower && edgeFlatter) {
			hi = k
		} else {
			lo = k + 1
		}
	}
	return slope(p, pts[len(pts)-1-lo])
}
