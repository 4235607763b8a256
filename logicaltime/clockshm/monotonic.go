package clockshm

import "time"

// MonotonicClock reads CLOCK_MONOTONIC, the clock the file's instants are
// on, at the cost of Go's own monotonic reading: Go measures monotonic time
// from its process start, so the clock adds an offset calibrated once
// against the kernel's clock.
type MonotonicClock struct {
	base        time.Time
	offset      int64
	uncertainty time.Duration
}

// NewMonotonicClock calibrates a MonotonicClock. It fails on systems other
// than Linux.
func NewMonotonicClock() (*MonotonicClock, error) {
	base := time.Now()
	offset, uncertainty, err := calibrate(base)
	if err != nil {
		return nil, err
	}
	return &MonotonicClock{base: base, offset: offset, uncertainty: uncertainty}, nil
}

// Now returns CLOCK_MONOTONIC in nanoseconds.
func (m *MonotonicClock) Now() int64 { return int64(time.Since(m.base)) + m.offset }

// NowAndWall returns CLOCK_MONOTONIC and the system clock as Unix
// nanoseconds, read together.
func (m *MonotonicClock) NowAndWall() (mono, wall int64) {
	now := time.Now()
	return int64(now.Sub(m.base)) + m.offset, now.UnixNano()
}

// Uncertainty bounds the error of the calibration, and so of every reading.
func (m *MonotonicClock) Uncertainty() time.Duration { return m.uncertainty }
