package logicaltime

import (
	"context"
	"errors"
	"testing"
	"time"
)

// fakeStart is the true time fake agents start at in tests.
var fakeStart = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func TestFakeAgent(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		// drive acts on a fake that starts at fakeStart, synchronized,
		// with the interval fakeStart −1 ms … +3 ms.
		drive                    func(*FakeAgent)
		wantEarliest, wantLatest time.Duration // from fakeStart
		wantErr                  error
	}{
		{name: "as set", drive: func(*FakeAgent) {}, wantEarliest: -ms, wantLatest: 3 * ms},
		{name: "moves with time", drive: func(f *FakeAgent) { f.Advance(time.Hour) }, wantEarliest: time.Hour - ms, wantLatest: time.Hour + 3*ms},
		{name: "back in time does nothing", drive: func(f *FakeAgent) { f.Advance(-time.Hour) }, wantEarliest: -ms, wantLatest: 3 * ms},
		{name: "holdover reads", drive: func(f *FakeAgent) { f.SetStatus(StatusHoldover) }, wantEarliest: -ms, wantLatest: 3 * ms},
		{name: "unsynchronized fails", drive: func(f *FakeAgent) { f.SetStatus(StatusUnsynchronized) }, wantErr: ErrUnsynchronized},
		{
			// Silent for 2 s: wander 1e-8/s × (2 s)² / 2 = 20 ns, and
			// 1 s past the stale-after time at 500 ppm = 500 µs.
			name:         "stopped widens",
			drive:        func(f *FakeAgent) { f.Stop(); f.Advance(2 * time.Second) },
			wantEarliest: 2*time.Second - ms - 500*time.Microsecond - 20, wantLatest: 2*time.Second + 3*ms + 500*time.Microsecond + 20,
		},
		{name: "stopped past the limit is stale", drive: func(f *FakeAgent) { f.Stop(); f.Advance(DefaultStaleLimit + 1) }, wantErr: ErrStale},
		{
			name:         "started again",
			drive:        func(f *FakeAgent) { f.Stop(); f.Advance(time.Hour); f.Start() },
			wantEarliest: time.Hour - ms, wantLatest: time.Hour + 3*ms,
		},
		{name: "a set while stopped is not published", drive: func(f *FakeAgent) { f.Stop(); f.SetStatus(StatusUnsynchronized) }, wantEarliest: -ms, wantLatest: 3 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFakeAgent(fakeStart)
			if err := f.SetInterval(fakeStart.Add(-ms), fakeStart.Add(3*ms)); err != nil {
				t.Fatal(err)
			}
			tt.drive(f)
			iv, err := f.Clock().Now()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Now() error = %v, want %v", err, tt.wantErr)
			}
			want := Interval{Earliest: fakeStart.Add(tt.wantEarliest), Latest: fakeStart.Add(tt.wantLatest)}
			if err == nil && iv != want {
				t.Errorf("Now() = [%v, %v], want [%v, %v]", iv.Earliest, iv.Latest, want.Earliest, want.Latest)
			}
		})
	}
}

func TestFakeAgentSetInterval(t *testing.T) {
	far := 100 * 365 * 24 * time.Hour
	tests := []struct {
		name             string
		earliest, latest time.Duration // from fakeStart
		wantErr          bool
	}{
		{name: "exact", earliest: 0, latest: 0},
		{name: "one sided", earliest: 0, latest: time.Second},
		{name: "wrong bound, excludes true time", earliest: time.Second, latest: 2 * time.Second},
		{name: "reversed", earliest: time.Second, latest: 0, wantErr: true},
		{name: "too wide", earliest: -far, latest: far, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFakeAgent(fakeStart)
			err := f.SetInterval(fakeStart.Add(tt.earliest), fakeStart.Add(tt.latest))
			if (err != nil) != tt.wantErr {
				t.Fatalf("SetInterval() = %v, want an error: %v", err, tt.wantErr)
			}
			want := Interval{Earliest: fakeStart.Add(tt.earliest), Latest: fakeStart.Add(tt.latest)}
			if tt.wantErr {
				want = Interval{Earliest: fakeStart, Latest: fakeStart} // unchanged
			}
			if iv, err := f.Clock().Now(); err != nil || iv != want {
				t.Errorf("Now() = %v, %v; want %v", iv, err, want)
			}
		})
	}
}

func TestFakeAgentCommitWaitAdvancesTime(t *testing.T) {
	f := NewFakeAgent(fakeStart)
	f.SetInterval(fakeStart.Add(-2*time.Millisecond), fakeStart.Add(5*time.Millisecond))
	commit := fakeStart.Add(5 * time.Millisecond)
	if err := f.Clock().WaitUntilAfter(context.Background(), commit); err != nil {
		t.Fatal(err)
	}
	if ok, err := f.Clock().After(commit); !ok || err != nil {
		t.Errorf("After(commit) = %v, %v once WaitUntilAfter returned", ok, err)
	}
	// The wait is the width of the interval and the microsecond margin.
	if waited := f.Now().Sub(fakeStart); waited != 7*time.Millisecond+time.Microsecond {
		t.Errorf("the commit wait took %v of fake time, want 7.001ms", waited)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.Clock().WaitUntilAfter(ctx, f.Now().Add(time.Hour)); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitUntilAfter(cancelled) = %v, want context.Canceled", err)
	}
}

func TestFakeAgentFeedsCorrectedHLC(t *testing.T) {
	f := NewFakeAgent(fakeStart)
	f.SetInterval(fakeStart, fakeStart.Add(2*time.Millisecond))
	hlc := NewHLC(WithCorrectedClock(f.Clock()))
	if got, want := hlc.Now(), TimestampAt(fakeStart.Add(time.Millisecond)); got != want {
		t.Errorf("HLC over the fake's corrected clock = %v, want the interval's middle %v", got, want)
	}
}

func TestManualClock(t *testing.T) {
	m := NewManualClock(fakeStart)
	m.Advance(time.Second)
	if got := m.Now(); !got.Equal(fakeStart.Add(time.Second)) {
		t.Errorf("after Advance(1s): %v", got)
	}
	m.Set(time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC))
	if got := m.Now(); !got.Equal(time.Unix(0, 0)) {
		t.Errorf("set before 1970: %v, want the epoch", got)
	}
	var zero ManualClock
	if got := zero.Now(); !got.Equal(time.Unix(0, 0)) {
		t.Errorf("zero ManualClock reads %v, want the epoch", got)
	}
}
