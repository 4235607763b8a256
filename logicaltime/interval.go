package logicaltime

import "time"

// Interval is a span of time that contains true time: true time was not
// before Earliest and not after Latest when the interval was read.
type Interval struct {
	Earliest, Latest time.Time
}

// Contains reports whether t lies within the interval, ends included.
func (iv Interval) Contains(t time.Time) bool {
	return !t.Before(iv.Earliest) && !t.After(iv.Latest)
}

// Midpoint returns the middle of the interval, the time farthest from
// both ends. It need not be the agent's best estimate of true time, which
// may sit off centre when its sources' paths are asymmetric.
func (iv Interval) Midpoint() time.Time { return iv.Earliest.Add(iv.Width() / 2) }

// Width returns Latest − Earliest: how uncertain true time is.
func (iv Interval) Width() time.Duration { return iv.Latest.Sub(iv.Earliest) }
