package logicaltime

import (
	"sync/atomic"
	"time"
)

// ManualClock is a physical clock that moves only when told to, for tests of
// code that uses an HLC, as CockroachDB's hlc.ManualClock: give its Now to
// WithPhysicalClock, and the HLC reads whatever time the test set. It may
// be set back, as a step of the system clock does; the HLC's timestamps
// still never decrease. It is safe for concurrent use; the zero ManualClock
// reads the Unix epoch.
type ManualClock struct {
	unixNano atomic.Int64
}

// NewManualClock returns a ManualClock that reads t until it is moved.
// Times before 1970 read as 1970.
func NewManualClock(t time.Time) *ManualClock {
	m := &ManualClock{}
	m.Set(t)
	return m
}

// Now returns the time the clock was set to, in UTC.
func (m *ManualClock) Now() time.Time { return time.Unix(0, m.unixNano.Load()).UTC() }

// Set moves the clock to t, forward or back. Times before 1970 read as 1970.
func (m *ManualClock) Set(t time.Time) { m.unixNano.Store(unixNanoClamped(t)) }

// Advance moves the clock by d, back if d is negative.
func (m *ManualClock) Advance(d time.Duration) { m.unixNano.Add(int64(d)) }
