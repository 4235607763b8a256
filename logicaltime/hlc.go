package logicaltime

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// DefaultMaxOffset is the max offset of an HLC made without WithMaxOffset,
// CockroachDB's default.
const DefaultMaxOffset = 500 * time.Millisecond

// ErrRemoteAhead is wrapped by the error Update returns for a remote
// timestamp further ahead of the local physical clock than the max offset.
var ErrRemoteAhead = errors.New("remote timestamp too far ahead of the local clock")

// rangeGuard keeps the clock away from the end of the Timestamp range:
// Update rejects remote timestamps within this many counts of it, so no run
// of increments can overflow into the top bit.
const rangeGuard = 1 << 32

// HLC is a hybrid logical clock (Kulkarni et al., 2014): it issues
// timestamps that never decrease, that are unique within the clock, that
// order every pair of events related by happens-before when timestamps are
// carried on messages, and whose physical part stays within the clocks'
// offset of real time.
//
// Now and Update are lock-free and safe for concurrent use. The zero value
// is not usable; call NewHLC.
type HLC struct {
	// last is the packed form of the last timestamp issued. It is the one
	// word every caller writes, so it has its cache line to itself.
	last atomic.Uint64
	_    [cacheLineSize - 8]byte

	// physical returns the physical clock as Unix nanoseconds ≥ 0.
	physical func() int64
	// maxOffset is the max offset in nanoseconds; 0 disables the check.
	maxOffset int64
	// limit is the first timestamp that may not be issued before the
	// upper bound file is extended; MaxUint64 without one.
	limit    atomic.Uint64
	rejected atomic.Uint64
	upper    *upperBoundKeeper
}

// cacheLineSize separates the written word from the read-mostly ones.
const cacheLineSize = 64

// NewHLC returns a hybrid logical clock reading the system clock, with a max
// offset of DefaultMaxOffset, changed by the options given.
func NewHLC(opts ...Option) *HLC {
	cfg := hlcConfig{maxOffset: DefaultMaxOffset}
	for _, opt := range opts {
		opt(&cfg)
	}
	c := &HLC{physical: cfg.physical, maxOffset: int64(max(cfg.maxOffset, 0))}
	if c.physical == nil {
		c.physical = newSystemClock().UnixNano
	}
	c.limit.Store(math.MaxUint64)
	if cfg.upperBound != nil {
		window := (max(cfg.upperBoundWindow, Tick) + Tick - 1) / Tick * Tick
		c.upper = &upperBoundKeeper{file: cfg.upperBound, window: uint64(window)}
		start := cfg.upperBound.Bound().bits
		c.last.Store(start)
		c.limit.Store(start)
	}
	return c
}

// Now returns the timestamp of a local or send event: later than every
// timestamp the clock issued before, and at least the physical clock's
// reading.
func (c *HLC) Now() Timestamp {
	return c.issueFrom(c.physicalTick())
}

// Update returns the timestamp of a receive event for a message stamped
// remote: later than remote, than every timestamp the clock issued before,
// and at least the physical clock's reading.
//
// A remote timestamp whose physical part is more than the max offset ahead
// of the local physical clock is rejected: Update counts it (see
// RejectedUpdates), leaves the clock as it was and returns the zero
// Timestamp and an error wrapping ErrRemoteAhead. Without that guard one
// host with a clock far ahead would drag every clock it talks to along. A
// remote timestamp within 2³² counts of the end of the range (2262) is
// rejected the same way, wrapping ErrTimestampRange.
func (c *HLC) Update(remote Timestamp) (Timestamp, error) {
	pt := c.physical()
	if err := c.checkRemote(remote, pt); err != nil {
		c.rejected.Add(1)
		return Timestamp{}, err
	}
	return c.issueFrom(max(remote.bits+1, uint64(pt)&^logicalMask)), nil
}

// RejectedUpdates returns how many remote timestamps Update rejected.
func (c *HLC) RejectedUpdates() uint64 { return c.rejected.Load() }

// MaxOffset returns the max offset Update enforces; 0 when disabled.
func (c *HLC) MaxOffset() time.Duration { return time.Duration(c.maxOffset) }

// physicalTick returns the physical clock truncated to a Tick, as a packed
// timestamp with a logical counter of 0.
func (c *HLC) physicalTick() uint64 { return uint64(c.physical()) &^ logicalMask }

// issueFrom issues the next timestamp at or after floor: one more than the
// last timestamp, or floor itself when the clock is behind it.
//
// Within a tick, the common case, that is one atomic add: it never retries
// and touches the shared word once, so concurrent callers do not spin
// against each other. When the add lands below floor, its value is skipped
// and the clock is moved up to floor with a compare-and-swap, unless
// another caller moved it further meanwhile.
func (c *HLC) issueFrom(floor uint64) Timestamp {
	v := c.last.Add(1)
	for v < floor {
		if c.last.CompareAndSwap(v, floor) {
			return c.checked(floor)
		}
		if v = c.last.Load(); v >= floor {
			v = c.last.Add(1)
		}
	}
	return c.checked(v)
}

// checked returns v as a Timestamp once it is below the persisted upper
// bound, extending the bound first if needed.
func (c *HLC) checked(v uint64) Timestamp {
	if v >= c.limit.Load() {
		c.upper.extend(c, v)
	}
	return Timestamp{bits: v}
}

// checkRemote returns an error if remote may not move this clock forward:
// too far ahead of the physical reading pt, or at the end of the range.
func (c *HLC) checkRemote(remote Timestamp, pt int64) error {
	if remote.bits > maxTimestamp-rangeGuard {
		return fmt.Errorf("logicaltime: remote timestamp %s: %w", remote, ErrTimestampRange)
	}
	ahead := int64(remote.physicalNanos()) - pt
	if c.maxOffset > 0 && ahead > c.maxOffset {
		return fmt.Errorf("logicaltime: %w: remote timestamp %s is %v ahead of the local clock, more than the max offset %v (check clock synchronization of the sender and of this host)",
			ErrRemoteAhead, remote, time.Duration(ahead), time.Duration(c.maxOffset))
	}
	return nil
}
