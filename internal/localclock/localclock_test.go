package localclock

import (
	"context"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

func TestAheadOfSystem(t *testing.T) {
	fixed := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		clock func() time.Time
		// want is the answer given the system clock just before the call.
		want func(before time.Time) time.Duration
	}{
		{name: "nil is the system clock", clock: nil, want: func(time.Time) time.Duration { return 0 }},
		{name: "system clock", clock: System, want: func(time.Time) time.Duration { return 0 }},
		{name: "shifted ahead", clock: Shifted(40 * time.Millisecond), want: func(time.Time) time.Duration { return 40 * time.Millisecond }},
		{name: "shifted behind", clock: Shifted(-3 * time.Second), want: func(time.Time) time.Duration { return -3 * time.Second }},
		{name: "stopped in the past", clock: func() time.Time { return fixed }, want: func(b time.Time) time.Duration { return fixed.Sub(b) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The clock is read somewhere between before and after, so
			// the answer is exact to within that span.
			before := System()
			got := AheadOfSystem(tc.clock)
			span := System().Sub(before)
			if want := tc.want(before); (got - want).Abs() > span {
				t.Errorf("AheadOfSystem = %v, want %v within %v", got, want, span)
			}
		})
	}
}

func TestOnClockMovesTimeAndOffset(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := estimator.Sample{Source: "s", Time: at, Offset: time.Millisecond, Delay: time.Millisecond}
	got := OnClock(nil, s)
	if got != s {
		t.Errorf("on the system clock the sample changed: %+v", got)
	}
	before := System()
	got = OnClock(Shifted(time.Hour), s)
	span := System().Sub(before)
	ahead := got.Offset - s.Offset
	if (ahead-time.Hour).Abs() > span || got.Time.Sub(s.Time) != ahead || got.Delay != s.Delay {
		t.Errorf("shifted by an hour: %+v from %+v", got, s)
	}
}

func TestSleep(t *testing.T) {
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Sleep: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); err != context.Canceled {
		t.Errorf("Sleep after cancel: %v, want context.Canceled", err)
	}
}
