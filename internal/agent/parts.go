package agent

import (
	"context"
	"errors"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// Clock reads the local clock: the clock whose offset the agent estimates
// and every source measures (localclock.System in production).
type Clock func() time.Time

// Source is anything that measures the local clock: an NTP server, a peer,
// chronyd, ptp4l. It runs until ctx ends, reporting each poll.
type Source interface {
	Info() estimator.SourceInfo
	Run(ctx context.Context, report func(estimator.Observation))
}

// SourceSet is a new list of sources for a running agent. Sources whose
// name and identity are unchanged keep running (and keep their poll
// schedule) unless Restart is set, e.g. because the poll interval changed.
type SourceSet struct {
	Sources []Source
	Restart bool
}

// Sources are the agent's sources: the set it starts with and, on Updates,
// every set that replaces it (a reloaded configuration, a new peer
// sample). A nil Updates never changes the set.
type Sources struct {
	Initial []Source
	Updates <-chan SourceSet
}

// Steering changes the local clock from the estimate. It sees every
// estimate before any sink does, because an estimate made before the clock
// changed no longer describes it.
type Steering interface {
	// Steer acts on e and reports whether it changed the clock; the agent
	// then estimates again on the changed clock before publishing.
	Steer(e estimator.Estimate) (changed bool)
	// MaxAge is the longest the steering may go without an estimate; 0:
	// only when a source reports.
	MaxAge() time.Duration
}

// MeasureOnly is the Steering of an agent that never touches the clock.
type MeasureOnly struct{}

// Steer does nothing.
func (MeasureOnly) Steer(estimator.Estimate) bool { return false }

// MaxAge is 0: measuring needs no estimate between the sources' reports.
func (MeasureOnly) MaxAge() time.Duration { return 0 }

// Sink receives the estimates the agent publishes, after Steering: one
// after every report of a source, and between reports at least every
// MaxAge.
type Sink interface {
	// Publish takes the newest estimate; it must not block.
	Publish(e estimator.Estimate)
	// MaxAge is the longest the sink may go without an estimate; 0: only
	// when a source reports.
	MaxAge() time.Duration
	// Close is called once when the agent stops, with its last estimate.
	Close(last estimator.Estimate)
}

// HealthCheck judges one aspect of the agent's health from its current
// estimate; an error says what is wrong.
type HealthCheck func(e estimator.Estimate) error

// Health is the agent's health policy: it is healthy when every check
// passes (GET /healthz).
type Health []HealthCheck

// Check runs every check on e and returns their failures joined, nil when
// all pass.
func (h Health) Check(e estimator.Estimate) error {
	var errs []error
	for _, check := range h {
		if err := check(e); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
