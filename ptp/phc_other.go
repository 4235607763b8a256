//go:build !linux

package ptp

import (
	"errors"
	"time"
)

// OpenPHC fails: PTP hardware clocks are read through Linux ioctls.
func OpenPHC(name string) (PHC, error) {
	return nil, errors.New("ptp: reading a PHC needs Linux")
}

// kernelTAIOffset is TAI − UTC as of 2017; only Linux keeps it in the kernel.
func kernelTAIOffset() time.Duration { return defaultTAIMinusUTC }
