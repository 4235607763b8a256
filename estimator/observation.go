package estimator

import (
	"fmt"
	"time"
)

// Observation is the outcome of one poll of a source: a usable sample, or
// the reason there is none. Sources report observations; the agent feeds
// them to Observe.
type Observation struct {
	// Source is the name of the source polled.
	Source string
	// Result is ResultOK, or a short failure class used as a metric label
	// ("timeout", "bad_origin", "kod", "malformed", ...).
	Result Result
	// Sample is the measurement; valid when Result is ResultOK.
	Sample Sample
	// Err says what went wrong, for the log.
	Err error
	// Stop is set when the source gives up for good (a kiss-o'-death DENY
	// or RSTR); Err says why.
	Stop bool
	// Poll is how long the source waits before its next poll, before any
	// randomization (chronyc sources' Poll); zero keeps the last one
	// reported.
	Poll time.Duration
	// Auth is the source's authentication counters so far; nil keeps the
	// last ones reported.
	Auth *AuthCounters
}

// Observe records one observation: Add for a sample, Fail (and Stop) for a
// failed poll.
func (e *Estimator) Observe(o Observation) error {
	if src, ok := e.sources[o.Source]; ok {
		if o.Poll > 0 {
			src.poll = o.Poll
		}
		if o.Auth != nil {
			src.auth = *o.Auth
		}
	}
	if o.Result == ResultOK {
		if o.Sample.Source != o.Source {
			return fmt.Errorf("estimator: observation of %q carries a sample of %q", o.Source, o.Sample.Source)
		}
		return e.Add(o.Sample)
	}
	e.Fail(o.Source, o.Result)
	if o.Stop {
		reason := string(o.Result)
		if o.Err != nil {
			reason = o.Err.Error()
		}
		e.Stop(o.Source, reason)
	}
	return nil
}
