package estimator

import (
	"math"
	"math/rand/v2"
	"testing"
)

// onePath draws n one-way points of a path polled every step ns: the true
// offset drift·x minus the minimum delay, minus exponential queueing of the
// given mean (oriented as the outbound direction's are).
func onePath(rng *rand.Rand, n int, step, drift, minDelay, queueing float64) []point {
	pts := make([]point, n)
	for i := range pts {
		x := float64(i-n+1) * step
		pts[i] = point{x: x, y: drift*x - minDelay - rng.ExpFloat64()*queueing}
	}
	return pts
}

func TestFitEnvelopeFindsTheDrift(t *testing.T) {
	tests := []struct {
		name                string
		n                   int
		step, drift, queue  float64
		maxWidth, maxMissed float64
	}{
		// 64 s polls for an hour on a LAN path.
		{name: "LAN 64s", n: 60, step: 64e9, drift: 12e-6, queue: 50e3, maxWidth: 0.1e-6, maxMissed: 0.02},
		// A minute of 1 s polls: the intervals prove only ±10 ppm.
		{name: "LAN 1s", n: 60, step: 1e9, drift: -30e-6, queue: 50e3, maxWidth: 6e-6, maxMissed: 0.02},
		{name: "WAN 1s", n: 120, step: 1e9, drift: 25e-6, queue: 1e6, maxWidth: 60e-6, maxMissed: 0.02},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 7))
			var missed, widths float64
			const trials = 500
			for range trials {
				pts := onePath(rng, tc.n, tc.step, tc.drift, 150e3, tc.queue)
				env := fitEnvelope(pts, 1, &envelopeScratch{})
				if !env.ok {
					t.Fatal("no envelope")
				}
				if env.iv.clamp(env.rate) != env.rate {
					t.Fatalf("rate %g outside its band %v", env.rate, env.iv)
				}
				if env.iv.clamp(tc.drift) != tc.drift {
					missed++
				}
				widths += env.iv.width()
			}
			t.Logf("band misses the drift in %.1f%% of fits, mean width %.3g ppm", 100*missed/trials, widths/trials*1e6)
			if missed/trials > tc.maxMissed {
				t.Errorf("band misses the drift in %.1f%% of fits, want at most %.1f%%", 100*missed/trials, 100*tc.maxMissed)
			}
			if widths/trials > tc.maxWidth {
				t.Errorf("mean band width %.3g ppm, want at most %.3g", widths/trials*1e6, tc.maxWidth*1e6)
			}
		})
	}
}

func TestFitEnvelopeNeedsThirds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pts := onePath(rng, minEnvelopePoints-1, 1e9, 0, 0, 1e3)
	if env := fitEnvelope(pts, 1, &envelopeScratch{}); env.ok {
		t.Errorf("envelope from %d points", len(pts))
	}
	// Enough points, but all but a few at the end of the span.
	pts = onePath(rng, 40, 1e9, 0, 0, 1e3)
	pts[0].x = -1e12
	if env := fitEnvelope(pts, 1, &envelopeScratch{}); env.ok {
		t.Error("envelope from a span whose first third holds one point")
	}
}

// TestLevelShift: a route change shows in the newest points of one
// direction, queueing alone does not.
func TestLevelShift(t *testing.T) {
	tests := []struct {
		name     string
		shift    float64 // added to the newest points' offset
		newest   int     // how many newest points are shifted
		wantRise bool
		want     bool
	}{
		{name: "steady", want: false},
		{name: "delay grew by 300 µs", shift: -300e3, newest: dropRun + 4, want: true},
		{name: "delay shrank by 300 µs", shift: 300e3, newest: riseRun, want: true, wantRise: true},
		{name: "two points of a burst", shift: -300e3, newest: 2, want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for seed := range uint64(50) {
				pts := onePath(rand.New(rand.NewPCG(seed, 3)), 200, 1e9, 5e-6, 100e3, 50e3)
				for i := len(pts) - tc.newest; i < len(pts); i++ {
					pts[i].y += tc.shift
				}
				first, rose := levelShift(pts, 1, &envelopeScratch{})
				if got := first >= 0; got != tc.want || (got && rose != tc.wantRise) {
					t.Fatalf("seed %d: shift at %d (rose %v), want a shift %v (rise %v)", seed, first, rose, tc.want, tc.wantRise)
				}
				// A point that queued long just before may join the run.
				if tc.want && first < len(pts)-tc.newest-2 {
					t.Fatalf("seed %d: shift found at %d, well before the first shifted point %d", seed, first, len(pts)-tc.newest)
				}
			}
		})
	}
}

// TestStraightEnvelopeTrustsTheNewestHalf: when the drift changed within
// the span, the envelope is fitted on the newer part only.
func TestStraightEnvelopeTrustsTheNewestHalf(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	pts := onePath(rng, 400, 1e9, 10e-6, 100e3, 20e3)
	for i := range pts[:200] {
		pts[i].y += 2e-6 * (pts[i].x - pts[200].x) // 2 ppm faster until point 200
	}
	env, first := straightEnvelope(pts, 1, &envelopeScratch{})
	if !env.ok || first < 150 {
		t.Fatalf("envelope %+v from point %d: want it from after the change at 200", env, first)
	}
	if env.iv.clamp(10e-6) != 10e-6 {
		t.Errorf("band %v misses the drift since the change, 10 ppm", env.iv)
	}
}

// bruteEnvelope returns the least mean height above pts over the lines
// through two of them that lie above all, to within tol.
func bruteEnvelope(pts []point, tol float64) float64 {
	best := math.Inf(1)
	for i := range pts {
		for j := i + 1; j < len(pts); j++ {
			k := slope(pts[i], pts[j])
			h := pts[i].y - k*pts[i].x
			var sum float64
			above := true
			for _, p := range pts {
				d := k*p.x + h - p.y
				above = above && d >= -tol
				sum += d
			}
			if above {
				best = min(best, sum/float64(len(pts)))
			}
		}
	}
	return best
}

// tolerance is the rounding error of heights above points whose offsets
// are as large as pts'.
func tolerance(pts []point) float64 {
	largest := 1.0
	for _, p := range pts {
		largest = max(largest, math.Abs(p.y))
	}
	return 1e-9 * largest
}

// FuzzEnvelopeFit: random point sets never make the fit panic, its slope
// lies in its band within the feasible drifts, its line lies above every
// point and no line through two points does better (the linear program's
// optimum).
func FuzzEnvelopeFit(f *testing.F) {
	f.Add(uint64(1), uint8(30), int64(1e9), int64(12000), int64(50000))
	f.Add(uint64(2), uint8(80), int64(64e9), int64(-500000), int64(1))
	f.Add(uint64(3), uint8(24), int64(1), int64(0), int64(1e12))
	f.Fuzz(func(t *testing.T, seed uint64, n uint8, step, driftPPB, queue int64) {
		rng := rand.New(rand.NewPCG(seed, seed))
		pts := make([]point, 0, n)
		x := 0.0
		for range n {
			x += float64(1 + rng.Int64N(max(step, 1)))
			y := float64(driftPPB)*1e-9*x - float64(queue)*rng.ExpFloat64()
			if rng.IntN(10) == 0 {
				y = float64(rng.Int64()) // garbage
			}
			pts = append(pts, point{x: x, y: y})
		}
		env := fitEnvelope(pts, 1, &envelopeScratch{})
		if !env.ok {
			return
		}
		if math.IsNaN(env.rate) || env.iv.clamp(env.rate) != env.rate || unknownDrift.intersect(env.iv) != env.iv {
			t.Fatalf("rate %g, band %v: want the rate in the band, the band within %v", env.rate, env.iv, unknownDrift)
		}
		var sum float64
		tol := tolerance(pts)
		for _, p := range pts {
			d := env.rate*p.x + env.height - p.y
			if d < -tol {
				t.Fatalf("point %+v lies %g above the envelope", p, -d)
			}
			sum += d
		}
		if len(pts) <= 40 {
			if best, got := bruteEnvelope(pts, tol), sum/float64(len(pts)); got > best+tol {
				t.Fatalf("mean height %g above the points, a line through two does %g", got, best)
			}
		}
	})
}

// TestEnvelopeBandStopsAtTheWidestDrift: points whose scatter dwarfs their
// span allow any slope a clock can have, and the band says so instead of
// reaching past ±MaxFrequencyTolerance.
func TestEnvelopeBandStopsAtTheWidestDrift(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	pts := onePath(rng, minEnvelopePoints, 1e3, 0, 0, 1e6)
	for _, i := range []int{0, minEnvelopePoints / 2, minEnvelopePoints - 1} {
		pts[i].y = 0 // a flat envelope through three points
	}
	env := fitEnvelope(pts, 1, &envelopeScratch{})
	if !env.ok || env.rate != 0 || env.iv != unknownDrift {
		t.Errorf("envelope %+v: want slope 0 within the band %v", env, unknownDrift)
	}
}

// oneWayRecords returns n exchanges a second apart of a clock drift fast
// over a path with 100 µs minimum delay each way and exponential queueing;
// back adds to the return delay of the newest grown exchanges.
func oneWayRecords(n int, drift float64, grown int, back float64) []record {
	rng := rand.New(rand.NewPCG(11, 11))
	rs := make([]record, n)
	for i := range rs {
		out, in := 100e3+rng.ExpFloat64()*20e3, 100e3+rng.ExpFloat64()*20e3
		if i >= n-grown {
			in += back
		}
		at := int64(i) * 1e9
		rs[i] = record{at: at, offset: drift*float64(at) + (in-out)/2, delay: out + in}
	}
	return rs
}

// TestOneWayFit: both directions measure the drift; a route change on the
// way back restarts that direction, which has too few points for an
// envelope until the path has been seen long enough, and the source's
// drift is the outbound envelope's meanwhile. Only a shorter delay marks
// the source moved (its points rose: the delay shrank, or its clock moved
// against ours); a longer one leaves its intervals as true as before.
// Exchanges stamped no later than the one before (the clock was adjusted)
// are left out.
func TestOneWayFit(t *testing.T) {
	const drift = 7e-6
	tests := []struct {
		name      string
		records   []record
		wantMoved bool
		wantIn    bool
	}{
		{name: "steady", records: oneWayRecords(200, drift, 0, 0), wantIn: true},
		{name: "return route grew", records: oneWayRecords(200, drift, 20, 300e3)},
		{name: "return route shrank", records: oneWayRecords(200, drift, 6, -150e3), wantMoved: true},
		{
			name: "a repeated stamp",
			records: func() []record {
				rs := oneWayRecords(200, drift, 0, 0)
				rs[100].at = rs[99].at
				return rs
			}(),
			wantIn: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var w oneWay
			w.fit(tc.records, &oneWayBuffers{})
			if !w.ok || w.iv.clamp(drift) != drift || w.moved != tc.wantMoved || w.dirs[inbound].ok != tc.wantIn {
				t.Fatalf("fit %+v: want the drift %g in its band, moved %v, inbound envelope %v", w, drift, tc.wantMoved, tc.wantIn)
			}
			if !tc.wantIn && (w.rate != w.dirs[outbound].rate || w.iv != w.dirs[outbound].iv) {
				t.Errorf("drift %g in %v, want the outbound envelope's %g in %v", w.rate, w.iv, w.dirs[outbound].rate, w.dirs[outbound].iv)
			}
		})
	}
}
