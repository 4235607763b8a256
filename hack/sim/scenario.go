package sim

import (
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// Scenario is one simulated situation: a local clock, servers and the
// network to them, and how the client polls.
type Scenario struct {
	// Name identifies the scenario in test and benchmark output.
	Name string
	// Duration is how much true time the run covers.
	Duration time.Duration
	// Poll is the interval between polls of one server (default 1 s).
	Poll time.Duration
	// Spread randomizes each poll interval by ± this share of Poll, as the
	// agent does so that a fleet does not poll in lock-step.
	Spread float64
	// Burst is how many start-up queries each server gets, BurstSpacing
	// apart, before regular polling (the agent uses 4, 250 ms).
	Burst        int
	BurstSpacing time.Duration
	// Timeout is how long the client waits for a reply (default 1 s).
	Timeout time.Duration
	// Precision is the resolution of the local clock's timestamps.
	Precision time.Duration
	// EvalEvery is the grid on which the estimate is scored when no
	// observation came in since the last tick (default 1 s).
	EvalEvery time.Duration
	// Clock is the local clock.
	Clock LocalClock
	// Servers are the sources, polled independently.
	Servers []Server
	// ReferenceSteps move the reference (true time as the honest servers
	// serve it): every server steps together.
	ReferenceSteps []Step
	// Outages silence every server at once.
	Outages []Window
	// Config configures the estimator under test.
	Config estimator.Config
}

// withDefaults fills the zero fields.
func (sc Scenario) withDefaults() Scenario {
	if sc.Poll <= 0 {
		sc.Poll = time.Second
	}
	if sc.Timeout <= 0 {
		sc.Timeout = time.Second
	}
	if sc.EvalEvery <= 0 {
		sc.EvalEvery = time.Second
	}
	if sc.BurstSpacing <= 0 {
		sc.BurstSpacing = 250 * time.Millisecond
	}
	return sc
}

// truthSteps returns the instants at which the true offset jumps: steps of
// the local clock or of the reference.
func (sc Scenario) truthSteps() []time.Duration {
	var at []time.Duration
	for _, s := range sc.Clock.Steps {
		at = append(at, s.At)
	}
	for _, s := range sc.ReferenceSteps {
		at = append(at, s.At)
	}
	return at
}
