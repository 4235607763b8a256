// Package localclock is the local clock: the one clock whose offset from
// true time the agent measures, estimates and publishes. The agent reads it
// and gives it to every source, and each source places what it measured on
// the system clock (kernel timestamps, PHC comparisons, what ptp4l and
// chronyd report) onto it. Tests give the whole agent a clock that is off by
// a known amount (Shifted); production gives it System.
//
// A local clock is a func() time.Time, as logicaltime.WithPhysicalClock and
// ntp.Responder.Clock take one; nil means the system clock.
package localclock

import (
	"context"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// System reads the system clock (CLOCK_REALTIME) without Go's monotonic
// reading: offsets are about wall clock readings, and a step of the clock
// must show as one.
func System() time.Time { return time.Now().Round(0) }

// Shifted returns the system clock read shift ahead: the clock of a host
// that is off by shift.
func Shifted(shift time.Duration) func() time.Time {
	return func() time.Time { return System().Add(shift) }
}

// comparisons is how many times AheadOfSystem compares the clocks, keeping
// the comparison read in the shortest span: one that a preemption stretched
// does not count.
const comparisons = 3

// AheadOfSystem returns how far clock reads ahead of the system clock now:
// what to add to a reading of the system clock to place it on clock. It is
// exactly 0 for a nil clock, the system clock itself. Otherwise the system
// clock is read just before and just after clock and their middle is
// taken, in the shortest of a few tries, so the result is exact to within
// half of that span (tens of nanoseconds).
func AheadOfSystem(clock func() time.Time) time.Duration {
	if clock == nil {
		return 0
	}
	var ahead, span time.Duration
	for i := range comparisons {
		before := System()
		local := clock()
		s := System().Sub(before)
		if i == 0 || s < span {
			ahead, span = local.Sub(before.Add(s/2)), s
		}
	}
	return ahead
}

// OnClock moves a sample measured against the system clock onto clock: its
// time and its offset (clock − reference) both grow by AheadOfSystem.
func OnClock(clock func() time.Time, s estimator.Sample) estimator.Sample {
	d := AheadOfSystem(clock)
	s.Time = s.Time.Add(d)
	s.Offset += d
	return s
}

// Sleep waits d or until ctx ends, and returns ctx's error then.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
