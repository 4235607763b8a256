package tracecorrect

import (
	"math"
	"slices"
	"sort"
)

// timeline is one host's measurements in nanoseconds, sorted by time with
// one measurement per instant, ready for interpolation.
type timeline struct {
	at     []int64 // host clock, Unix nanoseconds, strictly increasing
	offset []int64
	bound  []int64
}

// newTimeline sorts ms; of several measurements at one instant it keeps
// the one with the smallest bound.
func newTimeline(ms []Measurement) *timeline {
	sorted := slices.Clone(ms)
	slices.SortFunc(sorted, func(a, b Measurement) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return int(min(max(a.ErrorBound-b.ErrorBound, -1), 1))
	})
	tl := &timeline{}
	for _, m := range sorted {
		t := m.Time.UnixNano()
		if n := len(tl.at); n > 0 && tl.at[n-1] == t {
			continue
		}
		tl.at = append(tl.at, t)
		tl.offset = append(tl.offset, int64(m.Offset))
		tl.bound = append(tl.bound, int64(m.ErrorBound))
	}
	return tl
}

// age is the distance from t to the nearest measurement.
func (tl *timeline) age(t int64) int64 {
	i := sort.Search(len(tl.at), func(i int) bool { return tl.at[i] > t })
	switch {
	case i == 0:
		return tl.at[0] - t
	case i == len(tl.at):
		return t - tl.at[i-1]
	default:
		return min(t-tl.at[i-1], tl.at[i]-t)
	}
}

// boundGrowth says how fast a bound grows away from the measurements, as
// ratios: Wander between two measurements (the interpolation follows a
// steady drift, so only a change of drift adds error), Drift beyond the
// first or last (the offset is held, so the whole drift adds error).
type boundGrowth struct {
	Wander, Drift float64
}

// lookup returns the offset and error bound at host time t: linear between
// measurements, the nearest one outside them, with the bound grown with the
// distance to the nearest measurement.
func (tl *timeline) lookup(t int64, growth boundGrowth) (offset, bound int64) {
	i := sort.Search(len(tl.at), func(i int) bool { return tl.at[i] > t })
	if i == 0 {
		return tl.offset[0], grow(tl.bound[0], growth.Drift, tl.at[0]-t)
	}
	if i == len(tl.at) {
		return tl.offset[i-1], grow(tl.bound[i-1], growth.Drift, t-tl.at[i-1])
	}
	t0, t1 := tl.at[i-1], tl.at[i]
	frac := float64(t-t0) / float64(t1-t0)
	offset = tl.offset[i-1] + int64(math.Round(frac*(float64(tl.offset[i])-float64(tl.offset[i-1]))))
	base := float64(tl.bound[i-1]) + frac*float64(tl.bound[i]-tl.bound[i-1])
	return offset, grow(int64(math.Ceil(base)), growth.Wander, min(t-t0, t1-t))
}

// minBound is the smallest error bound over the host times [from, to].
func (tl *timeline) minBound(from, to int64, growth boundGrowth) int64 {
	_, b := tl.lookup(from, growth)
	_, last := tl.lookup(to, growth)
	b = min(b, last)
	i := sort.Search(len(tl.at), func(i int) bool { return tl.at[i] > from })
	for ; i < len(tl.at) && tl.at[i] < to; i++ {
		b = min(b, tl.bound[i])
	}
	return b
}

// grow adds growth × distance to bound, saturating instead of overflowing.
func grow(bound int64, growth float64, distance int64) int64 {
	extra := math.Ceil(growth * float64(distance))
	if extra >= float64(math.MaxInt64-bound) {
		return math.MaxInt64
	}
	return bound + int64(extra)
}
