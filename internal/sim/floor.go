package sim

import (
	"math"
	"time"
)

// floor follows what the honest exchanges delivered so far prove about
// the true offset under the estimator's wander allowance, for a client
// that knew the drift exactly: every sample's interval moved to the
// present along the true offset keeps its slack below and above the
// truth, and grows by the allowance over its age on both sides (the
// clock's frequency may have changed by that much right after the
// sample, and no sample says it did not). What stays is a region around
// the truth whose far side (Point.Floor) is the bound a client whose
// offset were true would need, and whose half width (Point.FloorWidth/2)
// the narrowest bound any client could prove, whatever its offset. It
// differs from Scenario.Limit, which counts only the paths' least delays,
// by the queueing of the exchanges that are recent enough and by the
// allowance over their age: at 64 s polls that is most of the bound.
type floor struct {
	// wander is the allowance, as a ratio.
	wander float64
	// below and above are the least slack, in nanoseconds, of a sample's
	// interval under and over the truth, less the allowance over the
	// sample's true time: the slack at true time t is below + wander·t.
	below, above float64
	// since is the latest jump of the truth before the samples counted:
	// the truth moved, so older samples prove nothing about it now.
	since time.Duration
}

func newFloor(wander float64) *floor {
	return &floor{wander: wander, below: math.Inf(1), above: math.Inf(1), since: -1}
}

// add counts a sample whose interval is [lo, hi] (nanoseconds of offset)
// taken at true time at, when the true offset was truth; latest is the
// latest jump of the truth at or before at (−1 if none).
func (f *floor) add(at, latest time.Duration, truth, lo, hi float64) {
	f.advance(latest)
	if latest < f.since {
		return // taken before a jump, delivered after it
	}
	w := f.wander * float64(at)
	f.below, f.above = min(f.below, truth-lo-w), min(f.above, hi-truth-w)
}

// at returns the floor at true time t, whose latest jump of the truth is
// latest: the far side's slack and the region's width. Both are zero
// while no sample counts.
func (f *floor) at(t, latest time.Duration) (far, width time.Duration) {
	f.advance(latest)
	if math.IsInf(f.below, 1) {
		return 0, 0
	}
	w := f.wander * float64(t)
	lo, hi := f.below+w, f.above+w
	return time.Duration(math.Ceil(max(lo, hi))), time.Duration(math.Ceil(lo + hi))
}

// advance forgets the samples before a jump of the truth at latest.
func (f *floor) advance(latest time.Duration) {
	if latest > f.since {
		f.below, f.above, f.since = math.Inf(1), math.Inf(1), latest
	}
}

// latestJump returns the latest of jumps at or before t, or −1.
func latestJump(jumps []time.Duration, t time.Duration) time.Duration {
	latest := time.Duration(-1)
	for _, at := range jumps {
		if at <= t {
			latest = max(latest, at)
		}
	}
	return latest
}
