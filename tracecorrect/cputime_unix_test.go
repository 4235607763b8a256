//go:build unix

package tracecorrect_test

import (
	"syscall"
	"time"
)

// processCPUTime is the CPU time this process has used, user and system,
// garbage collection included: the honest cost of a benchmark on a machine
// busy with other work.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
