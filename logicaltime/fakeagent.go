package logicaltime

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
)

// Status is the agent's synchronization status, as it publishes it.
type Status = clockshm.Status

// Statuses an agent publishes. A BoundedClock reads time from an agent
// that is synchronized or in holdover, and fails with ErrUnsynchronized
// otherwise.
const (
	StatusUnsynchronized = clockshm.StatusUnsynchronized
	StatusHoldover       = clockshm.StatusHoldover
	StatusSynchronized   = clockshm.StatusSynchronized
)

// fakeAgentPath names a FakeAgent in the errors its BoundedClock returns.
const fakeAgentPath = "(fake agent)"

// maxFakeSpan bounds how far the ends of a FakeAgent's interval may lie from
// its true time, so that the record's fields cannot overflow.
const maxFakeSpan = maxBound / 2

// FakeAgent stands in for the clockwatch agent in the tests of a service
// that reads bounded time. Its Clock is a real BoundedClock, reading a
// record the fake publishes in memory instead of a file, on a time that
// moves only when the test moves it; so the code under test runs as in
// production, errors included.
//
// The test sets the interval Now returns (SetInterval), the status
// (SetStatus), and moves time (Advance). A running fake publishes at every
// change, so Now returns exactly the interval set, moved along with time.
// Stop makes it fall silent as a dead agent does: the interval then widens
// as the BoundedClock's rules say (WanderRate, and StaleGrowthRate once
// silent longer than the stale-after time), and Now fails with ErrStale
// past the stale limit.
//
// Waits of its clock (WaitUntilAfter) do not sleep: they Advance the fake's
// time by what they would have slept, so a commit wait in a test returns
// at once and its cost shows in Now. A FakeAgent is safe for concurrent
// use.
type FakeAgent struct {
	mu     sync.Mutex // serializes publishing and the fields below
	region *clockshm.Region
	clock  *BoundedClock
	// now is true time in Unix nanoseconds; it also serves as the fake's
	// CLOCK_MONOTONIC, which only Advance moves.
	now atomic.Int64
	// earliest and latest are the ends of the interval, relative to now.
	earliest, latest int64
	status           Status
	stopped          bool
}

// NewFakeAgent returns a running, synchronized FakeAgent whose true time is
// start and whose interval is [start, start]. Its Clock is configured by
// opts, as OpenBounded's clocks are.
func NewFakeAgent(start time.Time, opts ...BoundedOption) *FakeAgent {
	f := &FakeAgent{region: clockshm.NewMemoryRegion(), status: StatusSynchronized}
	f.now.Store(unixNanoClamped(start))
	f.clock = newBoundedClock(fakeAgentPath, f.region, f.now.Load, newBoundedConfig(opts))
	f.clock.sleep = f.sleep
	f.publishLocked() // nobody else has f yet
	return f
}

// Clock returns the BoundedClock that reads the fake. Closing it does
// nothing to the fake.
func (f *FakeAgent) Clock() *BoundedClock { return f.clock }

// Now returns the fake's true time.
func (f *FakeAgent) Now() time.Time { return time.Unix(0, f.now.Load()).UTC() }

// SetInterval makes the clock's Now return [earliest, latest] from now on,
// moving with time. The interval need not contain the fake's true time, so
// a test can play an agent whose bound is wrong. It fails, changing
// nothing, when latest is before earliest or an end lies more than 73
// years from the fake's true time.
func (f *FakeAgent) SetInterval(earliest, latest time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.Now()
	lo, hi := earliest.Sub(now), latest.Sub(now)
	switch {
	case latest.Before(earliest):
		return fmt.Errorf("logicaltime: fake agent: interval [%v, %v] ends before it starts", earliest, latest)
	case max(-lo, hi) > maxFakeSpan || min(-lo, hi) < -maxFakeSpan:
		return fmt.Errorf("logicaltime: fake agent: interval [%v, %v] lies too far from the fake's time %v", earliest, latest, now)
	}
	f.earliest, f.latest = int64(lo), int64(hi)
	f.publishLocked()
	return nil
}

// SetStatus sets the status the fake publishes: StatusUnsynchronized makes
// the clock's Now fail with ErrUnsynchronized; StatusHoldover and
// StatusSynchronized let it read the interval.
func (f *FakeAgent) SetStatus(s Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status = s
	f.publishLocked()
}

// Advance moves the fake's true time, and its monotonic clock, forward by
// d; a running fake publishes its interval moved by d. A d ≤ 0 does
// nothing: monotonic time does not go back.
func (f *FakeAgent) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now.Add(int64(d))
	f.publishLocked()
}

// Stop makes the fake stop publishing, as an agent that died: time still
// moves with Advance, and the clock reads the last record, ever older.
func (f *FakeAgent) Stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped = true
}

// Start makes a stopped fake publish again, now and at every change.
func (f *FakeAgent) Start() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped = false
	f.publishLocked()
}

// publishLocked publishes, unless stopped, a record from which the clock
// reads exactly [now+earliest, now+latest] at the instant now, with the
// best estimate in its middle. The system clock of the fake's host reads
// true time.
func (f *FakeAgent) publishLocked() {
	if f.stopped {
		return
	}
	now := f.now.Load()
	middle := (f.earliest + f.latest) / 2
	// An in-memory region cannot fault, so Publish cannot fail.
	_ = f.region.Publish(clockshm.Record{
		Monotonic: now, Published: now, Local: now,
		Offset:     -middle,
		ErrorBound: (f.latest - f.earliest + 1) / 2,
		OffsetMin:  -f.latest, OffsetMax: -f.earliest,
		Status: f.status,
	})
}

// sleep is the fake clock's wait: it advances time by d instead of
// sleeping, unless ctx is already done.
func (f *FakeAgent) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.Advance(d)
	return nil
}
