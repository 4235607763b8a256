package estimator

import (
	"math"
	"time"
)

// Adjust tells the estimator that the local clock was changed on purpose at
// local time at (read just before the change), as a clock discipline does:
// its reading moved by phase and, from then on, it runs faster by freq (a
// ratio). Offsets and drift then follow the adjusted clock.
//
// Every stored sample is moved to where it would lie had the clock always
// been adjusted so: the estimate stays true, the drift becomes the residual
// drift, and the change is not mistaken for a step. Adjust changes nothing
// for a zero or NaN change.
func (e *Estimator) Adjust(at time.Time, phase time.Duration, freq float64) {
	if math.IsNaN(freq) || (phase == 0 && freq == 0) {
		return
	}
	c := clockChange{at: at, phase: phase, freq: freq}
	if !e.anchor.IsZero() {
		atRel := e.since(at)
		for _, src := range e.list {
			src.adjust(c, atRel)
		}
		e.anchor = e.anchor.Add(phase)
	}
	if e.kept != nil {
		e.kept = &driftPrior{iv: e.kept.iv.shift(freq), until: c.move(e.kept.until)}
	}
	if e.warm != nil {
		w := e.warm.shift(freq)
		e.warm = &w
	}
	if t := e.transition; t != nil {
		t.before = c.moveEstimate(t.before)
		t.at = c.move(t.at)
	}
	e.lastStep.At = c.move(e.lastStep.At)
	e.measured.valid = false
}

// clockChange is a deliberate change of the local clock: at local time at,
// its reading moved by phase and its rate by freq.
type clockChange struct {
	at    time.Time
	phase time.Duration
	freq  float64
}

// shift is how much a reading taken at local time t moves: the phase, and
// the frequency applied over the time from t to the change (negative for
// earlier readings).
func (c clockChange) shift(t time.Time) time.Duration {
	return c.phase + time.Duration(math.Round(c.freq*float64(t.Sub(c.at))))
}

// move maps a local time onto the adjusted clock; the zero time stays zero.
func (c clockChange) move(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Add(c.shift(t))
}

// moveEstimate maps an estimate onto the adjusted clock.
func (c clockChange) moveEstimate(e Estimate) Estimate {
	if e.HasOffset() {
		e.Offset += c.shift(e.Time)
	}
	e.Drift += c.freq
	e.Time = c.move(e.Time)
	e.LastSample = c.move(e.LastSample)
	return e
}

// adjust maps the source's samples onto the adjusted clock. atRel is the
// change's local time since the estimator's anchor, which itself moves by
// the phase; the drift is refitted to the moved samples.
func (s *sourceState) adjust(c clockChange, atRel int64) {
	for i := range s.samples {
		r := &s.samples[i]
		d := c.freq * float64(r.at-atRel)
		r.at += int64(math.Round(d))
		r.offset += float64(c.phase) + d
	}
	for dir := range s.oneWay.from {
		from := &s.oneWay.from[dir]
		*from += int64(math.Round(c.freq * float64(*from-atRel)))
	}
	if !s.last.Time.IsZero() {
		s.last.Offset += c.shift(s.last.Time)
		s.last.Time = c.move(s.last.Time)
	}
	s.cache.valid = false
	if len(s.samples) > 0 {
		s.refit()
	}
}
