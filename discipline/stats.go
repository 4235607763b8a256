package discipline

// Stats are the discipline's counters and state, for metrics.
type Stats struct {
	// Updates counts the updates that steered the clock; Steps those
	// that stepped it.
	Updates, Steps uint64
	// Frequency is the kernel's frequency correction in force, SlewRate
	// the part of it slewing an offset away.
	Frequency, SlewRate float64
}

// Stats returns the current counters and state; safe to call from any
// goroutine.
func (d *Discipline) Stats() Stats {
	d.statsMu.Lock()
	defer d.statsMu.Unlock()
	return d.stats
}

// count records one steering update.
func (d *Discipline) count(act Action) {
	d.statsMu.Lock()
	defer d.statsMu.Unlock()
	d.stats.Updates++
	if act.Step != 0 {
		d.stats.Steps++
	}
}
