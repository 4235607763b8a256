package estimator

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestClockSteady: the clock counts as steady (the point's memory is the
// sources' straight runs) when four LAN sources' samples scatter only by
// their queueing around a straight line, already after 20 polls (21
// minutes at 64 s polls; a runs test needed 48), not when the line bends
// by less than the queueing of single samples over an hour or half an
// hour, nor before the runs hold steadySamples samples.
func TestClockSteady(t *testing.T) {
	tests := []struct {
		name            string
		polls           int
		wave            time.Duration // amplitude of a bend with a period of an hour
		steady, walking bool
	}{
		{name: "straight line", polls: 64, steady: true},
		{name: "straight line over 20 polls", polls: 20, steady: true},
		{name: "bent by 40µs", polls: 64, wave: 40 * time.Microsecond, walking: true},
		{name: "bent by 20µs over half an hour", polls: 30, wave: 20 * time.Microsecond, walking: true},
		{name: "too few samples", polls: steadySamples - 2, steady: false},
	}
	servers := []server{
		{name: "a", delay: 200 * time.Microsecond, jitter: 50 * time.Microsecond, asymmetry: 0.5},
		{name: "b", delay: 260 * time.Microsecond, jitter: 50 * time.Microsecond, asymmetry: 0.5},
		{name: "c", delay: 330 * time.Microsecond, jitter: 50 * time.Microsecond, asymmetry: 0.5},
		{name: "d", delay: 400 * time.Microsecond, jitter: 50 * time.Microsecond, asymmetry: 0.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEstimator(servers)
			rng := rand.New(rand.NewPCG(1, 2))
			var last time.Time
			for i := range tc.polls {
				for k, s := range servers {
					last = epoch.Add(time.Duration(i)*64*time.Second + time.Duration(k)*16*time.Second)
					x := last.Sub(epoch).Seconds()
					truth := time.Millisecond + time.Duration(3e-6*x*1e9) + time.Duration(float64(tc.wave)*math.Sin(2*math.Pi*x/3600))
					if err := e.Add(s.measure(rng, last, truth)); err != nil {
						t.Fatal(err)
					}
				}
			}
			steady, walking := e.clockSteady(e.drift(last).rate)
			if steady != tc.steady || walking != tc.walking {
				t.Errorf("steady %v, walking %v; want %v, %v", steady, walking, tc.steady, tc.walking)
			}
		})
	}
}

// TestSteadyFalseAlarms: residuals of pure noise, each with its own
// weight, fail the steadiness test about as often as its level says, at
// every size the estimator pools.
func TestSteadyFalseAlarms(t *testing.T) {
	const trials = 2000
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{12, 32, 64, 256} {
		failed := 0
		for range trials {
			res := make([]residual, n)
			for i := range res {
				scale := 20e3 + 60e3*rng.Float64()
				res[i] = residual{at: int64(i), value: scale * rng.NormFloat64(), scale: scale}
			}
			if evidence, ok := steadyEvidence(res); !ok || evidence < steadyLevel {
				failed++
			}
		}
		if rate := float64(failed) / trials; rate > 1.25*steadyLevel {
			t.Errorf("%d residuals: %.1f %% of noise-only sets fail, level %.0f %%", n, 100*rate, 100*steadyLevel)
		}
	}
}

// TestFAbove checks the approximation against the F distribution's tail
// integrated numerically, at its 50 %, 5 % and 1 % points among others.
func TestFAbove(t *testing.T) {
	for _, d := range [][2]int{{8, 16}, {8, 32}, {16, 16}, {8, 128}, {32, 128}, {8, 1 << 20}} {
		for _, f := range []float64{0.5, 1, 1.5, 2, 2.5, 3, 4} {
			want := fAboveExact(f, d[0], d[1])
			if got := fAbove(f, d[0], d[1]); math.Abs(got-want) > 0.005 {
				t.Errorf("fAbove(%v, %d, %d) = %.4f, want %.4f", f, d[0], d[1], got, want)
			}
		}
	}
}

// fAboveExact integrates the F density from 0 to f (Simpson's rule) and
// returns the rest.
func fAboveExact(f float64, d1, d2 int) float64 {
	a, b := float64(d1)/2, float64(d2)/2
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	density := func(x float64) float64 {
		if x <= 0 {
			return 0
		}
		return math.Exp(lab - la - lb + a*math.Log(2*a/(2*b)) + (a-1)*math.Log(x) - (a+b)*math.Log1p(2*a*x/(2*b)))
	}
	const steps = 20000
	h := f / steps
	sum := density(0) + density(f)
	for i := 1; i < steps; i++ {
		sum += float64(2+2*(i%2)) * density(float64(i)*h)
	}
	return 1 - sum*h/3
}

// TestMergeInTime: one source's residuals merge into the time-ordered
// others, the older first among equal times, even when the source's own
// came out of order.
func TestMergeInTime(t *testing.T) {
	tests := []struct {
		name         string
		older, newer []int64
		want         []int64
	}{
		{name: "first source", newer: []int64{1, 4, 9}, want: []int64{1, 4, 9}},
		{name: "interleaved", older: []int64{1, 5, 9}, newer: []int64{2, 3, 10}, want: []int64{1, 2, 3, 5, 9, 10}},
		{name: "all before", older: []int64{5, 6}, newer: []int64{1, 2}, want: []int64{1, 2, 5, 6}},
		{name: "equal times", older: []int64{3, 7}, newer: []int64{3, 7}, want: []int64{3, 3, 7, 7}},
		{name: "out of order", older: []int64{2, 8}, newer: []int64{9, 1, 5}, want: []int64{1, 2, 5, 8, 9}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var res, scratch []residual
			for i, at := range tc.older {
				res = append(res, residual{at: at, value: float64(-1 - i)})
			}
			for i, at := range tc.newer {
				res = append(res, residual{at: at, value: float64(1 + i)})
			}
			res = mergeInTime(res, len(tc.older), &scratch)
			for i, r := range res {
				if r.at != tc.want[i] {
					t.Fatalf("merged times %v, want %v", times(res), tc.want)
				}
				if i > 0 && r.at == res[i-1].at && r.value < 0 && res[i-1].value > 0 {
					t.Errorf("at %d the newer source's residual comes first", r.at)
				}
			}
		})
	}
}

// times lists the residuals' times.
func times(res []residual) []int64 {
	var at []int64
	for _, r := range res {
		at = append(at, r.at)
	}
	return at
}
