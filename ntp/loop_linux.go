//go:build linux

package ntp

import (
	"context"
	"fmt"
	"time"

	"github.com/clockwatch/clockwatch/internal/localclock"
	"golang.org/x/sys/unix"
)

// newLoop returns what a source's polling loop runs on: a waiter of its
// own whose timerfd, in the waiter's epoll set, times both the sleeps
// between polls and the queries' deadlines, where the kernel gives one;
// else localclock.Sleep's runtime timer and the pooled waiters. The
// returned context carries the waiter to the loop's queries (exchange),
// and release frees it.
//
// No runtime timer is left on the loop's path: the runtime's monitor
// thread (sysmon) sleeps until the next runtime timer, even one stopped
// since, so a sleep or a query deadline on one woke it for every poll,
// and its wake-ups were a tenth of the agent's CPU time
// (docs/footprint.md). A timerfd's expiry is an I/O event, which it does
// not wait for. The loop's context ends every wait of the waiter through
// one deadline in the past, set once when it ends, not through a
// callback registered for every wait.
func newLoop(ctx context.Context) (loopCtx context.Context, sleep func(context.Context, time.Duration) error, release func()) {
	w, err := newLoopWaiter(ctx)
	if err != nil {
		return ctx, localclock.Sleep, func() {}
	}
	stop := context.AfterFunc(ctx, func() { _ = w.file.SetReadDeadline(time.Now()) })
	release = func() {
		stop()
		w.close()
	}
	return context.WithValue(ctx, loopWaiterKey{}, w), w.sleep, release
}

// loopWaiterKey is the context key of a polling loop's waiter.
type loopWaiterKey struct{}

// loopWaiter returns the waiter of the polling loop whose context ctx is
// (or carries the values of, with the same end), or nil.
func loopWaiter(ctx context.Context) *waiter {
	w, _ := ctx.Value(loopWaiterKey{}).(*waiter)
	if w == nil || w.done != ctx.Done() {
		return nil
	}
	return w
}

// newLoopWaiter makes a waiter with a timerfd of the monotonic clock in
// its epoll set, for the polling loop of ctx.
func newLoopWaiter(ctx context.Context) (*waiter, error) {
	w, err := newWaiter()
	if err != nil {
		return nil, err
	}
	timer, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		w.close()
		return nil, fmt.Errorf("timerfd: %w", err)
	}
	w.timer, w.done = timer, ctx.Done()
	if err := w.watch(timer); err != nil {
		w.close()
		return nil, fmt.Errorf("epoll: %w", err)
	}
	return w, nil
}

// arm sets the loop waiter's timer to expire after d (at least a
// nanosecond: a zero time disarms a timerfd). Arming resets a past
// expiry the waiter has not read.
func (w *waiter) arm(d time.Duration) error {
	w.expired = false
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(max(d.Nanoseconds(), 1))}
	if err := unix.TimerfdSettime(w.timer, 0, &spec, nil); err != nil {
		return fmt.Errorf("timerfd: %w", err)
	}
	return nil
}

// sleep waits d on the loop waiter's timer, or until ctx ends (ctx's
// error). The timer is armed by the wait's first check (pollTimer): the
// runtime's poller forgets what was ready before a wait starts, so an
// expiry from then on wakes the wait, and the check need not look for
// one that came before, which saves a system call a poll.
func (w *waiter) sleep(ctx context.Context, d time.Duration) error {
	w.sleepFor, w.pollErr = max(d, 0), nil
	err := w.rc.Read(w.pollTimer)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err == nil {
		err = w.pollErr
	}
	return err
}
