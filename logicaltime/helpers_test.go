package logicaltime

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
)

// newTestRegion returns an in-memory region nothing was published to.
func newTestRegion(testing.TB) *clockshm.Region { return clockshm.NewMemoryRegion() }

// fakeClock is a physical clock tests set by hand.
type fakeClock struct{ unixNano atomic.Int64 }

// Now returns the clock's time.
func (f *fakeClock) Now() time.Time { return time.Unix(0, f.unixNano.Load()) }

// Set sets the clock to Unix nanoseconds ns.
func (f *fakeClock) Set(ns int64) { f.unixNano.Store(ns) }

// stamp returns the timestamp with physical part tick×Tick and counter
// logical.
func stamp(tick uint64, logical uint16) Timestamp {
	return Timestamp{bits: tick<<LogicalBits | uint64(logical)}
}

// t0 is a physical time in ticks all tests start near: 2025-01-01.
const t0 = uint64(1735689600 * time.Second / Tick)

// at returns Unix nanoseconds of tick t0+ticks, plus extra nanoseconds.
func at(ticks int64, extra time.Duration) int64 {
	return int64(t0)*int64(Tick) + ticks*int64(Tick) + int64(extra)
}
