package estimator

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestSteadyRuns: the clock counts as steady (the point's memory is the
// sources' straight runs) when four LAN sources' samples scatter only by
// their queueing around a straight line, not when the line bends by less
// than the queueing of single samples, nor before the runs hold
// steadySamples samples.
func TestSteadyRuns(t *testing.T) {
	tests := []struct {
		name   string
		polls  int
		wave   time.Duration // amplitude of a bend with a period of an hour
		steady bool
	}{
		{name: "straight line", polls: 64, steady: true},
		{name: "bent by 40µs", polls: 64, wave: 40 * time.Microsecond},
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
			if got := e.drift(last).steady; got != tc.steady {
				t.Errorf("steady %v, want %v", got, tc.steady)
			}
		})
	}
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
