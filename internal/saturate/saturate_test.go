package saturate

import (
	"math"
	"testing"
	"time"
)

func TestAddSub(t *testing.T) {
	const max, min = math.MaxInt64, math.MinInt64
	tests := []struct {
		a, b, sum, diff int64
	}{
		{a: 1, b: 2, sum: 3, diff: -1},
		{a: max, b: 1, sum: max, diff: max - 1},
		{a: max - 1, b: max, sum: max, diff: -1},
		{a: min, b: -1, sum: min, diff: min + 1},
		{a: min, b: 1, sum: min + 1, diff: min},
		{a: 0, b: min, sum: min, diff: max},
		{a: -1, b: min, sum: min, diff: max},
		{a: -2, b: max, sum: max - 2, diff: min},
		{a: max, b: min, sum: -1, diff: max},
		{a: min, b: max, sum: -1, diff: min},
	}
	for _, tc := range tests {
		if got := Add(tc.a, tc.b); got != tc.sum {
			t.Errorf("Add(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.sum)
		}
		if got := Sub(tc.a, tc.b); got != tc.diff {
			t.Errorf("Sub(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.diff)
		}
	}
	if got := Add(time.Duration(math.MaxInt64), time.Second); got != math.MaxInt64 {
		t.Errorf("an unknown bound grown by a second is %v", got)
	}
}

func FuzzAddSub(f *testing.F) {
	f.Add(int64(1), int64(2))
	f.Add(int64(math.MaxInt64), int64(1))
	f.Add(int64(math.MinInt64), int64(math.MinInt64))
	f.Fuzz(func(t *testing.T, a, b int64) {
		exact := func(x float64) int64 { return int64(math.Max(math.Min(x, math.MaxInt64), math.MinInt64)) }
		// float64 arithmetic is exact to 2^53; far from the limits the
		// clamped result is the plain one.
		if s := Add(a, b); (a > 0) == (b > 0) && a != 0 && b != 0 && (s > 0) != (a > 0) {
			t.Errorf("Add(%d, %d) = %d changed sign", a, b, s)
		}
		if a > -(1<<52) && a < 1<<52 && b > -(1<<52) && b < 1<<52 {
			if Add(a, b) != exact(float64(a)+float64(b)) || Sub(a, b) != exact(float64(a)-float64(b)) {
				t.Errorf("Add/Sub(%d, %d) = %d, %d", a, b, Add(a, b), Sub(a, b))
			}
		}
	})
}

func TestSeconds(t *testing.T) {
	tests := []struct {
		v    float64
		want time.Duration
	}{
		{0, 0},
		{-0.0015, -1500 * time.Microsecond},
		{9.2e9, 9_200_000_000 * time.Second},
		{9.3e9, math.MaxInt64},
		{1e308, math.MaxInt64},
		{math.Inf(1), math.MaxInt64},
		{-1e308, math.MinInt64},
		{math.Inf(-1), math.MinInt64},
		{math.NaN(), 0},
	}
	for _, tc := range tests {
		if got := Seconds(tc.v); got != tc.want {
			t.Errorf("Seconds(%g) = %d, want %d", tc.v, got, tc.want)
		}
	}
}
