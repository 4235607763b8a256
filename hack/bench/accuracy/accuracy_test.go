package main

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/internal/sim"
)

func TestParseTracking(t *testing.T) {
	at := time.Unix(1795629151, 0)
	tests := []struct {
		name                string
		csv                 string
		offset, bound       float64
		synced, errExpected bool
	}{
		{
			name:   "slow of NTP time is a negative offset",
			csv:    "7F000001,127.0.0.1,2,1795629151.293480505,0.038227849,0.000000201,0.000014350,-25.016,0.028,0.266,0.000032661,0.000000558,1.0,Normal\n",
			offset: -0.038227849, bound: 0.000032661/2 + 0.000000558, synced: true,
		},
		{
			name:   "fast of NTP time is a positive offset",
			csv:    "7F000001,127.0.0.1,2,1795629151.29,-0.000100000,0,0,0,0,0,0.001,0.0005,1.0,Normal",
			offset: 0.0001, bound: 0.001, synced: true,
		},
		{
			name:  "not synchronised",
			csv:   "00000000,,0,0.0,0.0,0,0,0,0,0,1.0,1.0,0.0,Not synchronised",
			bound: 1.5,
		},
		{name: "short", csv: "7F000001,127.0.0.1,2", errExpected: true},
		{name: "garbage number", csv: "7F000001,x,2,0,abc,0,0,0,0,0,0,0,1,Normal", errExpected: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseTracking([]byte(tc.csv), at)
			if (err != nil) != tc.errExpected {
				t.Fatalf("err %v, want error %v", err, tc.errExpected)
			}
			if err != nil {
				return
			}
			if math.Abs(r.offset-tc.offset) > 1e-12 || math.Abs(r.bound-tc.bound) > 1e-12 || r.synced != tc.synced || !r.at.Equal(at) {
				t.Errorf("got %+v, want offset %g bound %g synced %v", r, tc.offset, tc.bound, tc.synced)
			}
		})
	}
}

func TestJudge(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	truth := func(time.Time) float64 { return 0.001 }
	readings := []reading{
		{at: at(0), offset: 0.5, bound: 0.1, synced: true},   // warm-up
		{at: at(10), offset: 0.5, bound: 0.1, synced: false}, // not synchronized yet
		{at: at(20), offset: 0.0011, bound: 0.0002, synced: true, parts: []boundPart{{"a", 0.0001}, {"b", 0.0001}}, interval: &offsetInterval{0.0009, 0.0011}}, // |error| 100 µs, covered
		{at: at(30), offset: 0.0014, bound: 0.0002, synced: true, parts: []boundPart{{"a", 0.0002}, {"b", 0}}},                                                 // 400 µs, not covered
		{at: at(40), offset: 0.2, bound: 0.0001, synced: true},                                                                                                 // blind
		{at: at(50), offset: 0.0009, bound: 2, synced: false},                                                                                                  // 100 µs, unknown bound
	}
	limit := func(t time.Time) limitPoint { return limitPoint{at: t, seconds: 0.0001, truthBound: 0.0001} }
	s := judge("x", readings, truth, window{from: at(5), blind: []span{{from: at(39), to: at(41)}}, limit: limit})
	if s.scored != 3 || s.covered != 2 || s.unsynced != 1 {
		t.Fatalf("scored %d covered %d unsynced %d, want 3 2 1", s.scored, s.covered, s.unsynced)
	}
	if math.Abs(s.median-100e-6) > 1e-12 || math.Abs(s.max-400e-6) > 1e-12 {
		t.Errorf("median %g max %g", s.median, s.max)
	}
	if want := (0.0002 + 0.0002 + 1) / 3; math.Abs(s.meanBound-want) > 1e-12 {
		t.Errorf("mean bound %g, want %g (an unknown bound counts as 1 s)", s.meanBound, want)
	}
	want := []boundPart{{"a", 0.00015}, {"b", 0.00005}}
	if len(s.meanParts) != 2 || s.meanParts[0].name != "a" || math.Abs(s.meanParts[0].seconds-want[0].seconds) > 1e-12 || math.Abs(s.meanParts[1].seconds-want[1].seconds) > 1e-12 {
		t.Errorf("mean parts %v, want %v", s.meanParts, want)
	}
	// The interval holds the truth at 20 s; at 30 s and 50 s the reading
	// has none, so offset ± bound stands in (not covered, then unknown).
	if s.interval == nil || s.interval.covered != 2 {
		t.Fatalf("interval score %+v, want 2 covered", s.interval)
	}
	if want := (0.0001 + 0.0002 + 1) / 3; math.Abs(s.interval.meanHalfWidth-want) > 1e-12 {
		t.Errorf("interval mean half-width %g, want %g", s.interval.meanHalfWidth, want)
	}
	if s.outage != nil || math.Abs(s.limit-0.0001) > 1e-12 || math.Abs(s.steadyBound-s.meanBound) > 1e-12 {
		t.Errorf("without outages: outage %+v, limit %g, steady bound %g (mean bound %g)", s.outage, s.limit, s.steadyBound, s.meanBound)
	}
}

// TestJudgeOutage: the readings in an outage are scored apart, and only
// the others count against the physical limit.
func TestJudgeOutage(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	truth := func(time.Time) float64 { return 0 }
	readings := []reading{
		{at: at(10), offset: 0.0001, bound: 0.0004, synced: true},
		{at: at(20), offset: 0.0003, bound: 0.0008, synced: true}, // in the outage
		{at: at(30), offset: 0.0005, bound: 0.0010, synced: true}, // in the outage
		{at: at(40), offset: 0.0001, bound: 0.0004, synced: true},
	}
	limits := limitAt([]limitPoint{{at: at(0), seconds: 0.0002, truthBound: 0.0003}, {at: at(35), seconds: 0.0004, truthBound: 0.0004}})
	s := judge("x", readings, truth, window{from: at(0), outages: []span{{from: at(15), to: at(35)}}, limit: limits})
	if o := s.outage; o == nil || o.n != 2 || math.Abs(o.median-0.0003) > 1e-12 || math.Abs(o.meanBound-0.0009) > 1e-12 {
		t.Fatalf("outage score %+v, want 2 readings, median 300 µs, mean bound 900 µs", s.outage)
	}
	if math.Abs(s.steadyBound-0.0004) > 1e-12 || math.Abs(s.limit-0.0003) > 1e-12 || math.Abs(s.truthBound-0.00035) > 1e-12 {
		t.Errorf("steady bound %g limit %g truth's bound %g, want 400 µs over a mean limit of 300 µs, and 350 µs", s.steadyBound, s.limit, s.truthBound)
	}
}

func TestShift(t *testing.T) {
	start := time.Unix(1000, 0)
	s := shift{offset: 37 * time.Millisecond, rate: 25e-6, since: start}
	if got := s.faketime(); got != "+0.037000000 x1.000025000" {
		t.Errorf("FAKETIME %q", got)
	}
	if got := s.at(start.Add(100 * time.Second)); got != 37*time.Millisecond+2500*time.Microsecond {
		t.Errorf("after 100 s the clock is %v ahead, want 39.5ms", got)
	}
	r := referenceServer{shifts: []shift{s, {offset: 70 * time.Millisecond, since: start.Add(time.Minute)}}}
	if got := r.clockAt(start.Add(30 * time.Second)); got != 37*time.Millisecond+750*time.Microsecond {
		t.Errorf("before the step: %v", got)
	}
	if got := r.clockAt(start.Add(2 * time.Minute)); got != 70*time.Millisecond {
		t.Errorf("after the step: %v", got)
	}
}

// TestEvents: a scenario's steps, outages, route changes, frequency steps
// and walk happen in time order, each when it says.
func TestEvents(t *testing.T) {
	sc := sim.Scenario{
		Duration:       10 * time.Minute,
		ReferenceSteps: []sim.Step{{At: 5 * time.Minute, By: time.Millisecond}},
		Outages:        []sim.Window{{From: 2 * time.Minute, To: 3 * time.Minute}},
		Clock:          sim.LocalClock{FrequencySteps: []sim.FrequencyStep{{At: 2 * time.Minute, By: 2e-6}}},
		Servers: []sim.Server{
			{Routes: []sim.Route{{At: 4 * time.Minute}}},
			{Walk: 1e-9, WalkFrom: 8 * time.Minute},
		},
	}
	var at []time.Duration
	for _, e := range events(sc) {
		at = append(at, e.at)
	}
	want := []time.Duration{2 * time.Minute, 2 * time.Minute, 3 * time.Minute, 4 * time.Minute, 5 * time.Minute}
	for w := 8*time.Minute + walkStep; w < sc.Duration; w += walkStep {
		want = append(want, w)
	}
	if !slices.Equal(at, want) {
		t.Errorf("events at %v, want %v", at, want)
	}
}

// TestOutageAt: a long outage moved earlier keeps its length and the time
// after it, takes its frequency step along, and leaves the simulator's
// scenario as it was.
func TestOutageAt(t *testing.T) {
	orig, _ := sim.Find(time.Hour, sim.ThermalStep)
	from, length, after := orig.Outages[0].From, orig.Outages[0].To-orig.Outages[0].From, orig.Duration-orig.Outages[0].To
	sc := outageAt(orig, 40*time.Minute)
	o := sc.Outages[0]
	if o.From != 40*time.Minute || o.To-o.From != length || sc.Duration-o.To != after || sc.Clock.FrequencySteps[0].At != 40*time.Minute {
		t.Errorf("outage %v, duration %v, step at %v: want the outage at 40m lasting %v, %v after it, the step with it", o, sc.Duration, sc.Clock.FrequencySteps[0].At, length, after)
	}
	if orig.Outages[0].From != from || orig.Clock.FrequencySteps[0].At != from {
		t.Errorf("the simulator's scenario changed: outage %v, step at %v", orig.Outages[0], orig.Clock.FrequencySteps[0].At)
	}
	if same := outageAt(orig, 0); same.Duration != orig.Duration || same.Outages[0] != orig.Outages[0] {
		t.Errorf("outageAt(0) changed the scenario: %+v", same.Outages)
	}
}
