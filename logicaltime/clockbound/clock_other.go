//go:build !linux

package clockbound

import (
	"errors"
	"time"
)

// errNotLinux: ClockBound's clocks are Linux's.
var errNotLinux = errors.New("clockbound: CLOCK_MONOTONIC_COARSE is Linux's; ClockBound runs on Linux only")

// Clocks fails: ClockBound runs on Linux only.
func Clocks() (realtime, monotonic int64, err error) { return 0, 0, errNotLinux }

// CoarseMonotonic fails: ClockBound runs on Linux only.
func CoarseMonotonic() (int64, error) { return 0, errNotLinux }

// CoarseResolution fails: ClockBound runs on Linux only.
func CoarseResolution() (time.Duration, error) { return 0, errNotLinux }
