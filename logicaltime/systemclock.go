package logicaltime

import (
	"sync/atomic"
	"time"
)

// systemAnchorEvery is how often systemClock re-reads the wall clock to
// follow steps of the system clock.
const systemAnchorEvery = 10 * time.Millisecond

// systemClock reads the system clock (CLOCK_REALTIME) as Unix nanoseconds at
// the cost of one monotonic reading, about half the cost of time.Now, which
// reads both clocks.
//
// It is the monotonic clock plus the wall-minus-monotonic difference taken at
// the last anchoring. On Linux both clocks are slewed together by time
// daemons, so that difference changes only when the system clock is stepped;
// the reading then equals the system clock exactly, except that a step shows
// up only at the next anchoring, at most systemAnchorEvery later. On systems
// whose monotonic clock is not slewed (macOS) it can also lag a slew by
// slew rate × systemAnchorEvery (5 µs at 500 ppm). An HLC never goes back
// either way.
//
// This file and clockshm's monotonic clock are the only places of
// logicaltime that read the system clock; everything else takes a clock.
type systemClock struct {
	// base carries the monotonic reading all others are measured from.
	base time.Time
	// wallMinusMono is Unix nanoseconds minus nanoseconds since base, at
	// the last anchoring.
	wallMinusMono atomic.Int64
	// anchoredAt is the nanoseconds since base of the last anchoring.
	anchoredAt atomic.Int64
}

// newSystemClock returns a systemClock anchored now.
func newSystemClock() *systemClock {
	s := &systemClock{base: time.Now()}
	s.anchor()
	return s
}

// UnixNano returns the system clock as Unix nanoseconds.
func (s *systemClock) UnixNano() int64 {
	mono := int64(time.Since(s.base))
	if mono-s.anchoredAt.Load() >= int64(systemAnchorEvery) {
		return s.anchor()
	}
	return mono + s.wallMinusMono.Load()
}

// anchor reads both clocks at once, stores their difference and returns the
// wall clock reading.
func (s *systemClock) anchor() int64 {
	now := time.Now()
	wall := unixNanoClamped(now)
	mono := int64(now.Sub(s.base))
	s.wallMinusMono.Store(wall - mono)
	s.anchoredAt.Store(mono)
	return wall
}
