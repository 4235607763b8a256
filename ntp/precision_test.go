package ntp

import (
	"testing"
	"time"
)

func TestMeasurePrecision(t *testing.T) {
	tests := []struct {
		name  string
		steps []time.Duration // between consecutive readings
		want  time.Duration
	}{
		{"nanosecond clock", []time.Duration{40, 35, 38}, 35},
		{"coarse clock repeats readings", []time.Duration{0, 0, 15625 * time.Microsecond / 1000, 0}, 15625 * time.Microsecond / 1000},
		{"frozen clock", []time.Duration{0, 0, 0}, maxPrecision},
		{"clock stepped back", []time.Duration{-time.Second, 50}, 50},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at, i := time.Unix(0, 0), 0
			now := func() time.Time {
				if i > 0 {
					at = at.Add(tc.steps[i-1])
				}
				i++
				return at
			}
			if got := measurePrecision(now, len(tc.steps)); got != tc.want {
				t.Errorf("precision %v, want %v", got, tc.want)
			}
		})
	}
	if p := localPrecision(); p <= 0 || p > maxPrecision {
		t.Errorf("this host's precision %v", p)
	}
}
