package sim

import (
	"math"
	"time"

	"github.com/clockwatch/clockwatch/discipline"
)

// steeredClock is the local clock with its kernel, steered by a discipline:
// the free-running clock (drift, wander and jumps of its own) plus the
// kernel's frequency correction integrated over time and the steps the
// discipline made. It implements discipline.Clock, so the discipline under
// test steers it exactly as it would steer the real one. Its true time only
// moves forward, by advance.
type steeredClock struct {
	free *localClock
	// now is the true time the state refers to; steered is what the
	// kernel's corrections and the steps added to the offset until then,
	// in nanoseconds.
	now     time.Duration
	steered float64
	// frequency is the kernel's correction in force; sync is what the
	// discipline last told the kernel; steps counts its steps.
	frequency float64
	sync      discipline.SyncState
	steps     int
}

// advance moves true time forward to t.
func (c *steeredClock) advance(t time.Duration) {
	c.steered += c.frequency * float64(t-c.now)
	c.now = t
}

// trueOffset is local clock − true time now.
func (c *steeredClock) trueOffset() time.Duration {
	return time.Duration(math.Round(c.free.offsetAt(c.now) + c.steered))
}

// reading is the local clock's reading now since the epoch, rounded down to
// precision as a clock with that resolution reports it.
func (c *steeredClock) reading(precision time.Duration) time.Duration {
	return quantize(c.now+c.trueOffset(), precision)
}

// State returns the simulated kernel state.
func (c *steeredClock) State() (discipline.KernelState, error) {
	status := discipline.StatusUnsync
	if c.sync.Synchronized {
		status = 0
	}
	return discipline.KernelState{Frequency: c.frequency, Status: status, MaxError: c.sync.MaxError, EstError: c.sync.EstError}, nil
}

// SetFrequency sets the kernel's frequency correction from now on.
func (c *steeredClock) SetFrequency(freq float64) error {
	c.frequency = freq
	return nil
}

// Step moves the clock's reading by d.
func (c *steeredClock) Step(d time.Duration) error {
	c.steered += float64(d)
	c.steps++
	return nil
}

// SetSync records the synchronization state.
func (c *steeredClock) SetSync(s discipline.SyncState) error {
	c.sync = s
	return nil
}
