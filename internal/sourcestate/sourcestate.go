// Package sourcestate remembers the state of a polling source and logs
// each change once, so a source that goes away says so once, not on every
// poll.
package sourcestate

import (
	"log/slog"
	"sync"

	"github.com/clockwatch/clockwatch/estimator"
)

// Tracker holds one source's state. It is safe for concurrent use: the
// source's goroutine sets it, metrics collectors read it.
type Tracker struct {
	mu     sync.Mutex
	state  estimator.Result
	logger *slog.Logger
	what   string
}

// New returns a tracker that logs to logger about what ("chronyd source").
func New(logger *slog.Logger, what string) *Tracker {
	return &Tracker{logger: logger, what: what}
}

// Set moves the source to state. A nil err means the source works (it is
// "up"); otherwise err says why it is in state. Only a change is logged.
func (t *Tracker) Set(state estimator.Result, err error) {
	t.mu.Lock()
	old := t.state
	t.state = state
	t.mu.Unlock()
	if old == state {
		return
	}
	if err == nil {
		t.logger.Info(t.what+" up", "was", old)
		return
	}
	t.logger.Warn(t.what+" "+string(state), "was", old, "err", err)
}

// Get returns the state; empty before the first poll.
func (t *Tracker) Get() estimator.Result {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.state
}

// Fail sets state with its reason and returns the observation of a poll of
// source that produced no sample.
func (t *Tracker) Fail(source string, state estimator.Result, err error) estimator.Observation {
	t.Set(state, err)
	return estimator.Observation{Source: source, Result: state, Err: err}
}
