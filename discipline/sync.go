package discipline

import "github.com/clockwatch/clockwatch/estimator"

// syncStateOf is what the kernel is told about a clock with estimate e:
// synchronized unless the estimate is, the maximum error |offset| + bound
// (the clock's distance from true time can be no more), the estimated
// error the bound.
func syncStateOf(e estimator.Estimate) SyncState {
	if !e.HasOffset() {
		return SyncState{MaxError: MaxKernelError, EstError: MaxKernelError}
	}
	return SyncState{
		Synchronized: e.Synchronized,
		MaxError:     min(e.Offset.Abs()+e.ErrorBound, MaxKernelError),
		EstError:     min(e.ErrorBound, MaxKernelError),
	}
}

// publishSync tells the kernel the estimate's state when the clock changed
// or SyncInterval has passed since it was last told.
func (d *Discipline) publishSync(e estimator.Estimate, changed bool) error {
	if !changed && e.Time.Sub(d.synced) < d.cfg.SyncInterval && !e.Time.Before(d.synced) {
		return nil
	}
	if err := d.clock.SetSync(syncStateOf(e)); err != nil {
		return err
	}
	d.synced = e.Time
	return nil
}

// Release hands the clock back when the agent stops: a slew in progress
// ends, the drift correction stays in force (the clock keeps its rate,
// as chronyd leaves it), and the kernel is told the clock is no longer
// synchronized, so that other tools, and the next start's Detect, do not
// trust a stale status.
func (d *Discipline) Release() error {
	now := d.now()
	if _, err := d.setFrequency(correction{base: d.base}, now); err != nil {
		return err
	}
	return d.clock.SetSync(SyncState{MaxError: MaxKernelError, EstError: MaxKernelError})
}
