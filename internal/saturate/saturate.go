// Package saturate is integer arithmetic that clamps at the limits of
// int64 instead of wrapping: an unknown error bound (math.MaxInt64
// nanoseconds) grown further stays unknown, and a timestamp moved past the
// end of time stays at the end. Seconds converts a float number of
// seconds (from JSON, say) into a time.Duration the same way.
//
// The logicaltime module keeps a copy of Add for its clock file reader: it
// depends on the standard library and golang.org/x/sys only, never on the
// agent's packages.
package saturate

import (
	"math"
	"time"
)

// Add returns a + b, clamped to [math.MinInt64, math.MaxInt64].
func Add[T ~int64](a, b T) T {
	s := a + b
	switch {
	case b > 0 && s < a:
		return math.MaxInt64
	case b < 0 && s > a:
		return math.MinInt64
	}
	return s
}

// Sub returns a − b, clamped to [math.MinInt64, math.MaxInt64].
func Sub[T ~int64](a, b T) T {
	if b == math.MinInt64 {
		if a >= 0 {
			return math.MaxInt64
		}
		return a - b
	}
	return Add(a, -b)
}

// Seconds returns v seconds as a time.Duration, clamped to
// [math.MinInt64, math.MaxInt64] nanoseconds (about ±292 years), where a
// plain conversion is undefined and in practice flips the sign. NaN is 0.
func Seconds(v float64) time.Duration {
	ns := v * 1e9
	switch {
	case ns >= math.MaxInt64:
		return math.MaxInt64
	case ns <= math.MinInt64:
		return math.MinInt64
	case math.IsNaN(ns):
		return 0
	}
	return time.Duration(ns)
}
