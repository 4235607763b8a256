package estimator

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

// poll adds one sample per source at time at: offset off plus the source's
// extra, with delay 200 µs.
func poll(t *testing.T, e *Estimator, at time.Time, off time.Duration, extra map[string]time.Duration, sources ...string) {
	t.Helper()
	for _, name := range sources {
		if err := e.Add(Sample{Source: name, Time: at, Offset: off + extra[name], Delay: 200 * time.Microsecond}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStepTransitions(t *testing.T) {
	const step = 30 * time.Millisecond
	tests := []struct {
		name string
		// stepped are the sources whose offset moves by step at second 30.
		stepped []string
		// truthMoves: the reference stepped, not a server alone.
		truthMoves bool
		wantSteps  uint64
		// wantFalseticker is a source that must end up outvoted.
		wantFalseticker string
	}{
		{name: "reference steps", stepped: []string{"a", "b", "c"}, truthMoves: true, wantSteps: 1},
		{name: "one server steps alone", stepped: []string{"b"}, wantFalseticker: "b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEstimator([]server{{name: "a"}, {name: "b"}, {name: "c"}})
			extra := map[string]time.Duration{}
			truth := time.Duration(0)
			for i := range 60 {
				at := epoch.Add(time.Duration(i) * time.Second)
				if i == 30 {
					for _, s := range tc.stepped {
						extra[s] = step
					}
					if tc.truthMoves {
						truth = step
					}
				}
				for k, name := range []string{"a", "b", "c"} {
					polled := at.Add(time.Duration(k) * time.Millisecond)
					poll(t, e, polled, 0, extra, name)
					// From the first sample after the step on, the bound
					// holds, whichever side turns out right.
					if est := e.Estimate(polled); (est.Offset - truth).Abs() > est.ErrorBound {
						t.Fatalf("second %d after %s: %v ± %v misses %v", i, name, est.Offset, est.ErrorBound, truth)
					}
				}
			}
			est := e.Estimate(epoch.Add(time.Minute))
			if est.Steps != tc.wantSteps {
				t.Errorf("steps %d, want %d", est.Steps, tc.wantSteps)
			}
			if tc.wantSteps > 0 && est.LastStep.Size.Round(time.Millisecond) != step {
				t.Errorf("last step %+v, want %v", est.LastStep, step)
			}
			for _, se := range est.Sources {
				if want := se.Name != tc.wantFalseticker; se.Selected != want {
					t.Errorf("%s: selected %v, status %s", se.Name, se.Selected, se.Status)
				}
			}
			// 30 samples since the step, fewer than probation needs: the
			// sources that stepped with the majority are not new, the one
			// that stepped alone is suspect.
			wantHidden := 0
			if tc.wantFalseticker != "" {
				wantHidden = 1
			}
			if got := e.hidden([]int{0, 1, 2}, epoch.Add(time.Minute)); got != wantHidden {
				t.Errorf("the bound allows for %d hidden falsetickers after the step, want %d", got, wantHidden)
			}
		})
	}
}

// TestSourceRemovedDuringATransition: a source that contradicted its
// history and was then removed from the configuration does not stop the
// step from being counted (nor panic).
func TestSourceRemovedDuringATransition(t *testing.T) {
	e := newTestEstimator([]server{{name: "a"}, {name: "b"}, {name: "c"}, {name: "d"}})
	for i := range 30 {
		poll(t, e, epoch.Add(time.Duration(i)*time.Second), 0, nil, "a", "b", "c", "d")
	}
	const step = 30 * time.Millisecond
	poll(t, e, epoch.Add(30*time.Second), step, nil, "d")
	e.SetSources([]SourceInfo{{Name: "a", Kind: KindNTP}, {Name: "b", Kind: KindNTP}, {Name: "c", Kind: KindNTP}})
	poll(t, e, epoch.Add(31*time.Second), step, nil, "a", "b", "c")
	if est := e.Estimate(epoch.Add(32 * time.Second)); est.Steps != 1 || (est.Offset-step).Abs() > est.ErrorBound {
		t.Errorf("steps %d, %v ± %v", est.Steps, est.Offset, est.ErrorBound)
	}
}

func TestTransitionBoundSpansBothSides(t *testing.T) {
	e := newTestEstimator([]server{{name: "a"}, {name: "b"}, {name: "c"}})
	for i := range 30 {
		poll(t, e, epoch.Add(time.Duration(i)*time.Second), 0, nil, "a", "b", "c")
	}
	// The first source to answer after the reference stepped contradicts
	// its own history; the other two have not answered yet.
	poll(t, e, epoch.Add(30*time.Second), 30*time.Millisecond, nil, "a")
	est := e.Estimate(epoch.Add(30*time.Second + time.Millisecond))
	for _, truth := range []time.Duration{0, 30 * time.Millisecond} {
		if (est.Offset - truth).Abs() > est.ErrorBound {
			t.Errorf("bound %v around %v misses %v", est.ErrorBound, est.Offset, truth)
		}
	}
	if est.BoundParts.Selection < 10*time.Millisecond {
		t.Errorf("bound parts %+v: the disagreement should show as selection", est.BoundParts)
	}
}

func TestMinorityThatAnsweredFirstIsNotTrusted(t *testing.T) {
	e := newTestEstimator([]server{{name: "liar"}, {name: "a"}, {name: "b"}})
	poll(t, e, epoch, 0, map[string]time.Duration{"liar": 50 * time.Millisecond}, "liar")
	if est := e.Estimate(epoch); est.HasOffset() || est.Synchronized {
		t.Fatalf("one of three sources answered; got %v ± %v (%s)", est.Offset, est.ErrorBound, est.Status)
	}
	poll(t, e, epoch.Add(10*time.Millisecond), 0, nil, "a", "b")
	est := e.Estimate(epoch.Add(20 * time.Millisecond))
	if !est.Synchronized || est.Offset.Abs() > est.ErrorBound {
		t.Errorf("two honest of three: %v ± %v (%s)", est.Offset, est.ErrorBound, est.Status)
	}
}

func TestQueuedSampleBarelyMovesEstimate(t *testing.T) {
	e := newTestEstimator([]server{{name: "a"}})
	for i := range 20 {
		if err := e.Add(Sample{Source: "a", Time: epoch.Add(time.Duration(i) * time.Second), Delay: 200 * time.Microsecond}); err != nil {
			t.Fatal(err)
		}
	}
	before := e.Estimate(epoch.Add(20 * time.Second)).Offset
	// A burst of queueing on the way back: 50 ms more delay, and the
	// offset as far off as that allows.
	if err := e.Add(Sample{Source: "a", Time: epoch.Add(20 * time.Second), Offset: 25 * time.Millisecond, Delay: 50*time.Millisecond + 200*time.Microsecond}); err != nil {
		t.Fatal(err)
	}
	after := e.Estimate(epoch.Add(20 * time.Second)).Offset
	if moved := (after - before).Abs(); moved > time.Microsecond {
		t.Errorf("one heavily queued sample moved the estimate by %v", moved)
	}
}

func TestBoundParts(t *testing.T) {
	e := New(Config{StaleAfter: time.Minute, HoldoverMax: time.Hour})
	e.SetSources([]SourceInfo{{Name: "a", Kind: KindNTP}})
	for i := range 60 {
		if err := e.Add(Sample{Source: "a", Time: epoch.Add(time.Duration(i) * time.Second), Delay: time.Millisecond, RootDispersion: 100 * time.Microsecond}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		after  time.Duration
		check  func(BoundParts) bool
		expect string
	}{
		{"synchronized", time.Second, func(p BoundParts) bool {
			return p.Measurement >= 400*time.Microsecond && p.RootDistance >= 90*time.Microsecond && p.DriftGrowth < 100*time.Microsecond
		}, "half the delay, the root dispersion and little growth"},
		{"holdover", 30 * time.Minute, func(p BoundParts) bool { return p.DriftGrowth > p.Measurement }, "growth to dominate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			est := e.Estimate(epoch.Add(59*time.Second + tc.after))
			p := est.BoundParts
			if sum := p.Measurement + p.RootDistance + p.DriftGrowth + p.Selection; sum != est.ErrorBound {
				t.Errorf("parts %+v add up to %v, bound %v", p, sum, est.ErrorBound)
			}
			if !tc.check(p) {
				t.Errorf("parts %+v: want %s", p, tc.expect)
			}
		})
	}
}

// TestWarmStartSteersTheDriftNotTheBound: a warm start gives the drift
// estimate from the first sample, while the drift bound stays what the
// samples prove (a saved drift may be from another machine).
func TestWarmStartSteersTheDriftNotTheBound(t *testing.T) {
	const drift = 12e-6
	for _, warm := range []bool{false, true} {
		t.Run(fmt.Sprintf("warm=%v", warm), func(t *testing.T) {
			e := newTestEstimator([]server{{name: "a"}})
			if warm {
				e.WarmStart(drift, 0)
			}
			if err := e.Add(Sample{Source: "a", Time: epoch, Delay: time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			est := e.Estimate(epoch.Add(time.Minute))
			if got := est.Drift + est.DriftBound; got < MaxFrequencyTolerance {
				t.Errorf("drift %g ± %g: the bound relies on the warm start", est.Drift, est.DriftBound)
			}
			if warm && est.Drift != drift {
				t.Errorf("drift %g, want the warm start's %g", est.Drift, drift)
			}
		})
	}
}

// TestWrongWarmStartRetiresWithoutLosingHistory: a saved drift 490 ppm off
// (the state file) never makes the bound lie, never counts as a
// step or throws samples away, and is forgotten once the samples rule it
// out.
func TestWrongWarmStartRetiresWithoutLosingHistory(t *testing.T) {
	e := newTestEstimator([]server{{name: "a"}, {name: "b"}, {name: "c"}})
	e.WarmStart(490e-6, 0.001e-6)
	for i := range 120 {
		at := epoch.Add(time.Duration(i) * time.Second)
		poll(t, e, at, 0, nil, "a", "b", "c")
		if est := e.Estimate(at); est.Synchronized && est.Offset.Abs() > est.ErrorBound {
			t.Fatalf("second %d: %v ± %v misses the true offset 0", i, est.Offset, est.ErrorBound)
		}
	}
	if e.warm != nil {
		t.Errorf("warm start %v not retired", *e.warm)
	}
	est := e.Estimate(epoch.Add(2 * time.Minute))
	if est.Steps != 0 || len(e.list[0].samples) < probationSamples || math.Abs(est.Drift) > 1e-6 {
		t.Errorf("steps %d, samples kept %d, drift %g", est.Steps, len(e.list[0].samples), est.Drift)
	}
}

// TestOutvotedSourceContradictingItselfStartsNoTransition: a falseticker
// whose samples keep contradicting its history (it runs away) does not
// widen the bound to span it each time; it only becomes suspect.
func TestOutvotedSourceContradictingItselfStartsNoTransition(t *testing.T) {
	e := newTestEstimator([]server{{name: "a"}, {name: "b"}, {name: "c"}, {name: "runaway"}})
	extra := map[string]time.Duration{"runaway": 10 * time.Millisecond}
	for i := range 60 {
		extra["runaway"] += time.Millisecond // far beyond what its history allows
		at := epoch.Add(time.Duration(i) * time.Second)
		poll(t, e, at, 0, extra, "a", "b", "c", "runaway")
		if est := e.Estimate(at); i > 0 && est.ErrorBound > time.Millisecond {
			t.Fatalf("second %d: bound %v spans the runaway", i, est.ErrorBound)
		}
	}
	est := e.Estimate(epoch.Add(time.Minute))
	if est.Steps != 0 || est.Sources[3].Status != SourceFalseticker {
		t.Errorf("steps %d, runaway %s", est.Steps, est.Sources[3].Status)
	}
	if runaway := e.list[3]; !runaway.suspectUntil.After(epoch.Add(time.Minute)) {
		t.Errorf("runaway suspect until %v", runaway.suspectUntil)
	}
}

// TestHiddenFalsetickers covers when the bound allows for a source that is
// wrong while it overlaps the others: always with MaxFalsetickers, and
// while any source is new or suspect.
func TestHiddenFalsetickers(t *testing.T) {
	now := epoch.Add(time.Hour)
	tests := []struct {
		name         string
		falsetickers int
		samples      int
		suspectUntil time.Time
		followedStep bool
		want         int
	}{
		{name: "settled sources, NTP rule", samples: probationSamples, want: 0},
		{name: "configured", falsetickers: 2, samples: probationSamples, want: 2},
		{name: "a new source", samples: probationSamples - 1, want: 1},
		{name: "a suspect source", samples: probationSamples, suspectUntil: now.Add(time.Second), want: 1},
		{name: "suspicion over", samples: probationSamples, suspectUntil: now, want: 0},
		{name: "configured above probation", falsetickers: 2, samples: 1, want: 2},
		{name: "history restarted by a counted step", samples: 1, followedStep: true, want: 0},
		{name: "suspect after a counted step", samples: 1, followedStep: true, suspectUntil: now.Add(time.Second), want: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := New(Config{MaxFalsetickers: tc.falsetickers})
			e.SetSources([]SourceInfo{{Name: "a", Kind: KindNTP}, {Name: "b", Kind: KindNTP}})
			e.list[0].samples = make([]record, probationSamples)
			e.list[1].samples = make([]record, tc.samples)
			e.list[1].suspectUntil = tc.suspectUntil
			e.list[1].followedStep = tc.followedStep
			if got := e.hidden([]int{0, 1}, now); got != tc.want {
				t.Errorf("hidden %d, want %d", got, tc.want)
			}
			// The sources on probation are the ones not trusted alone;
			// with falsetickers configured, probation changes nothing.
			want := []bool{true, tc.want == 0}
			if tc.falsetickers > 0 {
				want = nil
			}
			if got := e.trusted([]int{0, 1}, now); !slices.Equal(got, want) {
				t.Errorf("trusted %v, want %v", got, want)
			}
		})
	}
}

// TestDriftOutlierIsNotSelected: a source whose samples fit a drift the
// majority rules out is left out of the offset selection while its
// offsets pass through the others' (a server that lost its reference and
// free-runs): its drift is an outlier or its envelope apart from the
// others'.
func TestDriftOutlierIsNotSelected(t *testing.T) {
	e := newTestEstimator([]server{{name: "a"}, {name: "b"}, {name: "c"}, {name: "drifter"}})
	var est Estimate
	for i := range 2400 {
		at := epoch.Add(time.Duration(i) * time.Second)
		// 1 ppm, from 1.2 ms behind to 1.2 ms ahead: its intervals,
		// 200 µs wide, pass the others' in the middle.
		extra := map[string]time.Duration{"drifter": time.Duration(i-1200) * time.Microsecond}
		poll(t, e, at, 0, extra, "a", "b", "c", "drifter")
		if est = e.Estimate(at); est.Offset.Abs() > est.ErrorBound {
			t.Fatalf("second %d: %v ± %v misses 0", i, est.Offset, est.ErrorBound)
		}
	}
	if d := e.list[3]; !(d.driftOutlier || d.apart) || est.Sources[3].Selected {
		t.Errorf("drifter: outlier %v, apart %v, status %s", d.driftOutlier, d.apart, est.Sources[3].Status)
	}
}

// TestFlappingSourceStartsNoMoreTransitions: a server that jumps ±0.5 s
// and back every few polls among three good ones may widen the bound the
// first time (the reference might have stepped), never again once it has
// shown that it moves alone.
func TestFlappingSourceStartsNoMoreTransitions(t *testing.T) {
	e := newTestEstimator([]server{{name: "a"}, {name: "b"}, {name: "c"}, {name: "flapper"}})
	flaps := []time.Duration{0, 500 * time.Millisecond, 0, -500 * time.Millisecond}
	wide := 0
	for i := range 600 {
		at := epoch.Add(time.Duration(i) * time.Second)
		extra := map[string]time.Duration{"flapper": flaps[(i/3)%len(flaps)]}
		poll(t, e, at, 0, extra, "a", "b", "c", "flapper")
		est := e.Estimate(at)
		if est.Offset.Abs() > est.ErrorBound {
			t.Fatalf("second %d: %v ± %v misses 0", i, est.Offset, est.ErrorBound)
		}
		if i >= 12 && est.ErrorBound > time.Millisecond {
			wide++
		}
	}
	if wide > 0 || e.Estimate(epoch.Add(10*time.Minute)).Steps != 0 {
		t.Errorf("%d readings after the first flaps have a bound over 1 ms", wide)
	}
}
