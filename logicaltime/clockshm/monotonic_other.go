//go:build !linux

package clockshm

import (
	"errors"
	"time"
)

// calibrate fails: the shared memory clock is published on Linux only.
func calibrate(time.Time) (int64, time.Duration, error) {
	return 0, 0, errors.New("clockshm: the shared memory clock is supported on Linux only")
}
