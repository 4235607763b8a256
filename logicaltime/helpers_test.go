package logicaltime

import (
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
)

// newTestRegion returns an in-memory region nothing was published to.
func newTestRegion(testing.TB) *clockshm.Region { return clockshm.NewMemoryRegion() }

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
