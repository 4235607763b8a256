package estimator

import (
	"math"
	"time"
)

// Estimate computes the estimate at local time now. It changes nothing, so
// it may be called at any instant, in any order.
func (e *Estimator) Estimate(now time.Time) Estimate {
	dr := e.drift(now)
	d, rate := dr.iv, dr.rate
	out := Estimate{
		Time: now, Status: StatusUnsynchronized, ErrorBound: UnknownBound,
		Drift: rate, DriftBound: max(rate-d.lo, d.hi-rate), DriftModel: dr.model,
		Steps: e.steps, LastStep: e.lastStep,
	}
	views, oks := make([]view, len(e.list)), make([]bool, len(e.list))
	var keepers []int
	var keeperViews []view
	at := e.since(now)
	for i, src := range e.list {
		views[i], oks[i] = src.viewAt(at, dr)
		if oks[i] && src.timeKeeper() && !src.driftOutlier {
			keepers = append(keepers, i)
			keeperViews = append(keeperViews, views[i])
		}
	}
	transition := e.transition != nil && !e.transition.settledAt(now, e.list, e.cfg.StaleAfter)
	c := choose(keeperViews, e.live(), e.hidden(keepers, now), e.trusted(keepers, now), transition)
	selected := make([]bool, len(e.list))
	if c.known {
		out.Offset, out.ErrorBound = toDuration(c.point), toBound(c.bounds.radiusFrom(c.point))
		out.OffsetMin, out.OffsetMax = truthInterval(c.bounds, out.Offset, out.ErrorBound)
		out.BoundParts = partsOf(c.bounds, c.lo, c.hi, c.point)
		for k, i := range keepers {
			selected[i] = c.selected[k]
		}
	}
	if c.majority {
		out.LastSample = e.newestSelected(selected)
		out.Status = e.statusAt(now, out.LastSample)
		out.Synchronized = out.Status != StatusUnsynchronized
	}
	out.Sources = make([]SourceEstimate, len(e.list))
	for i, src := range e.list {
		out.Sources[i] = src.estimate(views[i], oks[i], selected[i], c.majority)
	}
	return out
}

// truthInterval rounds the region that holds the true offset outwards to
// Durations, within offset ± bound.
func truthInterval(region interval, offset, bound time.Duration) (lo, hi time.Duration) {
	if bound == UnknownBound {
		return 0, 0
	}
	lo = max(time.Duration(math.Floor(region.lo)), offset-bound)
	hi = min(time.Duration(math.Ceil(region.hi)), offset+bound)
	return lo, hi
}

// probationSamples is how many samples a source's history needs (since it
// started or last contradicted itself) before the bound trusts it alone:
// until then nothing shows whether its clock runs away from the others'.
// A history that a counted step restarted, the majority stepping with the
// source, needs none: the time moved, not the source.
const probationSamples = 32

// suspectFor is how long a source that contradicted its own history alone
// (a server that stepped, or drifts away faster than its history allows)
// stays on probation.
const suspectFor = 10 * time.Minute

// hidden returns how many sources the bound allows to be wrong while all
// agree: Config.MaxFalsetickers, or at least one while a source of keepers
// (indexes into e.list) is on probation at now: new, suspect, moved (an
// envelope rose) or apart (its envelopes disagree with each other or
// with the other sources').
func (e *Estimator) hidden(keepers []int, now time.Time) int {
	for _, i := range keepers {
		if e.list[i].onProbation(now) {
			return max(e.cfg.MaxFalsetickers, 1)
		}
	}
	return e.cfg.MaxFalsetickers
}

// onProbation reports whether the bound does not trust the source alone at
// now: it is new, suspect, moved (an envelope rose) or apart (its
// envelopes disagree with each other or with the other sources').
func (s *sourceState) onProbation(now time.Time) bool {
	return (len(s.samples) < probationSamples && !s.followedStep) || now.Before(s.suspectUntil) || now.Before(s.movedUntil) || s.apart
}

// trusted marks the keepers (indexes into e.list) the bound trusts as it
// trusts every source while none is on probation: those not on probation.
// It is nil when Config.MaxFalsetickers allows for hidden falsetickers
// anyway, since then probation changes nothing (see choose).
func (e *Estimator) trusted(keepers []int, now time.Time) []bool {
	if e.cfg.MaxFalsetickers > 0 {
		return nil
	}
	trusted := make([]bool, len(keepers))
	for k, i := range keepers {
		trusted[k] = !e.list[i].onProbation(now)
	}
	return trusted
}

// newestSelected returns the time of the newest sample of a selected source.
func (e *Estimator) newestSelected(selected []bool) time.Time {
	var t time.Time
	for i, src := range e.list {
		if s, _, ok := src.newest(); ok && selected[i] && s.Time.After(t) {
			t = s.Time
		}
	}
	return t
}

// statusAt classifies an estimate whose newest selected sample is at last.
func (e *Estimator) statusAt(now, last time.Time) Status {
	age := now.Sub(last)
	switch {
	case age > e.cfg.HoldoverMax:
		return StatusUnsynchronized
	case age > e.cfg.StaleAfter:
		return StatusHoldover
	default:
		return StatusSynchronized
	}
}

// estimate reports the source's state given its view (ok: it has one).
func (s *sourceState) estimate(v view, ok, selected, majority bool) SourceEstimate {
	se := SourceEstimate{
		SourceInfo: s.info, Reachable: s.reach != 0, ErrorBound: UnknownBound,
		Reason: s.reason, Selected: selected, Results: s.results, Reach: s.reach, Poll: s.poll, Auth: s.auth,
	}
	if last, _, ok := s.newest(); ok {
		se.Delay, se.Stratum, se.LastSample, se.LastOffset, se.Timestamping = last.Delay, last.Stratum, last.Time, last.Offset, last.Timestamping
		se.Leap, se.ReferenceID = last.Leap, last.ReferenceID
	}
	if ok {
		se.Offset, se.ErrorBound = toDuration(v.point), toBound(v.iv.radiusFrom(v.point))
		se.BoundParts = partsOf(v.iv, v.lo, v.hi, v.point)
	}
	se.Status = s.status(selected, majority)
	return se
}

// status classifies the source for humans.
func (s *sourceState) status(selected, majority bool) SourceStatus {
	_, _, hasData := s.newest()
	switch {
	case s.unauthenticated:
		return SourceUnauthenticated
	case s.stopped:
		return SourceKoD
	case s.polls == 0 && !hasData:
		return SourceInit
	case s.reach == 0:
		return SourceUnreachable
	case !hasData:
		return SourceInit
	case selected:
		return SourceSelected
	case !majority || !s.keepsTime:
		return SourceCandidate
	default:
		return SourceFalseticker
	}
}
