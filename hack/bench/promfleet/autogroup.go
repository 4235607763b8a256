package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// ownAutogroup moves promfleet, and so the Prometheus and the fleet it
// starts, into a scheduler autogroup of its own with the given nice value.
//
// With autogroups (Linux's default, /proc/sys/kernel/sched_autogroup_enabled),
// CPU is shared between sessions first and by nice value only within one:
// another session's "nice -n 19" work takes as much of the machine as
// Prometheus then, however nice it is. A session of its own whose
// autogroup has a lower nice value gives the measured Prometheus back the
// priority that nice 19 means elsewhere. It needs root; what fails is
// returned and the run goes on as it is.
func ownAutogroup(nice int) error {
	if _, err := syscall.Setsid(); err != nil {
		return fmt.Errorf("setsid: %w (promfleet leads its process group; run it with go run, or under setsid(1))", err)
	}
	if err := os.WriteFile("/proc/self/autogroup", []byte(strconv.Itoa(nice)), 0); err != nil {
		return fmt.Errorf("autogroup nice %d: %w (needs root and a kernel with autogroups)", nice, err)
	}
	return nil
}
