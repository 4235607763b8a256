package logicaltime

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// hlcStep is one event on a clock in a scripted test: set the physical
// clock, then take Now (remote zero) or Update(remote).
type hlcStep struct {
	clock   int64 // Unix nanoseconds
	update  bool
	remote  Timestamp
	want    Timestamp
	wantErr error
}

func TestHLCScripts(t *testing.T) {
	tests := []struct {
		name      string
		maxOffset time.Duration
		steps     []hlcStep
	}{
		{
			name: "physical time advances: counter resets",
			steps: []hlcStep{
				{clock: at(0, 10), want: stamp(t0, 0)},
				{clock: at(0, 20), want: stamp(t0, 1)},
				{clock: at(1, 0), want: stamp(t0+1, 0)},
			},
		},
		{
			name: "clock steps back: timestamps keep increasing",
			steps: []hlcStep{
				{clock: at(100, 0), want: stamp(t0+100, 0)},
				{clock: at(0, 0), want: stamp(t0+100, 1)},
				{clock: at(50, 0), want: stamp(t0+100, 2)},
				{clock: at(101, 0), want: stamp(t0+101, 0)},
			},
		},
		{
			name: "remote ahead within max offset: receive after it",
			steps: []hlcStep{
				{clock: at(0, 0), want: stamp(t0, 0)},
				{clock: at(0, 0), update: true, remote: stamp(t0+5, 7), want: stamp(t0+5, 8)},
				{clock: at(1, 0), want: stamp(t0+5, 9)},
			},
		},
		{
			name: "remote behind: receive after the local clock",
			steps: []hlcStep{
				{clock: at(10, 0), update: true, remote: stamp(t0+2, 9), want: stamp(t0+10, 0)},
				{clock: at(10, 0), update: true, remote: stamp(t0+10, 0), want: stamp(t0+10, 1)},
			},
		},
		{
			name:      "remote beyond max offset: rejected, clock unchanged",
			maxOffset: time.Millisecond,
			steps: []hlcStep{
				{clock: at(0, 0), want: stamp(t0, 0)},
				{clock: at(0, 0), update: true, remote: TimestampAt(time.Unix(0, at(0, 2*time.Millisecond))), wantErr: ErrRemoteAhead},
				{clock: at(0, 0), want: stamp(t0, 1)},
			},
		},
		{
			name:      "max offset disabled: any remote accepted",
			maxOffset: 0,
			steps: []hlcStep{
				{clock: at(0, 0), update: true, remote: stamp(t0+1e9, 0), want: stamp(t0+1e9, 1)},
			},
		},
		{
			name:      "remote at the end of the range: rejected",
			maxOffset: 0,
			steps: []hlcStep{
				{clock: at(0, 0), update: true, remote: Timestamp{bits: maxTimestamp}, wantErr: ErrTimestampRange},
			},
		},
		{
			name: "counter overflow carries into the physical part",
			steps: []hlcStep{
				{clock: at(0, 0), update: true, remote: stamp(t0, math.MaxUint16-1), want: stamp(t0, math.MaxUint16)},
				{clock: at(0, 0), want: stamp(t0+1, 0)},
				{clock: at(1, 0), want: stamp(t0+1, 1)},
			},
		},
		{
			name: "clock before 1970 reads as 1970",
			steps: []hlcStep{
				{clock: -5, want: stamp(0, 1)},
				{clock: -5, want: stamp(0, 2)},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &ManualClock{}
			hlc := NewHLC(WithPhysicalClock(clock.Now), WithMaxOffset(tt.maxOffset))
			rejected := uint64(0)
			for i, step := range tt.steps {
				clock.Set(time.Unix(0, step.clock))
				var got Timestamp
				var err error
				if step.update {
					got, err = hlc.Update(step.remote)
				} else {
					got = hlc.Now()
				}
				if !errors.Is(err, step.wantErr) || got != step.want {
					t.Fatalf("step %d: got %v, %v; want %v, %v", i, got, err, step.want, step.wantErr)
				}
				if err != nil {
					rejected++
				}
			}
			if got := hlc.RejectedUpdates(); got != rejected {
				t.Errorf("RejectedUpdates() = %d, want %d", got, rejected)
			}
		})
	}
}

func TestUpdateErrorNamesOffsets(t *testing.T) {
	clock := &ManualClock{}
	clock.Set(time.Unix(0, at(0, 0)))
	hlc := NewHLC(WithPhysicalClock(clock.Now), WithMaxOffset(time.Millisecond))
	_, err := hlc.Update(TimestampAt(time.Unix(0, at(0, time.Second))))
	want := "remote timestamp 2025-01-01T00:00:00.999948288Z_00000 is 999.948288ms ahead of the local clock, more than the max offset 1ms (check clock synchronization of the sender and of this host)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Update error = %v, want it to contain %q", err, want)
	}
}

func TestNewHLCDefaults(t *testing.T) {
	hlc := NewHLC()
	if got := hlc.MaxOffset(); got != DefaultMaxOffset {
		t.Errorf("MaxOffset() = %v, want %v", got, DefaultMaxOffset)
	}
	a, b := hlc.Now(), hlc.Now()
	if !a.Before(b) || a.IsZero() {
		t.Errorf("Now() gave %v then %v, want increasing non-zero timestamps", a, b)
	}
	if got := NewHLC(WithMaxOffset(-time.Second)).MaxOffset(); got != 0 {
		t.Errorf("negative max offset: MaxOffset() = %v, want 0 (disabled)", got)
	}
}
