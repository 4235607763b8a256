package estimator

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// feasibleRunPairs is feasibleRun by brute force over all pairs.
func feasibleRunPairs(samples []record, xs []float64) (interval, int) {
	n := len(samples)
	feasible, first := unknownDrift, n-1
	for i := n - 2; i >= 0; i-- {
		next := feasible
		for j := i + 1; j < n; j++ {
			dt := xs[j] - xs[i]
			yi, ei, yj, ej := samples[i].offset, samples[i].half(), samples[j].offset, samples[j].half()
			next = next.intersect(interval{(yj - ej - yi - ei) / dt, (yj + ej - yi + ei) / dt})
		}
		if next.empty() {
			break
		}
		feasible, first = next, i
	}
	return feasible, first
}

func TestFeasibleRunMatchesPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for trial := range 2000 {
		n := 2 + rng.IntN(70)
		drift := (rng.Float64() - 0.5) * 1e-4
		samples := make([]record, n)
		xs := make([]float64, n)
		at := epoch
		for i := range samples {
			at = at.Add(time.Duration(1 + rng.IntN(int(5*time.Second))))
			off := time.Duration(drift*float64(at.Sub(epoch))) + time.Duration(rng.NormFloat64()*50e3)
			if trial%5 == 0 && i == n/2 {
				off += 10 * time.Millisecond // a step ends the run
			}
			samples[i] = newRecord(Sample{Source: "a", Time: at, Offset: off, Delay: time.Duration(100e3 + rng.IntN(300e3))}, epoch, 0)
		}
		for i := range samples {
			xs[i] = float64(samples[i].at - samples[n-1].at)
		}
		gotIv, gotFirst := feasibleRun(samples, xs, &fitBuffers{})
		wantIv, wantFirst := feasibleRunPairs(samples, xs)
		if gotFirst != wantFirst || math.Abs(gotIv.lo-wantIv.lo) > 1e-12 || math.Abs(gotIv.hi-wantIv.hi) > 1e-12 {
			t.Fatalf("trial %d (n=%d): hull %v from %d, pairs %v from %d", trial, n, gotIv, gotFirst, wantIv, wantFirst)
		}
	}
}

func TestNth(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for trial := range 500 {
		n := 1 + rng.IntN(80)
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = float64(rng.IntN(20)) // many ties
		}
		sorted := slices.Clone(xs)
		slices.Sort(sorted)
		k := rng.IntN(n)
		if got := nth(xs, k); got != sorted[k] {
			t.Fatalf("trial %d: nth(%d) = %g, want %g", trial, k, got, sorted[k])
		}
	}
}

func TestThinSpreadsHistory(t *testing.T) {
	tests := []struct {
		name string
		half func(i int) float64
	}{
		{"equal intervals", func(int) float64 { return 100e3 }},
		{"alternating intervals", func(i int) float64 { return float64(100e3 + i%2*50e3) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var samples []record
			for i := range 1000 {
				samples = append(samples, record{at: int64(i) * 1e9, meas: tc.half(i)})
				samples = thin(samples, 64, int64(time.Hour))
			}
			if len(samples) != 64 {
				t.Fatalf("%d samples kept", len(samples))
			}
			if span := time.Duration(samples[63].at - samples[0].at); span < 900*time.Second {
				t.Errorf("history spans %v of 999s polled every second", span)
			}
		})
	}
}

// TestDriftAgreesWithinTheWander: after a step of the frequency, fits over
// runs of different lengths miss each other by hundredths of a ppm (the
// simulator's thermal step, 20 minutes after it); widened by the wander
// allowance they agree, where otherwise the drift would be unknown, and a
// fit tens of ppm away stays out.
func TestDriftAgreesWithinTheWander(t *testing.T) {
	ppm := func(lo, hi float64) driftFit {
		iv := interval{lo * 1e-6, hi * 1e-6}
		return driftFit{rate: iv.mid(), feasible: iv, used: 10}
	}
	fits := []driftFit{ppm(-13.32, -13.01), ppm(-13.33, -13.05), ppm(-13.40, -13.34), ppm(-13.52, -13.47)}
	if _, _, _, ok := driftChoice(fits, 1); ok {
		t.Fatal("the fits agree as they are: the test shows nothing")
	}
	region, rate, agreeing, ok := driftChoice(wandered(append(fits, ppm(40, 41)), 1e-6), 1)
	if !ok || region.width() > 3e-6 || region.clamp(rate) != rate || region.clamp(-13.3e-6) != -13.3e-6 {
		t.Fatalf("region %v, rate %g, ok %v: want the fits' drifts within the allowance", region, rate, ok)
	}
	if !slices.Equal(agreeing, []bool{true, true, true, true, false}) {
		t.Errorf("agreeing %v: want the four close fits, not the far one", agreeing)
	}
}

// TestAfterGap: a sample that comes after a silence of gapPolls recent
// spacings or more refits the drift at once, and a source silent that
// long by another's newest sample is quiet (its fit is what the drift
// was before).
func TestAfterGap(t *testing.T) {
	every := func(n int, step int64) []record {
		rs := make([]record, n)
		for i := range rs {
			rs[i].at = int64(i) * step
		}
		return rs
	}
	poll := int64(64 * time.Second)
	tests := []struct {
		name    string
		samples []record
		gap     int64 // added before the newest sample
		want    bool
	}{
		{"too few", every(2, poll), 100 * poll, false},
		{"regular", every(20, poll), 0, false},
		{"a lost poll", every(20, poll), poll, false},
		{"a 15-minute outage", every(20, poll), int64(15 * time.Minute), true},
	}
	for _, tc := range tests {
		tc.samples[len(tc.samples)-1].at += tc.gap
		if got := afterGap(tc.samples); got != tc.want {
			t.Errorf("%s: afterGap = %v, want %v", tc.name, got, tc.want)
		}
		src := &sourceState{samples: tc.samples[:len(tc.samples)-1]}
		if got := src.quietAt(tc.samples[len(tc.samples)-1].at); got != tc.want && len(src.samples) > 2 {
			t.Errorf("%s: quietAt = %v, want %v", tc.name, got, tc.want)
		}
	}
}
