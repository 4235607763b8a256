package estimator

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Config tunes an Estimator. The zero value of a field means its default.
type Config struct {
	// MaxSamples is how many recent samples are kept per source (default 64).
	MaxSamples int
	// MaxSampleAge drops samples older than this behind a source's newest
	// (default 2h). The newest sample of a source is always kept.
	MaxSampleAge time.Duration
	// StaleAfter is how old the newest selected sample may be before the
	// estimate is in holdover (default 5m).
	StaleAfter time.Duration
	// HoldoverMax is how long holdover may last before the estimate is
	// reported unsynchronized (default 30m).
	HoldoverMax time.Duration
	// Wander is the allowance, as a ratio, for the drift changing between
	// the samples it was fitted on and now (default 1e-6: 1 ppm, chrony's
	// maxclockerror). Bounds grow by it in holdover.
	Wander float64
	// WarmDriftUncertainty is the least uncertainty a warm-started drift is
	// given (default 10e-6: 10 ppm). A warm start only steers the drift
	// estimate while measurements are wider; the bound never relies on it.
	WarmDriftUncertainty float64
	// MaxFalsetickers is how many sources the error bound allows to be
	// wrong at once even while all agree (default 0). With 0 the bound is
	// NTP's and chrony's: the sources that agree are trusted, and one
	// whose interval misses the truth while it still overlaps the others
	// (a server drifting away slowly) can make the bound lie until it is
	// outvoted. With 1 such a source cannot, at the price of a bound set by
	// the second-best source. Falsetickers that disagree visibly count
	// instead when there are more, and a majority is always trusted, so
	// this never exceeds a minority of the sources.
	MaxFalsetickers int
	// PeersDefineTime lets peer agents define time like upstream
	// references: fleet consensus time when there is no upstream.
	PeersDefineTime bool
	// RequireAuthentication leaves out every source measured over the
	// network without authentication (kinds ntp, peer and ptp whose
	// SourceInfo.Authentication is none): its polls count as
	// "unauthenticated" and it shows as SourceUnauthenticated, never
	// used. Local sources (chrony, ptp4l, phc) are exempt, as chrony's
	// authselectmode require exempts reference clocks.
	RequireAuthentication bool
}

func (c Config) withDefaults() Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.MaxSamples <= 0 {
		c.MaxSamples = 64
	}
	def(&c.MaxSampleAge, 2*time.Hour)
	def(&c.StaleAfter, 5*time.Minute)
	def(&c.HoldoverMax, 30*time.Minute)
	if !(c.Wander > 0) {
		c.Wander = 1e-6
	}
	if !(c.WarmDriftUncertainty > 0) {
		c.WarmDriftUncertainty = 10e-6
	}
	c.MaxFalsetickers = max(c.MaxFalsetickers, 0)
	c.Wander = min(c.Wander, MaxFrequencyTolerance)
	c.WarmDriftUncertainty = min(c.WarmDriftUncertainty, 2*MaxFrequencyTolerance)
	return c
}

// Estimator turns samples into estimates. It is not safe for concurrent
// use: one goroutine owns it and publishes the Estimates it returns.
type Estimator struct {
	cfg     Config
	sources map[string]*sourceState
	// list holds the sources in configuration order.
	list []*sourceState

	// anchor is the local time records count from: the first sample's.
	anchor time.Time
	// seq counts the samples added.
	seq uint64
	// measured caches what the sources' drift fits agree on.
	measured struct {
		driftMeasure
		valid bool
	}
	// steadiness caches clockSteady for the samples measured holds.
	steadiness steadyCache
	// kept is the drift interval measured before a step, kept across it
	// while the new samples are too few to measure the drift as well.
	kept *driftPrior
	// warm is the drift an earlier run measured (the state file): a
	// hypothesis that steers the drift estimate, never the bound.
	warm *interval
	// transition is set while sources disagree after a step.
	transition *transition
	steps      uint64
	lastStep   StepEvent
}

// driftPrior is a drift interval trusted until a time (forever if zero)
// when the measured one is wider; model is what it relies on.
type driftPrior struct {
	iv    interval
	model DriftModel
	until time.Time
}

func (p *driftPrior) activeAt(now time.Time) bool {
	return p != nil && (p.until.IsZero() || now.Before(p.until))
}

// New returns an Estimator with no sources.
func New(cfg Config) *Estimator {
	return &Estimator{cfg: cfg.withDefaults(), sources: map[string]*sourceState{}}
}

// SetSources replaces the list of sources. Sources that stay keep their
// samples and counters; new ones start empty; missing ones are forgotten.
func (e *Estimator) SetSources(infos []SourceInfo) {
	next := make(map[string]*sourceState, len(infos))
	e.list = e.list[:0]
	for _, info := range infos {
		if _, dup := next[info.Name]; dup {
			continue
		}
		s, ok := e.sources[info.Name]
		if !ok {
			s = newSourceState(info)
		}
		s.info = info
		s.keepsTime = definesTime(info.Kind) || e.cfg.PeersDefineTime
		s.unauthenticated = e.cfg.RequireAuthentication && !authenticatedOrLocal(info)
		next[info.Name] = s
		e.list = append(e.list, s)
	}
	e.sources = next
	e.measured.valid = false
}

// WarmStart seeds the drift estimate from an earlier run (the state file):
// drift, believed to within uncertainty (at least
// Config.WarmDriftUncertainty). It is a hypothesis, not a measurement: it
// steers the drift estimate, and so the offset, while the measured drift is
// wider, but the bound never relies on it, so a wrong one (a cloned disk, a
// restored backup, other hardware) costs accuracy for a while, never the
// bound's truth. Measurements that rule it out retire it.
func (e *Estimator) WarmStart(drift, uncertainty float64) {
	if math.IsNaN(drift) || math.IsNaN(uncertainty) || math.Abs(drift) > MaxFrequencyTolerance {
		return
	}
	iv := around(drift, max(uncertainty, e.cfg.WarmDriftUncertainty)).intersect(unknownDrift)
	e.warm = &iv
}

// Add records a usable sample. It returns an error, and changes nothing, for
// a sample of an unknown source or one that fails Sample.Validate.
func (e *Estimator) Add(s Sample) error {
	if err := s.Validate(); err != nil {
		return err
	}
	src, ok := e.sources[s.Source]
	if !ok {
		return fmt.Errorf("estimator: sample from unknown source %q", s.Source)
	}
	if src.unauthenticated {
		src.record(ResultUnauthenticated)
		return nil
	}
	src.record(ResultOK)
	if e.anchor.IsZero() {
		e.anchor = s.Time
	}
	d := e.drift(s.Time)
	if src.contradicts(s, e.since(s.Time), d) {
		if src.timeKeeper() {
			e.contradicted(s.Time, d, src)
		}
		src.reset()
	}
	e.seq++
	src.add(s, newRecord(s, e.anchor, e.seq), e.cfg.MaxSamples, e.cfg.MaxSampleAge)
	if src.oneWay.moved {
		// A delay shrank or the source's clock moved against ours:
		// until it shows which, the bound does not trust it alone.
		src.movedUntil = s.Time.Add(suspectFor)
	}
	e.measured.valid = false
	e.retireRuledOut(s.Time)
	e.endTransition(s.Time)
	return nil
}

// retireRuledOut forgets the drifts the measurements rule out: a warm start
// or a drift kept across a step that the sources' fits no longer overlap.
func (e *Estimator) retireRuledOut(now time.Time) {
	m := e.measuredDrift()
	if !m.ok {
		return
	}
	if e.warm != nil && !e.warm.overlaps(m.region) {
		e.warm = nil
	}
	if e.kept.activeAt(now) && !e.kept.iv.overlaps(m.region) {
		e.kept = nil
	}
}

// since returns local time t in nanoseconds since the anchor.
func (e *Estimator) since(t time.Time) int64 { return int64(t.Sub(e.anchor)) }

// contradicted handles a sample of src, taken at local time at, that
// contradicts src's history. If the majority already outvotes src, or src
// is suspect already, src moved alone as far as anyone can tell: it stays
// suspect for suspectFor from now. Otherwise the local clock or the
// reference may have stepped: a transition starts, or src joins the one
// under way. The drift d survives either way.
func (e *Estimator) contradicted(at time.Time, d drift, src *sourceState) {
	if !e.kept.activeAt(at) || d.iv.width() < e.kept.iv.width() {
		e.kept = &driftPrior{iv: d.iv, model: d.model, until: at.Add(e.cfg.MaxSampleAge)}
	}
	if e.transition == nil {
		before := e.Estimate(at)
		if before.Synchronized && (at.Before(src.suspectUntil) || before.Sources[slices.Index(e.list, src)].Status == SourceFalseticker) {
			// An outvoted source, or one that already contradicted
			// itself alone (it flaps), cannot start a transition: were
			// the reference to step, a trusted source would show it.
			src.suspectUntil = at.Add(suspectFor)
			return
		}
		e.transition = &transition{seq: e.seq + 1, at: at, before: before}
	}
	e.transition.contradicted = append(e.transition.contradicted, src)
}

// endTransition ends the transition once every source has answered since
// it began, and counts a step if the offset moved beyond its bound. If it
// did not, the sources that contradicted themselves moved alone: they stay
// suspect for a while (see hidden).
func (e *Estimator) endTransition(now time.Time) {
	t := e.transition
	if t == nil || !t.settledAt(now, e.list, e.cfg.StaleAfter) {
		return
	}
	e.transition = nil
	after := e.Estimate(now)
	if size, ok := t.stepped(after); ok {
		e.steps++
		e.lastStep = StepEvent{At: t.at, Size: size}
		for _, src := range t.contradicted {
			// It moved with the majority: its history is short because
			// the time stepped, not because it is new. (A source that
			// SetSources removed since is in no list.)
			if i := slices.Index(e.list, src); i >= 0 {
				src.followedStep = after.Sources[i].Selected
			}
		}
		return
	}
	for _, src := range t.contradicted {
		src.suspectUntil = now.Add(suspectFor)
	}
}

// Fail records a poll of source that produced no usable sample; result names
// why ("timeout", "bad_origin", "kod", ...).
func (e *Estimator) Fail(source string, result Result) {
	if src, ok := e.sources[source]; ok {
		src.record(result)
	}
}

// Stop marks a source as given up for good (a kiss-o'-death DENY or RSTR),
// with the reason in words.
func (e *Estimator) Stop(source, reason string) {
	if src, ok := e.sources[source]; ok {
		src.stopped, src.reason = true, reason
		e.measured.valid = false
	}
}

// live counts the sources that define time and could answer: not stopped,
// and either answering, holding data, or not polled yet.
func (e *Estimator) live() int {
	n := 0
	for _, src := range e.list {
		if src.timeKeeper() && (len(src.samples) > 0 || src.reach != 0 || src.polls == 0) {
			n++
		}
	}
	return n
}
