package sim

import (
	"testing"
	"time"
)

// TestFloor: every sample's slack below and above the truth grows by the
// wander allowance over its age, the floor is the least on each side, and
// a jump of the truth forgets the samples before it, also those delivered
// after it.
func TestFloor(t *testing.T) {
	const us = float64(time.Microsecond)
	type sample struct {
		at        time.Duration
		truth     float64
		below, up float64 // slack under and over the truth, µs
	}
	tests := []struct {
		name      string
		jumps     []time.Duration
		samples   []sample
		at        time.Duration
		far, wide time.Duration
	}{
		{name: "nothing yet", at: time.Second},
		{
			name:    "one sample grows by the allowance",
			samples: []sample{{0, 0, 100, 300}},
			at:      10 * time.Second, far: 310 * time.Microsecond, wide: 420 * time.Microsecond,
		},
		{
			name:    "the least slack on each side",
			samples: []sample{{0, 0, 100, 300}, {5 * time.Second, 7 * us, 200, 50}},
			at:      10 * time.Second, far: 110 * time.Microsecond, wide: 165 * time.Microsecond,
		},
		{
			name:  "a jump forgets the samples before it",
			jumps: []time.Duration{20 * time.Second},
			// The sample taken at 19 s is delivered after the one of 21 s.
			samples: []sample{{0, 0, 10, 10}, {21 * time.Second, 30 * us, 100, 200}, {19 * time.Second, 0, 20, 20}},
			at:      25 * time.Second, far: 204 * time.Microsecond, wide: 308 * time.Microsecond,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFloor(1e-6)
			for _, s := range tc.samples {
				f.add(s.at, latestJump(tc.jumps, s.at), s.truth, s.truth-s.below*us, s.truth+s.up*us)
			}
			far, wide := f.at(tc.at, latestJump(tc.jumps, tc.at))
			// Rounded up to whole nanoseconds.
			if (far-tc.far).Abs() > 1 || (wide-tc.wide).Abs() > 1 {
				t.Errorf("floor %v, width %v; want %v, %v", far, wide, tc.far, tc.wide)
			}
		})
	}
}
