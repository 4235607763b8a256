package estimator

import (
	"math"
	"testing"
)

// TestRunsCriticalValues checks the runs test's distribution against the
// published lower critical values of the number of runs (Swed and
// Eisenhart, 1943, the table reproduced in most statistics texts): the
// largest number of runs whose probability, with that many signs of each
// kind in random order, is at most 2.5 % (a two-sided test at 5 %).
// Where no number of runs is that unlikely the table has no entry: 1 here.
func TestRunsCriticalValues(t *testing.T) {
	tests := []struct{ pos, neg, critical int }{
		{2, 5, 1}, {2, 12, 2}, {3, 6, 2}, {4, 4, 1}, {4, 9, 3},
		{5, 5, 2}, {5, 10, 3}, {6, 6, 3}, {7, 7, 3}, {8, 8, 4},
		{9, 9, 5}, {10, 10, 6}, {11, 11, 7}, {12, 12, 7}, {13, 13, 8},
		{14, 14, 9}, {15, 15, 10}, {16, 16, 11}, {17, 17, 11}, {18, 18, 12},
		{19, 19, 13}, {20, 20, 14},
	}
	for _, tc := range tests {
		for _, c := range [][2]int{{tc.pos, tc.neg}, {tc.neg, tc.pos}} {
			if got := criticalRuns(c[0], c[1], 0.025); got != tc.critical {
				t.Errorf("%d positive and %d negative signs: critical number of runs %d, want %d", c[0], c[1], got, tc.critical)
			}
		}
	}
}

// criticalRuns is the largest number of runs fewRuns calls too few.
func criticalRuns(pos, neg int, level float64) int {
	r := 1
	for fewRuns(r+1, pos, neg, level) {
		r++
	}
	return r
}

// TestRunsDistribution: the probabilities of every possible number of
// runs add up to 1, for small and large samples.
func TestRunsDistribution(t *testing.T) {
	for _, c := range [][2]int{{1, 1}, {1, 7}, {3, 4}, {10, 10}, {31, 33}, {64, 64}, {500, 300}} {
		pos, neg := c[0], c[1]
		if p := runsAtMost(pos+neg, pos, neg); math.Abs(p-1) > 1e-9 {
			t.Errorf("%d and %d signs: P(runs ≤ %d) = %v, want 1", pos, neg, pos+neg, p)
		}
		if p := runsAtMost(1, pos, neg); p != 0 {
			t.Errorf("%d and %d signs: P(one run) = %v, want 0", pos, neg, p)
		}
	}
	if p := runsAtMost(1, 5, 0); p != 1 {
		t.Errorf("one sign only: P(one run) = %v, want 1", p)
	}
}

// TestSignRuns counts runs of residuals' signs; zero counts as positive.
func TestSignRuns(t *testing.T) {
	tests := []struct {
		xs                  []float64
		runs, pos, neg      int
		tooFewAtFivePercent bool
	}{
		{xs: []float64{1, -1, 1, -1, 1, -1, 1, -1, 1, -1}, runs: 10, pos: 5, neg: 5},
		{xs: []float64{-3, -2, -1, -1, -2, 1, 2, 3, 2, 1}, runs: 2, pos: 5, neg: 5, tooFewAtFivePercent: true},
		{xs: []float64{0, 0, -1, 2, -2, 0, 1, -1}, runs: 6, pos: 5, neg: 3},
		{xs: []float64{2, 2, 2}, runs: 1, pos: 3},
	}
	for _, tc := range tests {
		runs, pos, neg := signRuns(tc.xs)
		if runs != tc.runs || pos != tc.pos || neg != tc.neg {
			t.Errorf("%v: %d runs of %d positive and %d negative, want %d of %d and %d", tc.xs, runs, pos, neg, tc.runs, tc.pos, tc.neg)
		}
		if got := fewRuns(runs, pos, neg, 0.05); got != tc.tooFewAtFivePercent {
			t.Errorf("%v: too few runs %v, want %v", tc.xs, got, tc.tooFewAtFivePercent)
		}
	}
}

// TestFewRunsStopsOnlyPastTheLevel: the test that stops summing once past
// its level decides as the whole lower tail does.
func TestFewRunsStopsOnlyPastTheLevel(t *testing.T) {
	for _, level := range []float64{0.2, 0.05, 0.2 / 7} {
		for pos := 1; pos <= 40; pos += 3 {
			for neg := 1; neg <= 40; neg += 5 {
				for r := 1; r <= pos+neg; r++ {
					if got, want := fewRuns(r, pos, neg, level), runsAtMost(r, pos, neg) <= level; got != want {
						t.Errorf("%d runs of %d and %d signs at %v: too few %v, want %v", r, pos, neg, level, got, want)
					}
				}
			}
		}
	}
}

// TestLogFactorialBeyondTheTable: past the table, the log-factorial is
// still exact enough for the runs test.
func TestLogFactorialBeyondTheTable(t *testing.T) {
	for _, n := range []int{0, 1, 10, logFactorialsKept - 1, logFactorialsKept, 3 * logFactorialsKept} {
		want, _ := math.Lgamma(float64(n + 1))
		if got := logFactorial(n); math.Abs(got-want) > 1e-9*math.Max(1, want) {
			t.Errorf("ln %d! = %v, want %v", n, got, want)
		}
	}
}
