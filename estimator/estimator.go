package estimator

import (
	"fmt"
	"math"
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
	// maxclockerror).
	Wander float64
	// WarmDriftUncertainty is how far a warm-started drift may be from the
	// truth (default 10e-6: 10 ppm).
	WarmDriftUncertainty float64
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
	if c.Wander <= 0 {
		c.Wander = 1e-6
	}
	if c.WarmDriftUncertainty <= 0 {
		c.WarmDriftUncertainty = 10e-6
	}
	return c
}

// Estimator turns samples into estimates. It is not safe for concurrent
// use: one goroutine owns it and publishes the Estimates it returns.
type Estimator struct {
	cfg     Config
	sources map[string]*sourceState
	order   []string

	// warm is the drift interval from a warm start, used until the
	// measured one is narrower.
	warm *interval
	// prev is the last estimate with an offset, to detect steps.
	prev  *Estimate
	steps uint64
}

// New returns an Estimator with no sources.
func New(cfg Config) *Estimator {
	return &Estimator{cfg: cfg.withDefaults(), sources: map[string]*sourceState{}}
}

// SetSources replaces the list of sources. Sources that stay keep their
// samples and counters; new ones start empty; missing ones are forgotten.
func (e *Estimator) SetSources(infos []SourceInfo) {
	next := make(map[string]*sourceState, len(infos))
	e.order = e.order[:0]
	for _, info := range infos {
		if _, dup := next[info.Name]; dup {
			continue
		}
		s, ok := e.sources[info.Name]
		if !ok {
			s = newSourceState(info)
		}
		s.info = info
		next[info.Name] = s
		e.order = append(e.order, info.Name)
	}
	e.sources = next
}

// WarmStart seeds the drift from an earlier run (the state file). It is
// trusted to within Config.WarmDriftUncertainty until measurements narrow it.
func (e *Estimator) WarmStart(drift float64) {
	if math.IsNaN(drift) || math.Abs(drift) > MaxFrequencyTolerance {
		return
	}
	iv := around(drift, e.cfg.WarmDriftUncertainty).intersect(unknownDrift)
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
	src.record(ResultOK)
	d, rate := e.drift()
	src.add(s, d, rate, e.cfg.MaxSamples, e.cfg.MaxSampleAge)
	return nil
}

// Fail records a poll of source that produced no usable sample; result names
// why ("timeout", "bad_origin", "kod", ...).
func (e *Estimator) Fail(source, result string) {
	if src, ok := e.sources[source]; ok {
		src.record(result)
	}
}

// Stop marks a source as given up for good (a kiss-o'-death DENY or RSTR),
// with the reason in words.
func (e *Estimator) Stop(source, reason string) {
	if src, ok := e.sources[source]; ok {
		src.stopped, src.reason = true, reason
	}
}

// Estimate computes the estimate at local time now.
func (e *Estimator) Estimate(now time.Time) Estimate {
	d, rate := e.drift()
	out := Estimate{Time: now, Status: StatusUnsynchronized, ErrorBound: UnknownBound, Steps: e.steps}

	names, views := e.views(now, d, rate)
	ivs := make([]interval, len(views))
	for i, v := range views {
		ivs[i] = v.iv
	}
	a := agree(ivs)
	selected := map[string]bool{}
	if a.ok {
		out.Offset, out.ErrorBound = combine(views, a)
		out.Drift, out.DriftBound = rate, math.Max(rate-d.lo, d.hi-rate)
		for i, name := range names {
			selected[name] = a.truechimers[i]
		}
		out.LastSample = e.newestSelected(selected)
		out.Status = e.statusAt(now, out.LastSample)
		out.Synchronized = out.Status != StatusUnsynchronized
	} else if len(views) > 0 {
		// No majority: the truth is still within the hull of all intervals
		// if any source is honest.
		h := hull(ivs)
		out.Offset, out.ErrorBound = toDuration(h.mid()), toBound(h.width()/2)
		out.Drift, out.DriftBound = rate, math.Max(rate-d.lo, d.hi-rate)
	}
	out.Sources = e.sourceEstimates(now, d, rate, selected, a.ok)
	e.noteStep(out)
	out.Steps = e.steps
	return out
}

// views returns the names and views of the sources that have data.
func (e *Estimator) views(now time.Time, d interval, rate float64) ([]string, []view) {
	var names []string
	var views []view
	for _, name := range e.order {
		src := e.sources[name]
		if src.stopped || !definesTime(src.info.Kind) {
			continue
		}
		if v, ok := src.viewAt(now, d, rate); ok {
			names = append(names, name)
			views = append(views, v)
		}
	}
	return names, views
}

// definesTime reports whether sources of a kind define true time. Peers do
// not: they measure skew between agents.
func definesTime(kind string) bool { return kind != KindPeer }

// combine weights the truechimers' point estimates by their bounds and
// clamps the result into the agreed region; the bound reaches the far end
// of the region.
func combine(views []view, a agreement) (time.Duration, time.Duration) {
	var sw, swp float64
	for i, v := range views {
		if !a.truechimers[i] {
			continue
		}
		r := math.Max(v.iv.radiusFrom(v.point), 1)
		w := 1 / (r * r)
		sw += w
		swp += w * v.point
	}
	p := a.region.clamp(swp / sw)
	return toDuration(p), toBound(a.region.radiusFrom(p))
}

// drift returns the system drift interval and estimate: the agreement of
// the sources' feasible drifts, narrowed by a warm start, widened by the
// wander allowance.
func (e *Estimator) drift() (interval, float64) {
	var ivs []interval
	var rates []float64
	for _, name := range e.order {
		src := e.sources[name]
		if src.drift.used >= 2 && !src.stopped && definesTime(src.info.Kind) {
			ivs = append(ivs, src.drift.feasible)
			rates = append(rates, src.drift.rate)
		}
	}
	region, rate := unknownDrift, 0.0
	if a := agree(ivs); a.ok {
		region = a.region
		var sw, swr float64
		for i, iv := range ivs {
			if a.truechimers[i] {
				w := 1 / math.Max(iv.width()*iv.width(), 1e-24)
				sw += w
				swr += w * rates[i]
			}
		}
		rate = swr / sw
	}
	if e.warm != nil && e.warm.width() < region.width() && e.warm.overlaps(region) {
		region = region.intersect(*e.warm)
	}
	rate = region.clamp(rate)
	region = interval{region.lo - e.cfg.Wander, region.hi + e.cfg.Wander}
	return region, rate
}

// newestSelected returns the time of the newest sample of a selected source.
func (e *Estimator) newestSelected(selected map[string]bool) time.Time {
	var t time.Time
	for name, sel := range selected {
		if s, ok := e.sources[name].newest(); ok && sel && s.Time.After(t) {
			t = s.Time
		}
	}
	return t
}

// statusAt classifies an estimate whose newest selected sample is at last.
func (e *Estimator) statusAt(now, last time.Time) string {
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

// noteStep counts a step when the new estimate's interval misses the
// previous one carried forward.
func (e *Estimator) noteStep(out Estimate) {
	if !out.HasOffset() || out.Status == StatusUnsynchronized {
		return
	}
	if e.prev != nil && !out.Time.Before(e.prev.Time) {
		p := e.prev.At(out.Time)
		before := around(float64(p.Offset), float64(p.ErrorBound))
		now := around(float64(out.Offset), float64(out.ErrorBound))
		if !before.overlaps(now) {
			e.steps++
		}
	}
	prev := out
	prev.Sources = nil
	e.prev = &prev
}

// sourceEstimates reports every source's state at now.
func (e *Estimator) sourceEstimates(now time.Time, d interval, rate float64, selected map[string]bool, majority bool) []SourceEstimate {
	out := make([]SourceEstimate, 0, len(e.order))
	for _, name := range e.order {
		src := e.sources[name]
		se := SourceEstimate{SourceInfo: src.info, Reachable: src.reach != 0, ErrorBound: UnknownBound, Reason: src.reason}
		se.Results = make(map[string]uint64, len(src.results))
		for k, v := range src.results {
			se.Results[k] = v
		}
		if last, ok := src.newest(); ok {
			se.Delay, se.Stratum, se.LastSample, se.LastOffset, se.Timestamping = last.Delay, last.Stratum, last.Time, last.Offset, last.Timestamping
		}
		if v, ok := src.viewAt(now, d, rate); ok {
			se.Offset, se.ErrorBound = toDuration(v.point), toBound(v.iv.radiusFrom(v.point))
		}
		se.Selected = selected[name]
		se.Status = sourceStatus(src, se.Selected, majority)
		out = append(out, se)
	}
	return out
}

// sourceStatus classifies one source for humans.
func sourceStatus(src *sourceState, selected, majority bool) string {
	_, hasData := src.newest()
	switch {
	case src.stopped:
		return SourceKoD
	case src.polls == 0 && !hasData:
		return SourceInit
	case src.reach == 0:
		return SourceUnreachable
	case !hasData:
		return SourceInit
	case selected:
		return SourceSelected
	case !majority || !definesTime(src.info.Kind):
		return SourceCandidate
	default:
		return SourceFalseticker
	}
}

// toDuration rounds nanoseconds to a Duration.
func toDuration(ns float64) time.Duration { return time.Duration(math.Round(ns)) }

// toBound rounds a bound up so rounding never makes it lie.
func toBound(ns float64) time.Duration {
	if ns >= float64(UnknownBound) || math.IsNaN(ns) {
		return UnknownBound
	}
	return time.Duration(math.Ceil(ns))
}
