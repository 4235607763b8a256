package ntp

import (
	"sync"
	"time"
)

// localPrecision is the resolution of this host's clock readings, measured
// once as chronyd measures its precision: the smallest step between
// consecutive readings. It rounds the timestamps of every exchange, so it
// widens every sample's interval (estimator.Sample.Precision).
var localPrecision = sync.OnceValue(func() time.Duration { return measurePrecision(time.Now, 100) })

// maxPrecision caps a measured precision: a clock that seems coarser is
// being preempted, not read.
const maxPrecision = time.Millisecond

// measurePrecision reads now reads times and returns the smallest positive
// step between consecutive readings, between 1 ns and maxPrecision.
func measurePrecision(now func() time.Time, reads int) time.Duration {
	best := maxPrecision
	prev := now()
	for range reads {
		t := now()
		if step := t.Sub(prev); step > 0 && step < best {
			best = step
		}
		prev = t
	}
	return max(best, time.Nanosecond)
}
