//go:build linux

package ntp

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/clockwatch/clockwatch/internal/localclock"
	"golang.org/x/sys/unix"
)

// newSleeper returns the sleep of a source's polling loop and what
// releases it: a timerfd's that the Go runtime's poller watches, where the
// kernel gives one, else localclock.Sleep's runtime timer. The runtime's
// monitor thread (sysmon) sleeps until the next runtime timer, so a source
// sleeping on one woke it twice for every poll; a timerfd's expiry is an
// I/O event, which it does not wait for (docs/footprint.md).
func newSleeper() (sleep func(context.Context, time.Duration) error, release func()) {
	t, err := newTimerSleeper()
	if err != nil {
		return localclock.Sleep, func() {}
	}
	return t.sleep, t.close
}

// timerSleeper sleeps on a timerfd of the monotonic clock.
type timerSleeper struct {
	fd   int
	file *os.File // fd, as the runtime's poller watches it
	rc   syscall.RawConn
	// expired is readExpiry, for rc.Read; buf takes the expiry count.
	expired func(uintptr) bool
	buf     [8]byte
}

// newTimerSleeper makes a timerfd and registers it with the runtime's
// poller.
func newTimerSleeper() (*timerSleeper, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("timerfd: %w", err)
	}
	f, rc, err := pollable(fd, "ntp-timer")
	if err != nil {
		return nil, fmt.Errorf("timerfd: %w", err)
	}
	t := &timerSleeper{fd: fd, file: f, rc: rc}
	t.expired = t.readExpiry
	return t, nil
}

// sleep waits d, or until ctx ends (ctx's error).
func (t *timerSleeper) sleep(ctx context.Context, d time.Duration) error {
	// A zero time disarms a timerfd: sleep at least a nanosecond.
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(max(d.Nanoseconds(), 1))}
	if err := unix.TimerfdSettime(t.fd, 0, &spec, nil); err != nil {
		return fmt.Errorf("timerfd: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { _ = t.file.SetReadDeadline(time.Now()) })
	err := t.rc.Read(t.expired)
	if !stop() {
		return ctx.Err()
	}
	return err
}

// readExpiry reports whether the timer has expired, reading its count.
func (t *timerSleeper) readExpiry(fd uintptr) bool {
	for {
		_, err := rawRead(int(fd), t.buf[:])
		if err != unix.EINTR {
			return err != unix.EAGAIN
		}
	}
}

// close releases the timerfd.
func (t *timerSleeper) close() { _ = t.file.Close() }
