package estimator

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// server describes one synthetic reference for the tests: its own error
// (zero for an honest server), the base delay of its path and jitter.
type server struct {
	name      string
	err       time.Duration
	delay     time.Duration
	jitter    time.Duration
	rootDisp  time.Duration
	asymmetry float64 // share of the jitter on the outbound path, 0..1
}

// measure simulates one NTP exchange at local time t of a clock whose true
// offset is trueOffset.
func (s server) measure(rng *rand.Rand, t time.Time, trueOffset time.Duration) Sample {
	out := s.delay/2 + time.Duration(rng.ExpFloat64()*float64(s.jitter)*s.asymmetry)
	back := s.delay/2 + time.Duration(rng.ExpFloat64()*float64(s.jitter)*(1-s.asymmetry))
	// With t1..t4 as in RFC 5905, local − reference is
	// ((t1−t2)+(t4−t3))/2 = trueOffset − err + (back−out)/2.
	measured := trueOffset - s.err + (back-out)/2
	return Sample{
		Source: s.name, Time: t, Offset: measured, Delay: out + back,
		RootDispersion: s.rootDisp, Precision: time.Microsecond, Stratum: 1,
	}
}

func newTestEstimator(servers []server) *Estimator {
	e := New(Config{})
	infos := make([]SourceInfo, len(servers))
	for i, s := range servers {
		infos[i] = SourceInfo{Name: s.name, Kind: KindNTP, Address: s.name}
	}
	e.SetSources(infos)
	return e
}

func TestEstimateCoversTruth(t *testing.T) {
	lan := []server{
		{name: "a", delay: 300 * time.Microsecond, jitter: 100 * time.Microsecond, rootDisp: 50 * time.Microsecond, asymmetry: 0.5},
		{name: "b", delay: 250 * time.Microsecond, jitter: 80 * time.Microsecond, rootDisp: 50 * time.Microsecond, asymmetry: 0.8},
		{name: "c", delay: 400 * time.Microsecond, jitter: 200 * time.Microsecond, rootDisp: 50 * time.Microsecond, asymmetry: 0.3},
	}
	withFalseticker := append(append([]server{}, lan...),
		server{name: "liar", err: 20 * time.Millisecond, delay: 300 * time.Microsecond, jitter: 100 * time.Microsecond, rootDisp: 50 * time.Microsecond, asymmetry: 0.5})
	tests := []struct {
		name        string
		servers     []server
		drift       float64
		falseticker string
	}{
		{name: "lan", servers: lan},
		{name: "lan with drift", servers: lan, drift: 37e-6},
		{name: "falseticker", servers: withFalseticker, drift: -12e-6, falseticker: "liar"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			e := newTestEstimator(tc.servers)
			start := 3 * time.Millisecond
			var worst time.Duration
			for step := range 600 {
				t0 := epoch.Add(time.Duration(step) * time.Second)
				truth := func(at time.Time) time.Duration {
					return start + time.Duration(tc.drift*float64(at.Sub(epoch)))
				}
				for _, s := range tc.servers {
					if err := e.Add(s.measure(rng, t0, truth(t0))); err != nil {
						t.Fatal(err)
					}
				}
				now := t0.Add(500 * time.Millisecond)
				est := e.Estimate(now)
				if !est.Synchronized {
					t.Fatalf("step %d: not synchronized: %+v", step, est)
				}
				errAbs := (est.Offset - truth(now)).Abs()
				if errAbs > est.ErrorBound {
					t.Fatalf("step %d: |error| %v exceeds bound %v", step, errAbs, est.ErrorBound)
				}
				if tr := truth(now); tr < est.OffsetMin || tr > est.OffsetMax {
					t.Fatalf("step %d: truth %v outside [%v, %v]", step, tr, est.OffsetMin, est.OffsetMax)
				}
				worst = max(worst, errAbs)
				if tc.falseticker != "" && step > 5 {
					for _, se := range est.Sources {
						wantSelected := se.Name != tc.falseticker
						if se.Selected != wantSelected {
							t.Fatalf("step %d: source %s selected=%v status=%s", step, se.Name, se.Selected, se.Status)
						}
					}
				}
			}
			final := e.Estimate(epoch.Add(600 * time.Second))
			if got := final.Drift; math.Abs(got-tc.drift) > final.DriftBound {
				t.Errorf("drift %g outside %g ± %g", got, tc.drift, final.DriftBound)
			}
			if final.DriftBound > 2e-6 {
				t.Errorf("drift bound %g after 10 minutes is too loose", final.DriftBound)
			}
			t.Logf("worst error %v, final bound %v, drift %.3f ± %.3f ppm", worst, final.ErrorBound, final.Drift*1e6, final.DriftBound*1e6)
		})
	}
}

func TestNoMajorityIsUnsynchronized(t *testing.T) {
	e := newTestEstimator([]server{{name: "a"}, {name: "b"}})
	for _, s := range []Sample{
		{Source: "a", Time: epoch, Offset: 0, Delay: time.Millisecond},
		{Source: "b", Time: epoch, Offset: 50 * time.Millisecond, Delay: time.Millisecond},
	} {
		if err := e.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	est := e.Estimate(epoch)
	if est.Synchronized || est.Status != StatusUnsynchronized {
		t.Fatalf("two disagreeing sources: got status %s", est.Status)
	}
	// The truth is one of the two; the bound must cover both.
	for _, truth := range []time.Duration{0, 50 * time.Millisecond} {
		if (est.Offset - truth).Abs() > est.ErrorBound {
			t.Errorf("bound %v around %v misses %v", est.ErrorBound, est.Offset, truth)
		}
	}
	for _, se := range est.Sources {
		if se.Status != SourceCandidate {
			t.Errorf("source %s status %s, want candidate", se.Name, se.Status)
		}
	}
}

func TestHoldoverGrowsBoundThenUnsynchronizes(t *testing.T) {
	e := New(Config{StaleAfter: time.Minute, HoldoverMax: 10 * time.Minute})
	e.SetSources([]SourceInfo{{Name: "a", Kind: KindNTP}})
	const drift = 20e-6
	for i := range 120 {
		at := epoch.Add(time.Duration(i) * time.Second)
		off := time.Duration(drift * float64(at.Sub(epoch)))
		if err := e.Add(Sample{Source: "a", Time: at, Offset: off, Delay: 200 * time.Microsecond}); err != nil {
			t.Fatal(err)
		}
	}
	last := epoch.Add(119 * time.Second)
	tests := []struct {
		after  time.Duration
		status Status
	}{
		{10 * time.Second, StatusSynchronized},
		{2 * time.Minute, StatusHoldover},
		{9 * time.Minute, StatusHoldover},
		{11 * time.Minute, StatusUnsynchronized},
	}
	prevBound := time.Duration(0)
	for _, tc := range tests {
		now := last.Add(tc.after)
		est := e.Estimate(now)
		if est.Status != tc.status {
			t.Errorf("after %v: status %s, want %s", tc.after, est.Status, tc.status)
		}
		truth := time.Duration(drift * float64(now.Sub(epoch)))
		if (est.Offset - truth).Abs() > est.ErrorBound {
			t.Errorf("after %v: |%v − %v| exceeds bound %v", tc.after, est.Offset, truth, est.ErrorBound)
		}
		if est.ErrorBound <= prevBound {
			t.Errorf("after %v: bound %v did not grow from %v", tc.after, est.ErrorBound, prevBound)
		}
		prevBound = est.ErrorBound
	}
}

func TestStepResetsHistoryAndIsCounted(t *testing.T) {
	e := newTestEstimator([]server{{name: "a"}, {name: "b"}, {name: "c"}})
	truth := time.Duration(0)
	for i := range 60 {
		at := epoch.Add(time.Duration(i) * time.Second)
		if i == 30 {
			truth = 30 * time.Millisecond // the local clock steps
		}
		for _, name := range []string{"a", "b", "c"} {
			if err := e.Add(Sample{Source: name, Time: at, Offset: truth, Delay: 300 * time.Microsecond}); err != nil {
				t.Fatal(err)
			}
		}
		est := e.Estimate(at)
		if (est.Offset - truth).Abs() > est.ErrorBound {
			t.Fatalf("second %d: |%v − %v| exceeds bound %v", i, est.Offset, truth, est.ErrorBound)
		}
	}
	if got := e.Estimate(epoch.Add(time.Minute)).Steps; got != 1 {
		t.Errorf("steps = %d, want 1", got)
	}
}

func TestSourceStatus(t *testing.T) {
	e := newTestEstimator([]server{{name: "ok"}, {name: "ok2"}, {name: "liar"}, {name: "down"}, {name: "denied"}, {name: "new"}})
	for name, off := range map[string]time.Duration{"ok": 0, "ok2": 0, "liar": time.Second} {
		if err := e.Add(Sample{Source: name, Time: epoch, Offset: off, Delay: time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	e.Fail("down", "timeout")
	e.Fail("denied", "kod")
	e.Stop("denied", "kiss-o'-death DENY")
	// Live: ok, ok2, liar and new (not polled yet); two of four agreeing
	// is not a majority until new answers or fails.
	want := map[string]SourceStatus{"ok": SourceCandidate, "ok2": SourceCandidate, "liar": SourceCandidate, "down": SourceUnreachable, "denied": SourceKoD, "new": SourceInit}
	for _, se := range e.Estimate(epoch).Sources {
		if se.Status != want[se.Name] {
			t.Errorf("%s: status %s, want %s", se.Name, se.Status, want[se.Name])
		}
	}
	e.Fail("new", "timeout")
	want = map[string]SourceStatus{"ok": SourceSelected, "ok2": SourceSelected, "liar": SourceFalseticker, "down": SourceUnreachable, "denied": SourceKoD, "new": SourceUnreachable}
	for _, se := range e.Estimate(epoch).Sources {
		if se.Status != want[se.Name] {
			t.Errorf("%s: status %s, want %s", se.Name, se.Status, want[se.Name])
		}
	}
}

func TestAddRejectsBadSamples(t *testing.T) {
	e := newTestEstimator([]server{{name: "a"}})
	for _, s := range []Sample{
		{Source: "", Time: epoch},
		{Source: "a"},
		{Source: "a", Time: epoch, Delay: -time.Millisecond},
		{Source: "zzz", Time: epoch},
	} {
		if err := e.Add(s); err == nil {
			t.Errorf("Add(%+v) accepted a bad sample", s)
		}
	}
}

func TestAgree(t *testing.T) {
	honest := interval{-150, 150}
	liar := interval{100, 400}
	tests := []struct {
		name        string
		ivs         []interval
		n, hidden   int
		ok          bool
		region      interval
		truechimers []bool
	}{
		{"one", []interval{{0, 2}}, 1, 1, true, interval{0, 2}, []bool{true}},
		{"all overlap", []interval{{0, 4}, {1, 5}, {2, 6}}, 3, 1, true, interval{1, 5}, []bool{true, true, true}},
		{"all overlap, all trusted", []interval{{0, 4}, {1, 5}, {2, 6}}, 3, 0, true, interval{2, 4}, []bool{true, true, true}},
		{"one falseticker", []interval{{0, 4}, {1, 5}, {10, 11}}, 3, 1, true, interval{1, 4}, []bool{true, true, false}},
		{"two disagree", []interval{{0, 1}, {2, 3}}, 2, 1, false, interval{}, nil},
		{"touching", []interval{{0, 1}, {1, 2}}, 2, 1, true, interval{1, 1}, []bool{true, true}},
		{"silent sources count against", []interval{{0, 2}}, 3, 1, false, interval{}, nil},
		{"majority of live answered, all trusted", []interval{{0, 2}, {1, 3}}, 3, 0, true, interval{1, 2}, []bool{true, true}},
		// While some sources have not answered, the one allowed for may be
		// among those that have: each answer alone bounds the truth.
		{"majority of live answered", []interval{{0, 2}, {1, 3}}, 3, 1, true, interval{0, 3}, []bool{true, true}},
		{"three of five answered, a liar among them", []interval{honest, {-100, 200}, liar}, 5, 1, true, interval{-100, 200}, []bool{true, true, true}},
		// A falseticker overlapping the honest intervals must not pull the
		// region away from the truth (0)...
		{"overlapping liar", []interval{honest, honest, honest, honest, liar}, 5, 1, true, honest, []bool{true, true, true, true, true}},
		// ...which trusting every agreeing source would let it do.
		{"overlapping liar, all trusted", []interval{honest, honest, honest, honest, liar}, 5, 0, true, interval{100, 150}, []bool{true, true, true, true, true}},
		// A visible falseticker is the one allowed for: the honest four
		// bound the truth together.
		{"far liar", []interval{{-150, 150}, {-100, 200}, {-200, 100}, {-120, 120}, {5000, 5300}}, 5, 1, true, interval{-100, 100}, []bool{true, true, true, true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := agree(tc.ivs, tc.n, tc.hidden)
			if a.ok != tc.ok || (a.ok && a.region != tc.region) {
				t.Fatalf("agree(%v, %d, %d) = %v %v, want %v %v", tc.ivs, tc.n, tc.hidden, a.ok, a.region, tc.ok, tc.region)
			}
			if a.ok && !slices.Equal(a.truechimers, tc.truechimers) {
				t.Errorf("truechimers %v, want %v", a.truechimers, tc.truechimers)
			}
		})
	}
}

// TestProbationLeavesOutItsSource: while a source is on probation (new,
// suspect, moved or apart), every interval shares a point and the trusted
// sources are a majority, the region is the intersection of the trusted
// ones' intervals (and of the region that allows for any one hidden
// falseticker), not the second-best interval on each side: the probation
// source is not trusted alone, the others are trusted as they are when
// none is on probation.
func TestProbationLeavesOutItsSource(t *testing.T) {
	// The truth is 0. d, on probation, is the tightest below; c, trusted,
	// the tightest above.
	a, b, c, d := interval{-100, 100}, interval{-90, 120}, interval{-120, 70}, interval{-50, 110}
	yes, no := true, false
	tests := []struct {
		name    string
		ivs     []interval
		live    int
		hidden  int
		trusted []bool
		want    interval
	}{
		{"nobody on probation", []interval{a, b, c, d}, 4, 0, []bool{yes, yes, yes, yes}, interval{-50, 70}},
		{"one on probation", []interval{a, b, c, d}, 4, 1, []bool{yes, yes, yes, no}, interval{-90, 70}},
		// Two of four trusted are no majority: whichever may be wrong,
		// the second-best on each side bounds.
		{"half on probation", []interval{a, b, c, d}, 4, 1, []bool{yes, no, yes, no}, interval{-90, 100}},
		// Config.MaxFalsetickers > 0: any source may be wrong anyway.
		{"falsetickers configured", []interval{a, b, c, d}, 4, 1, nil, interval{-90, 100}},
		// Sources that have not answered count in the majority.
		{"trusted minority of the live", []interval{a, c, d}, 5, 1, []bool{yes, yes, no}, interval{-100, 100}},
		// A falseticker that shows is the one agree allows for: the
		// honest four bound together, as before.
		{"with a far liar", []interval{a, b, c, d, {5000, 5300}}, 5, 1, []bool{yes, yes, yes, no, yes}, interval{-50, 70}},
		// A trusted liar that disagrees with the source on probation
		// alone: either may be the one that is wrong, so neither is left
		// out. (The trusted intervals meet at [50, 100], past the truth.)
		{"a trusted liar disagrees with it", []interval{{-100, 100}, {-90, 120}, {-120, 110}, {50, 300}, {-50, 40}}, 5, 1,
			[]bool{yes, yes, yes, yes, no}, interval{-50, 100}},
		// Intervals that share no point: the region that allows for any
		// one stays.
		{"trusted disagree", []interval{{0, 10}, {20, 30}, {5, 25}, {5, 25}}, 4, 1, []bool{yes, yes, yes, no}, interval{5, 25}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			views := make([]view, len(tc.ivs))
			for i, iv := range tc.ivs {
				views[i] = view{iv: iv, point: iv.mid(), reach: iv}
			}
			c := choose(views, tc.live, tc.hidden, tc.trusted, false)
			if !c.majority || c.bounds != tc.want {
				t.Errorf("bounds %v (majority %v), want %v", c.bounds, c.majority, tc.want)
			}
		})
	}
}

func TestEstimateAt(t *testing.T) {
	e := Estimate{Time: epoch, Offset: time.Millisecond, ErrorBound: time.Millisecond, Drift: 10e-6, DriftBound: 1e-6,
		OffsetMin: 0, OffsetMax: 1500 * time.Microsecond}
	got := e.At(epoch.Add(100 * time.Second))
	if got.Offset != 2*time.Millisecond || got.ErrorBound != time.Millisecond+100*time.Microsecond {
		t.Errorf("At: offset %v bound %v", got.Offset, got.ErrorBound)
	}
	if got.OffsetMin != 900*time.Microsecond || got.OffsetMax != 2600*time.Microsecond {
		t.Errorf("At: interval [%v, %v], want [900µs, 2.6ms]", got.OffsetMin, got.OffsetMax)
	}
	unknown := Estimate{ErrorBound: UnknownBound}.At(epoch)
	if unknown.HasOffset() {
		t.Error("an unknown estimate gained an offset")
	}
}
