// Package saturate is integer arithmetic that clamps at the limits of
// int64 instead of wrapping: an unknown error bound (math.MaxInt64
// nanoseconds) grown further stays unknown, and a timestamp moved past the
// end of time stays at the end.
//
// The logicaltime module keeps a copy of Add for its clock file reader: it
// depends on the standard library and golang.org/x/sys only, never on the
// agent's packages.
package saturate

import "math"

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
