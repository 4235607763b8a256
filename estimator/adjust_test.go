package estimator

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// adjustedClock is a local clock with a constant drift that is changed once,
// on purpose, at true time changeAt: its reading moves by phase and its
// rate by freq.
type adjustedClock struct {
	offset   time.Duration
	drift    float64
	changeAt time.Duration
	phase    time.Duration
	freq     float64
}

// trueOffset is local clock − true time at true time t since the epoch.
func (c adjustedClock) trueOffset(t time.Duration) time.Duration {
	before := c.offset + time.Duration(c.drift*float64(min(t, c.changeAt)))
	if t <= c.changeAt {
		return before
	}
	return before + c.phase + time.Duration((c.drift+c.freq)*float64(t-c.changeAt))
}

// local is the local clock reading at true time t.
func (c adjustedClock) local(t time.Duration) time.Time {
	return epoch.Add(t + c.trueOffset(t))
}

func TestAdjustKeepsEstimateTrue(t *testing.T) {
	servers := []server{
		{name: "a", delay: 300 * time.Microsecond, jitter: 100 * time.Microsecond, rootDisp: 50 * time.Microsecond, asymmetry: 0.5},
		{name: "b", delay: 250 * time.Microsecond, jitter: 80 * time.Microsecond, rootDisp: 50 * time.Microsecond, asymmetry: 0.7},
		{name: "c", delay: 400 * time.Microsecond, jitter: 200 * time.Microsecond, rootDisp: 50 * time.Microsecond, asymmetry: 0.4},
	}
	const poll = 16 * time.Second
	changeAt := 40*poll + poll/2
	tests := []struct {
		name  string
		phase time.Duration
		freq  float64
	}{
		{name: "step back 1s", phase: -time.Second},
		{name: "step forward 20ms", phase: 20 * time.Millisecond},
		{name: "frequency -50ppm", freq: -50e-6},
		{name: "frequency +300ppm", freq: 300e-6},
		{name: "step and frequency", phase: -time.Second, freq: -50e-6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := adjustedClock{offset: 3 * time.Millisecond, drift: 50e-6, changeAt: changeAt, phase: tc.phase, freq: tc.freq}
			rng := rand.New(rand.NewPCG(3, 4))
			e := newTestEstimator(servers)
			check := func(at time.Duration) Estimate {
				t.Helper()
				est := e.Estimate(clock.local(at))
				truth := clock.trueOffset(at)
				if (est.Offset - truth).Abs() > est.ErrorBound {
					t.Fatalf("at %v: offset %v ± %v misses the truth %v", at, est.Offset, est.ErrorBound, truth)
				}
				return est
			}
			var before Estimate
			for k := range 80 {
				at := time.Duration(k) * poll
				if at > changeAt && before.Time.IsZero() {
					before = check(changeAt)
					e.Adjust(clock.local(changeAt), tc.phase, tc.freq)
					after := check(changeAt + time.Millisecond)
					if want := clock.drift + tc.freq; math.Abs(after.Drift-want) > after.DriftBound {
						t.Fatalf("drift right after the change: %.3g ± %.3g, want %.3g", after.Drift, after.DriftBound, want)
					}
				}
				for _, s := range servers {
					if err := e.Add(s.measure(rng, clock.local(at), clock.trueOffset(at))); err != nil {
						t.Fatal(err)
					}
				}
				est := check(at)
				if at > changeAt && est.ErrorBound > 2*before.ErrorBound+time.Millisecond {
					t.Fatalf("at %v: bound %v widened from %v by the change", at, est.ErrorBound, before.ErrorBound)
				}
			}
			if end := e.Estimate(clock.local(80 * poll)); end.Steps != 0 {
				t.Fatalf("the deliberate change was counted as %d step(s)", end.Steps)
			}
		})
	}
}

func TestAdjustIgnoresNoChange(t *testing.T) {
	tests := []struct {
		name  string
		phase time.Duration
		freq  float64
	}{
		{name: "zero"},
		{name: "NaN frequency", phase: time.Second, freq: math.NaN()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEstimator([]server{{name: "a", delay: time.Millisecond}})
			if err := e.Add(Sample{Source: "a", Time: epoch, Offset: time.Millisecond, Delay: time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			want := e.Estimate(epoch.Add(time.Second))
			e.Adjust(epoch, tc.phase, tc.freq)
			if got := e.Estimate(epoch.Add(time.Second)); got.Offset != want.Offset || got.Drift != want.Drift {
				t.Fatalf("estimate changed to %v/%g, want %v/%g", got.Offset, got.Drift, want.Offset, want.Drift)
			}
		})
	}
}

func TestAdjustBeforeAnySample(t *testing.T) {
	e := newTestEstimator([]server{{name: "a"}})
	e.WarmStart(50e-6, 0)
	e.Adjust(epoch, -time.Second, -50e-6)
	if err := e.Add(Sample{Source: "a", Time: epoch.Add(time.Second), Offset: time.Millisecond, Delay: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if est := e.Estimate(epoch.Add(time.Second)); math.Abs(est.Drift) > est.DriftBound {
		t.Fatalf("warm drift not moved by the frequency change: %.3g ± %.3g, want about 0", est.Drift, est.DriftBound)
	}
}
