package estimator

import (
	"math"
	"slices"
)

// Directions of a path.
const (
	outbound = iota // to the reference: points offset − delay/2
	inbound         // back from it: points offset + delay/2, negated
	directions
)

// oneWay is what a source's two one-way envelopes say about the drift.
type oneWay struct {
	// from is, per direction, the local time (since the estimator's
	// anchor) of the first sample after the last level shift: the
	// envelope is fitted on samples from there on only.
	from [directions]int64
	// dirs are the envelopes of the two directions (straightEnvelope).
	dirs [directions]envelope
	// shifts counts the level shifts seen: route changes, or changes of
	// the drift. moved is set when the last fit found points that rose
	// above their envelope: a delay shrank, or the source's clock moved
	// against ours (which raises one direction's points whichever way it
	// moves). Points that dropped below it (a delay grew) restart the
	// envelope only: the source's intervals are as true as before.
	shifts uint64
	moved  bool
	// split is set when the two directions' envelopes disagree: one
	// follows a move of the source's clock against ours (its points rise
	// above the envelope), the other does not (its points drop below), or
	// a route changed.
	split bool
	// rate and iv are the source's envelope drift and the slopes it
	// allows; ok is false when neither direction has an envelope or the
	// two disagree.
	rate float64
	iv   interval
	ok   bool
}

// oneWayBuffers are reused between the fits of one source.
type oneWayBuffers struct {
	pts []point
	env envelopeScratch
}

// fit refits both envelopes to samples (oldest first). A level shift among
// a direction's newest samples restarts its envelope there.
func (w *oneWay) fit(samples []record, buf *oneWayBuffers) {
	if len(samples) == 0 {
		*w = oneWay{shifts: w.shifts}
		return
	}
	floor := math.Inf(1)
	for _, r := range samples {
		floor = min(floor, r.meas-r.delay/2)
	}
	floor = max(floor, 1)
	w.moved = false
	for dir := range directions {
		w.points(samples, dir, buf)
		shift, rose := levelShift(buf.pts, floor, &buf.env)
		if shift >= 0 {
			w.moved = w.moved || rose
			w.from[dir] = samples[len(samples)-1].at + int64(buf.pts[shift].x)
			w.shifts++
			w.points(samples, dir, buf)
		}
		w.dirs[dir], _ = straightEnvelope(buf.pts, floor, &buf.env)
		if dir == inbound && w.dirs[dir].ok {
			e := &w.dirs[dir]
			e.rate, e.height, e.iv = -e.rate, -e.height, interval{-e.iv.hi, -e.iv.lo}
		}
	}
	w.combine()
}

// points fills buf.pts with the oriented points of direction dir from the
// samples since its envelope began, x relative to the newest sample. A
// sample no later than the one before it (the clock was adjusted) is left
// out.
func (w *oneWay) points(samples []record, dir int, buf *oneWayBuffers) {
	start, _ := slices.BinarySearchFunc(samples, w.from[dir], func(r record, at int64) int {
		switch {
		case r.at < at:
			return -1
		case r.at > at:
			return 1
		}
		return 0
	})
	newest := samples[len(samples)-1].at
	pts := buf.pts[:0]
	for _, r := range samples[start:] {
		p := point{x: float64(r.at - newest), y: r.offset - r.delay/2}
		if dir == inbound {
			p.y = -(r.offset + r.delay/2)
		}
		if len(pts) > 0 && p.x <= pts[len(pts)-1].x {
			continue
		}
		pts = append(pts, p)
	}
	buf.pts = pts
}

// combine takes the source's drift from its two envelopes. They measure
// the same drift, so their slope intervals must overlap; the narrower one
// is kept (it holds their intersection) around their mean weighted by
// precision.
func (w *oneWay) combine() {
	out, in := w.dirs[outbound], w.dirs[inbound]
	w.split = out.ok && in.ok && !out.iv.overlaps(in.iv)
	switch {
	case w.split:
		w.ok = false
	case out.ok && in.ok:
		narrow := out.iv
		if in.iv.width() < narrow.width() {
			narrow = in.iv
		}
		wo, wi := driftWeight(out.iv), driftWeight(in.iv)
		w.rate, w.iv, w.ok = narrow.clamp((wo*out.rate+wi*in.rate)/(wo+wi)), narrow, true
	case out.ok:
		w.rate, w.iv, w.ok = out.rate, out.iv, true
	case in.ok:
		w.rate, w.iv, w.ok = in.rate, in.iv, true
	default:
		w.ok = false
	}
}
