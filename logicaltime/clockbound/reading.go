package clockbound

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// GracePeriod is how long after as-of a ClockBound client reports the
// published status as it is, whatever void-after says.
const GracePeriod = 5 * time.Second

// causalityBlur is how far before as-of a client's monotonic reading may
// lie and still count as at as-of: ClockBound's allowance for the coarse
// clock's resolution.
const causalityBlur = time.Microsecond

// ErrCausality: the monotonic reading lies before as-of, so the record
// cannot have been published before it.
var ErrCausality = errors.New("monotonic reading before the record's as-of (causality breach)")

// Reading is what a ClockBound client returns: true time lies in
// [Earliest, Latest] (Unix nanoseconds) when Status is synchronized or
// free running.
type Reading struct {
	Earliest, Latest int64
	Status           Status
}

// Trusted reports whether a ClockBound client may rely on the interval.
func (r Reading) Trusted() bool {
	return r.Status == StatusSynchronized || r.Status == StatusFreeRunning
}

// At computes what a ClockBound client computes from b when the system
// clock reads realtime (Unix nanoseconds) and the monotonic clock reads
// monotonic: the bound grown by the max drift since as-of, around
// realtime, with the status aged by GracePeriod and void-after. It fails
// with ErrCausality when monotonic lies more than a microsecond before
// as-of.
func (b *Bound) At(realtime, monotonic int64) (Reading, error) {
	age := monotonic - b.AsOf
	if age < -int64(causalityBlur) {
		return Reading{}, fmt.Errorf("clockbound: %w: %v before it", ErrCausality, time.Duration(-age))
	}
	age = max(age, 0)
	status := b.Status
	if status == StatusSynchronized || status == StatusFreeRunning {
		switch {
		case age < int64(GracePeriod):
		case monotonic < b.VoidAfter:
			status = StatusFreeRunning
		default:
			status = StatusUnknown
		}
	}
	bound := float64(b.Bound) + float64(age)/float64(time.Second)*float64(b.MaxDriftPPB)
	grown := int64(min(bound, math.MaxInt64/4))
	return Reading{Earliest: realtime - grown, Latest: realtime + grown, Status: status}, nil
}
