package estimator

import "math"

// fewRuns reports whether pos positive and neg negative signs that form
// runs runs (maximal blocks of one sign) are too few runs to be random at
// significance level: the lower tail of the Wald–Wolfowitz runs test, from
// the exact distribution of the number of runs given pos and neg (Swed and
// Eisenhart, 1943). A fit whose residuals run in long streaks misses a
// trend, as when the clock's frequency wandered; noise around the right
// line changes sign often.
func fewRuns(runs, pos, neg int, level float64) bool {
	return runsAtMost(runs, pos, neg) <= level
}

// runsAtMost is the probability that pos positive and neg negative signs
// in random order form at most r runs.
func runsAtMost(r, pos, neg int) float64 {
	if pos == 0 || neg == 0 {
		// One sign only: one run, whatever the order.
		if r >= 1 {
			return 1
		}
		return 0
	}
	total := logChoose(pos+neg, pos)
	var p float64
	for k := 1; 2*k <= r; k++ {
		// 2k runs: k of each sign, starting with either.
		p += 2 * math.Exp(logChoose(pos-1, k-1)+logChoose(neg-1, k-1)-total)
		if 2*k+1 <= r {
			// 2k+1 runs: k+1 of one sign and k of the other.
			p += math.Exp(logChoose(pos-1, k)+logChoose(neg-1, k-1)-total) +
				math.Exp(logChoose(pos-1, k-1)+logChoose(neg-1, k)-total)
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
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
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
