package clockbound

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Clocks reads the two clocks a ClockBound client reads, in its order:
// CLOCK_REALTIME, then CLOCK_MONOTONIC_COARSE, in nanoseconds; the pair to
// give Bound.At.
func Clocks() (realtime, monotonic int64, err error) {
	var rt, mono unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_REALTIME, &rt); err != nil {
		return 0, 0, fmt.Errorf("clockbound: read CLOCK_REALTIME: %w", err)
	}
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC_COARSE, &mono); err != nil {
		return 0, 0, fmt.Errorf("clockbound: read CLOCK_MONOTONIC_COARSE: %w", err)
	}
	return rt.Nano(), mono.Nano(), nil
}

// CoarseMonotonic reads CLOCK_MONOTONIC_COARSE, the clock of as-of and
// void-after, in nanoseconds.
func CoarseMonotonic() (int64, error) {
	var mono unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC_COARSE, &mono); err != nil {
		return 0, fmt.Errorf("clockbound: read CLOCK_MONOTONIC_COARSE: %w", err)
	}
	return mono.Nano(), nil
}

// CoarseResolution returns the resolution of CLOCK_MONOTONIC_COARSE, the
// kernel's tick (1 to 10 ms): a coarse reading lags the fine clock by up
// to that much.
func CoarseResolution() (time.Duration, error) {
	var res unix.Timespec
	if err := unix.ClockGetres(unix.CLOCK_MONOTONIC_COARSE, &res); err != nil {
		return 0, fmt.Errorf("clockbound: resolution of CLOCK_MONOTONIC_COARSE: %w", err)
	}
	return time.Duration(res.Nano()), nil
}
