package estimator

import (
	"math"
	"sync"
)

// fewRuns reports whether pos positive and neg negative signs that form
// runs runs (maximal blocks of one sign) are too few runs to be random at
// significance level: the lower tail of the Wald–Wolfowitz runs test, from
// the exact distribution of the number of runs given pos and neg (Swed and
// Eisenhart, 1943). A fit whose residuals run in long streaks misses a
// trend, as when the clock's frequency wandered; noise around the right
// line changes sign often.
func fewRuns(runs, pos, neg int, level float64) bool {
	return runsTail(runs, pos, neg, level) <= level
}

// runsAtMost is the probability that pos positive and neg negative signs
// in random order form at most r runs.
func runsAtMost(r, pos, neg int) float64 {
	return runsTail(r, pos, neg, math.Inf(1))
}

// runsTail is the probability that pos positive and neg negative signs in
// random order form at most r runs, or a partial sum of it once that
// exceeds stop: the terms are never negative, so the whole sum exceeds
// stop too, and a test at level stop needs no more of them.
func runsTail(r, pos, neg int, stop float64) float64 {
	if pos == 0 || neg == 0 {
		// One sign only: one run, whatever the order.
		if r >= 1 {
			return 1
		}
		return 0
	}
	total := logChoose(pos+neg, pos)
	var p float64
	for k := 1; 2*k <= r && p <= stop; k++ {
		// 2k runs: k of each sign, starting with either; 2k+1 runs: k+1
		// of one sign and k of the other, which is (pos+neg-2k)/k times
		// half as likely.
		even := 2 * math.Exp(logChoose(pos-1, k-1)+logChoose(neg-1, k-1)-total)
		p += even
		if 2*k+1 <= r {
			p += even / 2 * float64(pos+neg-2*k) / float64(k)
		}
	}
	return min(p, 1)
}

// logChoose is the natural logarithm of the binomial coefficient n over
// k; minus infinity when it is zero (k < 0 or k > n).
func logChoose(n, k int) float64 {
	if k < 0 || k > n {
		return math.Inf(-1)
	}
	return logFactorial(n) - logFactorial(k) - logFactorial(n-k)
}

// logFactorialsKept is how many log-factorials logFactorial keeps in a
// table: enough for the runs test over every residual the estimator pools
// from a handful of full sources.
const logFactorialsKept = 4096

// logFactorials holds ln n! for n below logFactorialsKept, computed on
// first use.
var logFactorials = sync.OnceValue(func() []float64 {
	t := make([]float64, logFactorialsKept)
	for n := range t {
		t[n], _ = math.Lgamma(float64(n + 1))
	}
	return t
})

// logFactorial is ln n! for n ≥ 0.
func logFactorial(n int) float64 {
	if n < logFactorialsKept {
		return logFactorials()[n]
	}
	v, _ := math.Lgamma(float64(n + 1))
	return v
}

// signRuns counts the positive (≥ 0) and negative values of xs and the
// runs of one sign they form in order.
func signRuns(xs []float64) (runs, pos, neg int) {
	for i, x := range xs {
		if x >= 0 {
			pos++
		} else {
			neg++
		}
		if i == 0 || (x >= 0) != (xs[i-1] >= 0) {
			runs++
		}
	}
	return runs, pos, neg
}
