package clockshm

import (
	"fmt"
	"math"
	"time"

	"golang.org/x/sys/unix"
)

// calibrationRounds is how many readings calibrate picks the tightest of.
const calibrationRounds = 32

// calibrate returns CLOCK_MONOTONIC minus Go's monotonic time since base,
// and half the width of the tightest bracket of Go readings around a kernel
// reading.
func calibrate(base time.Time) (offset int64, uncertainty time.Duration, err error) {
	best := time.Duration(math.MaxInt64)
	for range calibrationRounds {
		var ts unix.Timespec
		before := time.Since(base)
		err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
		after := time.Since(base)
		if err != nil {
			return 0, 0, fmt.Errorf("clockshm: read CLOCK_MONOTONIC: %w", err)
		}
		if width := after - before; width < best {
			best = width
			offset = ts.Nano() - int64(before+width/2)
		}
	}
	return offset, (best + 1) / 2, nil
}
