package discipline

import (
	"errors"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// fakeClock is the system-call layer of the tests: it records every change
// and never touches the real clock.
type fakeClock struct {
	state KernelState
	steps []time.Duration
	freqs []float64
	syncs []SyncState
	// fail makes every change fail.
	fail bool
}

var errFake = errors.New("fake clock: refused")

func (c *fakeClock) State() (KernelState, error) { return c.state, nil }

func (c *fakeClock) SetFrequency(freq float64) error {
	if c.fail {
		return errFake
	}
	c.freqs = append(c.freqs, freq)
	c.state.Frequency = freq
	return nil
}

func (c *fakeClock) Step(d time.Duration) error {
	if c.fail {
		return errFake
	}
	c.steps = append(c.steps, d)
	return nil
}

func (c *fakeClock) SetSync(s SyncState) error {
	if c.fail {
		return errFake
	}
	c.syncs = append(c.syncs, s)
	return nil
}

// adjustment is one call of Estimator.Adjust.
type adjustment struct {
	at    time.Time
	phase time.Duration
	freq  float64
}

// fakeEstimator returns a set estimate, which every adjustment moves as
// the real estimator's would.
type fakeEstimator struct {
	estimate    estimator.Estimate
	adjustments []adjustment
}

func (f *fakeEstimator) Estimate(now time.Time) estimator.Estimate {
	e := f.estimate
	e.Time = now
	return e
}

func (f *fakeEstimator) Adjust(at time.Time, phase time.Duration, freq float64) {
	f.adjustments = append(f.adjustments, adjustment{at, phase, freq})
	f.estimate.Offset += phase
	f.estimate.Drift += freq
}

// set makes the fake estimator report a synchronized-or-not estimate built
// on samples usable samples.
func (f *fakeEstimator) set(offset, bound time.Duration, drift float64, status estimator.Status, samples uint64) {
	f.estimate = estimator.Estimate{
		Status: status, Synchronized: status != estimator.StatusUnsynchronized,
		Offset: offset, ErrorBound: bound, Drift: drift,
		Sources: []estimator.SourceEstimate{{Results: map[estimator.Result]uint64{estimator.ResultOK: samples}}},
	}
}

// testStart is the local time the tests' clocks start at.
var testStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// manualTime is a local clock the test moves by hand.
type manualTime struct{ now time.Time }

func (m *manualTime) read() time.Time { return m.now }
