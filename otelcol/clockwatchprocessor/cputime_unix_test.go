//go:build unix

package clockwatchprocessor

import (
	"syscall"
	"time"
)

// processCPUTime is the CPU time this process has used, user and system,
// garbage collection included.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
