//go:build !linux

package fdtimer

import "time"

// kernelTimer is a timerfd, which only Linux has.
type kernelTimer struct{}

// start reports that there is no timerfd.
func (*kernelTimer) start(time.Duration, func()) bool { return false }

// reset is never called: the runtime timer is used.
func (*kernelTimer) reset(time.Duration) {}

// stop is never called: the runtime timer is used.
func (*kernelTimer) stop() {}
