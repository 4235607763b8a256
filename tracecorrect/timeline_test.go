package tracecorrect

import (
	"testing"
	"time"
)

func TestTimelineLookup(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) int64 { return t0.Add(time.Duration(s * float64(time.Second))).UnixNano() }
	tl := newTimeline([]Measurement{
		{Time: t0.Add(10 * time.Second), Offset: 3 * time.Millisecond, ErrorBound: 200 * time.Microsecond},
		{Time: t0, Offset: time.Millisecond, ErrorBound: 100 * time.Microsecond},
		{Time: t0, Offset: 5 * time.Millisecond, ErrorBound: time.Millisecond}, // same instant, looser: dropped
	})
	growth := boundGrowth{Wander: 1e-6, Drift: 100e-6}
	tests := []struct {
		name              string
		t                 int64
		offset, bound     time.Duration
		wantMeasurementAt bool
	}{
		{"at the first measurement", at(0), time.Millisecond, 100 * time.Microsecond, true},
		{"halfway: linear offset, bound grown by wander", at(5), 2 * time.Millisecond, 155 * time.Microsecond, false},
		{"a quarter of the way", at(2.5), 1500 * time.Microsecond, 127500 * time.Nanosecond, false},
		{"at the last measurement", at(10), 3 * time.Millisecond, 200 * time.Microsecond, true},
		{"after the last: held, bound grown by drift", at(12), 3 * time.Millisecond, 400 * time.Microsecond, false},
		{"before the first: held, bound grown by drift", at(-1), time.Millisecond, 200 * time.Microsecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			offset, bound := tl.lookup(tt.t, growth)
			if time.Duration(offset) != tt.offset || time.Duration(bound) != tt.bound {
				t.Errorf("lookup = offset %v, bound %v; want %v, %v", time.Duration(offset), time.Duration(bound), tt.offset, tt.bound)
			}
			if got := tl.age(tt.t) == 0; got != tt.wantMeasurementAt {
				t.Errorf("age = %v, measurement at t: %v", time.Duration(tl.age(tt.t)), tt.wantMeasurementAt)
			}
		})
	}
}

func TestTimelineMinBound(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tl := newTimeline([]Measurement{
		{Time: t0, ErrorBound: 500 * time.Microsecond},
		{Time: t0.Add(time.Second), ErrorBound: 50 * time.Microsecond},
		{Time: t0.Add(2 * time.Second), ErrorBound: 500 * time.Microsecond},
	})
	growth := boundGrowth{}
	from, to := t0.Add(500*time.Millisecond).UnixNano(), t0.Add(1500*time.Millisecond).UnixNano()
	if got := time.Duration(tl.minBound(from, to, growth)); got != 50*time.Microsecond {
		t.Errorf("minBound over a measurement = %v, want its 50µs", got)
	}
}

func TestGrowSaturates(t *testing.T) {
	if got := grow(1<<62, 0.5, 1<<62); got <= 0 {
		t.Errorf("grow overflowed to %d", got)
	}
}
