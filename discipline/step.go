package discipline

import (
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// stepFor returns the step that corrects the estimate's offset when the
// clock is certainly off by more than StepThreshold, and zero otherwise.
func (c Config) stepFor(e estimator.Estimate) time.Duration {
	if e.Offset.Abs()-e.ErrorBound <= c.StepThreshold {
		return 0
	}
	return -e.Offset
}

// stepsAllowed reports whether a step may be taken at local time now, the
// first synchronized estimate having been at syncedAt: always with
// AllowSteps, else only during StepPeriod (as chrony's makestep limit).
func (c Config) stepsAllowed(syncedAt, now time.Time) bool {
	return c.AllowSteps || now.Sub(syncedAt) < c.StepPeriod
}
