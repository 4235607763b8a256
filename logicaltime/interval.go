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

// Midpoint returns the middle of the interval: the best estimate of true
// time.
func (iv Interval) Midpoint() time.Time { return iv.Earliest.Add(iv.Width() / 2) }

// Width returns Latest − Earliest: twice the error bound.
func (iv Interval) Width() time.Duration { return iv.Latest.Sub(iv.Earliest) }
