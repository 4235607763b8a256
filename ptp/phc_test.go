package ptp

import (
	"errors"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/localclock"
)

func TestPHCTimescaleOffset(t *testing.T) {
	tai := 37 * time.Second
	tests := []struct {
		name string
		raw  time.Duration
		want time.Duration
	}{
		{name: "PHC on TAI, in step", raw: -tai, want: tai},
		{name: "PHC on TAI, 2 µs behind", raw: -tai + 2*time.Microsecond, want: tai},
		{name: "PHC on UTC", raw: 3 * time.Microsecond, want: 0},
		{name: "PHC a second off TAI: unknown, taken as UTC", raw: -tai + time.Second, want: 0},
		{name: "PHC far off", raw: 1000 * time.Hour, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := phcTimescaleOffset(tt.raw, tai); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPHCSource(t *testing.T) {
	tests := []struct {
		name    string
		open    error
		reading PHCReading
		readErr error
		result  estimator.Result
		offset  time.Duration
		// shift is how far the local clock reads ahead of the system clock.
		shift time.Duration
	}{
		{name: "TAI PHC 1.5 µs behind the system clock", reading: PHCReading{SysTime: epoch, Offset: -37*time.Second + 1500, Delay: 600},
			result: estimator.ResultOK, offset: 1500},
		{name: "UTC PHC", reading: PHCReading{SysTime: epoch, Offset: -800, Delay: 600}, result: estimator.ResultOK, offset: -800},
		{name: "UTC PHC, the local clock 1 s ahead of the system clock", reading: PHCReading{SysTime: epoch, Offset: -800, Delay: 600},
			shift: time.Second, result: estimator.ResultOK, offset: time.Second - 800},
		{name: "no device", open: errors.New("no such file"), result: ResultNoPHC},
		{name: "ioctl fails", readErr: errors.New("operation not supported"), result: ResultNoPHC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dev := &fakePHC{reading: tt.reading, err: tt.readErr}
			var clock func() time.Time
			if tt.shift != 0 {
				clock = localclock.Shifted(tt.shift)
			}
			s := NewPHCSource("eth0", 0, clock, nil)
			s.taiOffset = func() time.Duration { return 37 * time.Second }
			s.open = func(string) (PHC, error) {
				if tt.open != nil {
					return nil, tt.open
				}
				return dev, nil
			}
			before := localclock.System()
			obs := s.poll()
			span := localclock.System().Sub(before)
			if obs.Result != tt.result {
				t.Fatalf("result %q (%v), want %q", obs.Result, obs.Err, tt.result)
			}
			if tt.result != estimator.ResultOK {
				if tt.readErr != nil && (!dev.closed || s.phc != nil) {
					t.Error("a PHC that failed a read stays open; it must be reopened")
				}
				return
			}
			smp := obs.Sample
			if (smp.Offset-tt.offset).Abs() > span || smp.Delay != tt.reading.Delay || (smp.Time.Sub(epoch)-tt.shift).Abs() > span || smp.ErrorBound() < tt.reading.Delay/2 {
				t.Errorf("sample %+v, want offset %v", smp, tt.offset)
			}
		})
	}
}

func TestOffsetWindowSpread(t *testing.T) {
	tests := []struct {
		name    string
		offsets []time.Duration
		want    time.Duration
	}{
		{name: "empty", want: 0},
		{name: "one", offsets: []time.Duration{7}, want: 0},
		{name: "max minus min", offsets: []time.Duration{5, -3, 2}, want: 8},
		{name: "old extremes fall out", offsets: append([]time.Duration{1000, -1000}, make([]time.Duration, windowSize)...), want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w offsetWindow
			for _, o := range tt.offsets {
				w.add(o)
			}
			if got := w.spread(); got != tt.want {
				t.Errorf("spread %v, want %v", got, tt.want)
			}
		})
	}
}
