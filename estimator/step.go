package estimator

import (
	"time"

	"github.com/clockwatch/clockwatch/internal/saturate"
)

// StepEvent is a step of the offset the estimator detected: the local clock
// or the reference jumped further than the bound allowed.
type StepEvent struct {
	// At is the local time of the first sample that showed the step.
	At time.Time
	// Size is the new offset minus the old one carried forward.
	Size time.Duration
}

// transition is the time after a sample contradicted its source's own
// history. Either that source stepped alone (a falseticker) or the local
// clock or the reference stepped and the other sources will follow at their
// next polls; until every source has answered since, the bound spans both.
type transition struct {
	// seq and at are the arrival number and local time of the sample that
	// contradicted its history.
	seq uint64
	at  time.Time
	// before is the estimate just before that sample.
	before Estimate
	// contradicted lists the sources whose samples contradicted their
	// history during the transition.
	contradicted []*sourceState
}

// settledAt reports whether every source that defines time has answered
// since the transition began, or has been silent for longer than stale.
func (t *transition) settledAt(now time.Time, sources []*sourceState, stale time.Duration) bool {
	for _, s := range sources {
		last, r, ok := s.newest()
		if !ok || !s.timeKeeper() {
			continue
		}
		answered := r.seq >= t.seq && !last.Time.Before(t.at)
		if !answered && now.Sub(last.Time) <= stale {
			return false
		}
	}
	return true
}

// stepped reports whether the estimate after a transition lies outside the
// one before, carried forward: the offset moved further than its bound
// allowed. It returns the size of the move.
func (t *transition) stepped(after Estimate) (time.Duration, bool) {
	if !t.before.HasOffset() || !after.HasOffset() || after.Status == StatusUnsynchronized {
		return 0, false
	}
	before := t.before.At(after.Time)
	gap := (after.Offset - before.Offset).Abs()
	if gap <= saturate.Add(before.ErrorBound, after.ErrorBound) {
		return 0, false
	}
	return after.Offset - before.Offset, true
}
