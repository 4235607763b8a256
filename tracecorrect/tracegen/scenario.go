package tracegen

import (
	"errors"
	"fmt"
	"time"
)

// Host is one machine of a generated fleet and its clock.
type Host struct {
	// Name is the host.name resource attribute of its spans.
	Name string
	// Offset is host clock − true time at Scenario.Start: positive means
	// the host is ahead.
	Offset time.Duration
	// DriftPPM is how fast the offset grows, in parts per million:
	// positive means the clock runs fast.
	DriftPPM float64
	// ErrorBound is the bound the host's agent reports with its offsets.
	ErrorBound time.Duration
	// Unmeasured hosts have no agent: no offsets are generated for them.
	Unmeasured bool
}

// Scenario describes what to generate; zero fields take the defaults
// documented on each.
type Scenario struct {
	// Name identifies the scenario in test output.
	Name string
	// Seed makes the scenario reproducible.
	Seed uint64
	// Start is the true time of the earliest trace; default 2026-01-01.
	Start time.Time
	// Spread is the window in which traces start; default one minute.
	Spread time.Duration
	// Traces is the number of traces.
	Traces int
	// Hosts are the fleet; at least two.
	Hosts []Host
	// MinDelay and MaxDelay bound every one-way network delay, drawn
	// independently per direction; default 100µs to 1ms.
	MinDelay, MaxDelay time.Duration
	// Fanout is the most downstream calls a request makes; default 3.
	Fanout int
	// Depth is the longest chain of calls; default 3.
	Depth int
	// AsyncShare is the share of calls that are fire-and-forget messages
	// (a PRODUCER span on the caller, a CONSUMER span on the callee).
	AsyncShare float64
	// MaxQueueDelay is the longest a message waits before it is consumed;
	// default 5ms.
	MaxQueueDelay time.Duration
	// MeasurementError is how much of its bound an agent's measured offset
	// may really be off, from 0 to 1; default 1.
	MeasurementError float64
	// MeasurementInterval is the time between an agent's estimates;
	// default 16s.
	MeasurementInterval time.Duration
}

// withDefaults fills the zero fields of s.
func (s Scenario) withDefaults() Scenario {
	if s.Start.IsZero() {
		s.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if s.Spread == 0 {
		s.Spread = time.Minute
	}
	if s.MinDelay == 0 && s.MaxDelay == 0 {
		s.MinDelay, s.MaxDelay = 100*time.Microsecond, time.Millisecond
	}
	if s.Fanout == 0 {
		s.Fanout = 3
	}
	if s.Depth == 0 {
		s.Depth = 3
	}
	if s.MaxQueueDelay == 0 {
		s.MaxQueueDelay = 5 * time.Millisecond
	}
	if s.MeasurementError == 0 {
		s.MeasurementError = 1
	}
	if s.MeasurementInterval == 0 {
		s.MeasurementInterval = 16 * time.Second
	}
	return s
}

// validate says what makes s impossible to generate.
func (s Scenario) validate() error {
	switch {
	case len(s.Hosts) < 2:
		return errors.New("scenario needs at least two hosts, to have calls between hosts")
	case s.Traces < 0 || s.Spread < 0 || s.Fanout < 0 || s.Depth < 0:
		return errors.New("scenario traces, spread, fanout and depth must not be negative")
	case s.MinDelay < 0 || s.MaxDelay < s.MinDelay || s.MaxQueueDelay < 0:
		return fmt.Errorf("scenario delays: want 0 ≤ MinDelay (%v) ≤ MaxDelay (%v) and MaxQueueDelay ≥ 0", s.MinDelay, s.MaxDelay)
	case s.AsyncShare < 0 || s.AsyncShare > 1 || s.MeasurementError < 0 || s.MeasurementError > 1:
		return errors.New("scenario AsyncShare and MeasurementError are shares: want 0 to 1")
	case s.MeasurementInterval <= 0:
		return errors.New("scenario MeasurementInterval must be positive")
	}
	for _, h := range s.Hosts {
		if h.Name == "" || h.ErrorBound < 0 {
			return fmt.Errorf("scenario host %q: want a name and an error bound ≥ 0", h.Name)
		}
	}
	return nil
}
