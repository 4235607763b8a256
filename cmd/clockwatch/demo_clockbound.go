package main

import (
	"fmt"
	"time"

	"github.com/clockwatch/clockwatch/logicaltime/clockbound"
)

// clockBoundCheck reads the demo's ClockBound segment as a ClockBound
// client does and scores the client's interval against the demo's true
// time.
type clockBoundCheck struct {
	segment       *clockbound.Segment
	rows, missed  int
	untrusted     int
	halfWidthSum  time.Duration
	lastReadError error
}

// openClockBoundCheck maps the segment the demo publishes at path; nil
// when the demo publishes none.
func openClockBoundCheck(path string) (*clockBoundCheck, error) {
	if path == "" {
		return nil, nil
	}
	s, err := clockbound.Open(path)
	if err != nil {
		return nil, fmt.Errorf("demo: read back the ClockBound segment: %w", err)
	}
	return &clockBoundCheck{segment: s}, nil
}

// check reads the segment when the system clock reads now, as a client
// would, and scores whether its interval holds trueNow. Readings the
// client would not trust (before the first synchronized publish) are
// counted apart.
func (c *clockBoundCheck) check(now, trueNow time.Time) {
	if c == nil {
		return
	}
	var b clockbound.Bound
	err := c.segment.Read(&b)
	var r clockbound.Reading
	if err == nil {
		var coarse int64
		coarse, err = clockbound.CoarseMonotonic()
		if err == nil {
			r, err = b.At(now.UnixNano(), coarse)
		}
	}
	switch {
	case err != nil:
		c.lastReadError = err
		c.untrusted++
		return
	case !r.Trusted():
		c.untrusted++
		return
	}
	c.rows++
	c.halfWidthSum += time.Duration(r.Latest-r.Earliest) / 2
	if t := trueNow.UnixNano(); t < r.Earliest || t > r.Latest {
		c.missed++
	}
}

// String sums the check up.
func (c *clockBoundCheck) String() string {
	s := fmt.Sprintf("ClockBound clients' interval held true time in %d of %d seconds", c.rows-c.missed, c.rows)
	if c.rows > 0 {
		s += fmt.Sprintf("; mean half-width %v", (c.halfWidthSum / time.Duration(c.rows)).Round(time.Microsecond))
	}
	if c.untrusted > 0 {
		s += fmt.Sprintf("; %d seconds without a trusted interval", c.untrusted)
	}
	if c.lastReadError != nil {
		s += fmt.Sprintf(" (last error: %v)", c.lastReadError)
	}
	return s
}

// close unmaps the segment.
func (c *clockBoundCheck) close() {
	if c != nil {
		c.segment.Close()
	}
}
