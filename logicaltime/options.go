package logicaltime

import "time"

// Option configures an HLC made by NewHLC.
type Option func(*hlcConfig)

// hlcConfig collects the options of NewHLC.
type hlcConfig struct {
	maxOffset        time.Duration
	physical         func() int64
	upperBound       *UpperBoundFile
	upperBoundWindow time.Duration
}

// WithMaxOffset sets how far ahead of the local physical clock a remote
// timestamp may be before Update rejects it (default DefaultMaxOffset). It
// should be the largest offset between any two clocks of the system; 0
// disables the check.
func WithMaxOffset(d time.Duration) Option {
	return func(c *hlcConfig) { c.maxOffset = d }
}

// WithPhysicalClock makes the HLC read its physical time from now instead of
// the system clock, for a clock of your own or a fake one in tests. Times
// before 1970 read as 1970.
func WithPhysicalClock(now func() time.Time) Option {
	return func(c *hlcConfig) {
		if now == nil {
			c.physical = nil
			return
		}
		c.physical = func() int64 { return unixNanoClamped(now()) }
	}
}

// WithCorrectedClock makes the HLC read its physical time from the agent's
// corrected clock: the middle of b's interval. While b has no usable data
// (agent stopped, unsynchronized) the system clock is read instead; the HLC
// stays monotonic across the switch.
func WithCorrectedClock(b *BoundedClock) Option {
	return func(c *hlcConfig) {
		system := newSystemClock()
		c.physical = func() int64 { return b.correctedOr(system) }
	}
}

// WithUpperBound keeps an upper bound of the issued timestamps in f, written
// window ahead of the newest timestamp: the clock starts above the bound f
// holds and writes a new bound (one fsync) whenever its timestamps reach the
// old one. A longer window means fewer writes. After a restart during which
// the system clock went back, the physical part runs ahead of the system
// clock by up to window plus the step, until the clock catches up.
func WithUpperBound(f *UpperBoundFile, window time.Duration) Option {
	return func(c *hlcConfig) { c.upperBound, c.upperBoundWindow = f, window }
}
