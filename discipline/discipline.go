package discipline

import (
	"sync"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// Estimator is what the discipline needs of the estimator: the estimate,
// and a way to tell it about each change of the clock.
type Estimator interface {
	Estimate(now time.Time) estimator.Estimate
	Adjust(at time.Time, phase time.Duration, freq float64)
}

// Action is what one update did to the clock.
type Action struct {
	// Step is how far the clock was stepped; zero if it was not.
	Step time.Duration
	// FrequencyChange is how much the frequency correction changed, and
	// Frequency the correction now in force (drift and slew).
	FrequencyChange, Frequency float64
	// Slew is the offset the frequency now slews away, over SlewFor.
	Slew    time.Duration
	SlewFor time.Duration
}

// Changed reports whether the clock was changed.
func (a Action) Changed() bool { return a.Step != 0 || a.FrequencyChange != 0 }

// Discipline steers a clock from an estimator's estimate. It is not safe
// for concurrent use, except Stats: one goroutine, the one that owns the
// estimator, calls Update.
type Discipline struct {
	cfg   Config
	clock Clock
	est   Estimator
	now   func() time.Time

	// inForce is the kernel's frequency correction: base, the drift
	// correction, and slew on top of it until the slew is ended.
	inForce, base float64
	slew          slew
	// syncedAt is the local time of the first synchronized estimate,
	// which starts the step period.
	syncedAt time.Time
	// samples counts the usable samples of the last estimate seen.
	samples uint64
	// synced is when the kernel's status was last set.
	synced time.Time

	statsMu sync.Mutex
	stats   Stats
}

// New returns a discipline that steers clock from est; now reads the
// clock the estimator's samples are stamped with. The frequency correction
// in force is kept as the starting point: the estimator measures the clock
// as it runs with it.
func New(cfg Config, clock Clock, est Estimator, now func() time.Time) (*Discipline, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	k, err := clock.State()
	if err != nil {
		return nil, err
	}
	d := &Discipline{cfg: cfg, clock: clock, est: est, now: now, inForce: k.Frequency, base: k.Frequency}
	d.stats.Frequency = k.Frequency
	return d, nil
}

// Update acts on the estimate just computed: after a new sample it steers
// the clock, otherwise it ends a slew that is due; either way it keeps the
// kernel's synchronization status current. When the returned action
// Changed the clock, estimates computed before are stale.
func (d *Discipline) Update(e estimator.Estimate) (Action, error) {
	var act Action
	var err error
	if n := usableSamples(e); n != d.samples {
		d.samples = n
		act, err = d.steer(e)
	} else {
		act, err = d.endSlew()
	}
	if err != nil {
		return act, err
	}
	if act.Changed() {
		e = d.est.Estimate(d.now())
	}
	return act, d.publishSync(e, act.Changed())
}

// steer corrects the clock from a synchronized estimate; in holdover or
// unsynchronized it holds the drift correction and lets a slew finish.
func (d *Discipline) steer(e estimator.Estimate) (Action, error) {
	if e.Status != estimator.StatusSynchronized {
		return d.endSlew()
	}
	now := d.now()
	if d.syncedAt.IsZero() {
		d.syncedAt = now
	}
	e = e.At(now)
	var stepped time.Duration
	if step := d.cfg.stepFor(e); step != 0 && d.cfg.stepsAllowed(d.syncedAt, now) {
		if err := d.step(step, now); err != nil {
			return Action{}, err
		}
		stepped, now = step, d.now()
		e = d.est.Estimate(now)
	}
	act, err := d.retune(d.cfg.correct(e, d.base, d.inForce-d.base, now), now)
	act.Step = stepped
	d.count(act)
	return act, err
}

// step moves the clock by phase and ends any slew: the offset it was
// removing is gone.
func (d *Discipline) step(phase time.Duration, now time.Time) error {
	if _, err := d.setFrequency(correction{base: d.base}, now); err != nil {
		return err
	}
	if err := d.clock.Step(phase); err != nil {
		return err
	}
	d.est.Adjust(now, phase, 0)
	return nil
}

// retune puts a correction in force and describes it.
func (d *Discipline) retune(c correction, now time.Time) (Action, error) {
	change, err := d.setFrequency(c, now)
	if err != nil {
		return Action{}, err
	}
	act := Action{FrequencyChange: change, Frequency: c.base + c.slew.rateAt(now)}
	if c.slew.rate != 0 {
		act.SlewFor = c.slew.until.Sub(now)
		act.Slew = -time.Duration(c.slew.rate * float64(act.SlewFor))
	}
	return act, nil
}

// endSlew returns the frequency to the drift correction once the slew in
// progress has removed its offset.
func (d *Discipline) endSlew() (Action, error) {
	now := d.now()
	if d.inForce == d.base || d.slew.rateAt(now) != 0 {
		return Action{}, nil
	}
	return d.retune(correction{base: d.base}, now)
}

// setFrequency sets the kernel's frequency to c's at local time now, tells
// the estimator, and returns the change.
func (d *Discipline) setFrequency(c correction, now time.Time) (float64, error) {
	before, after := d.inForce, c.base+c.slew.rateAt(now)
	if after != before {
		if err := d.clock.SetFrequency(after); err != nil {
			return 0, err
		}
		d.est.Adjust(now, 0, after-before)
	}
	d.inForce, d.base, d.slew = after, c.base, c.slew
	d.statsMu.Lock()
	d.stats.Frequency, d.stats.SlewRate = after, c.slew.rateAt(now)
	d.statsMu.Unlock()
	return after - before, nil
}

// usableSamples counts the usable samples behind an estimate.
func usableSamples(e estimator.Estimate) uint64 {
	var n uint64
	for _, s := range e.Sources {
		n += s.Results[estimator.ResultOK]
	}
	return n
}
