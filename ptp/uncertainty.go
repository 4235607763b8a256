package ptp

import (
	"time"

	"github.com/facebook/time/ptp/protocol"
)

// windowSize is how many recent offsets the spread is taken over (a
// minute of PTP's usual one Sync a second).
const windowSize = 64

// offsetWindow keeps the most recent offsets of one source.
type offsetWindow struct {
	offsets []time.Duration
	next    int
}

// add records an offset, dropping the oldest beyond windowSize.
func (w *offsetWindow) add(o time.Duration) {
	if len(w.offsets) < windowSize {
		w.offsets = append(w.offsets, o)
		return
	}
	w.offsets[w.next] = o
	w.next = (w.next + 1) % windowSize
}

// reset forgets the history, after a step or a change of grandmaster.
func (w *offsetWindow) reset() {
	w.offsets = w.offsets[:0]
	w.next = 0
}

// spread is max − min of the recent offsets: how far apart two readings of
// the same clocks have been, so how far the newest may be from the truth
// through timestamp noise alone.
func (w *offsetWindow) spread() time.Duration {
	if len(w.offsets) == 0 {
		return 0
	}
	lo, hi := w.offsets[0], w.offsets[0]
	for _, o := range w.offsets[1:] {
		lo, hi = min(lo, o), max(hi, o)
	}
	return hi - lo
}

// uncertainty is a PTP sample's bound beyond its path delay (which goes in
// Sample.Delay): the grandmaster's accuracy plus the spread of the recent
// offsets. It is fbclock's window of uncertainty (accuracy + |mean offset|
// + spread) centred on the measured offset instead of on zero: fbclock
// reads the disciplined clock as if it were exact and so must add how far
// off the servo has it; a Sample carries that offset itself. An unknown or
// reserved clockAccuracy promises nothing useful and counts, as in
// facebook/time, as 25 s.
func (w *offsetWindow) uncertainty(a protocol.ClockAccuracy) time.Duration {
	return a.Duration() + w.spread()
}
