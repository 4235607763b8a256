package main

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/clockwatch/clockwatch/discipline"
)

// epoch is the local clock reading that true time zero maps to, before the
// local clock's offset.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// wanderTick is how often the natural frequency takes a random-walk step.
const wanderTick = time.Second

// simClock is the simulated host clock and its kernel: it implements
// discipline.Clock, so the discipline under test steers it exactly as it
// would steer the real one. Time only moves forward, by advance.
type simClock struct {
	rng *rand.Rand
	// now is the true time the state refers to; offset is local clock −
	// true time then, in nanoseconds.
	now    time.Duration
	offset float64
	// natural is the clock's own frequency error, moved by a random walk
	// of wander per √wanderTick; kernel is the correction in force.
	natural, wander, kernel float64
	nextWander              time.Duration
	// sync is what the discipline last told the kernel; steps counts the
	// discipline's steps.
	sync  discipline.SyncState
	steps int
}

func newSimClock(c LocalClock, rng *rand.Rand) *simClock {
	return &simClock{rng: rng, offset: float64(c.Offset), natural: c.Drift, wander: c.Wander, nextWander: wanderTick}
}

// advance moves true time forward to t, integrating the frequency.
func (c *simClock) advance(t time.Duration) {
	for c.nextWander <= t {
		c.run(c.nextWander)
		c.natural += c.wander * c.rng.NormFloat64()
		c.nextWander += wanderTick
	}
	c.run(t)
}

// run lets the clock run at its current frequency until true time t.
func (c *simClock) run(t time.Duration) {
	c.offset += (c.natural + c.kernel) * float64(t-c.now)
	c.now = t
}

// trueOffset is local clock − true time now.
func (c *simClock) trueOffset() time.Duration { return time.Duration(math.Round(c.offset)) }

// read is the local clock's reading now.
func (c *simClock) read() time.Time { return epoch.Add(c.now + c.trueOffset()) }

// jump moves the clock by d on its own (a VM pause, a bad RTC): not the
// discipline's doing.
func (c *simClock) jump(d time.Duration) { c.offset += float64(d) }

// State returns the simulated kernel state.
func (c *simClock) State() (discipline.KernelState, error) {
	status := discipline.StatusUnsync
	if c.sync.Synchronized {
		status = 0
	}
	return discipline.KernelState{Frequency: c.kernel, Status: status, MaxError: c.sync.MaxError, EstError: c.sync.EstError}, nil
}

// SetFrequency sets the kernel's frequency correction from now on.
func (c *simClock) SetFrequency(freq float64) error {
	c.kernel = freq
	return nil
}

// Step moves the clock's reading by d.
func (c *simClock) Step(d time.Duration) error {
	c.offset += float64(d)
	c.steps++
	return nil
}

// SetSync records the synchronization state.
func (c *simClock) SetSync(s discipline.SyncState) error {
	c.sync = s
	return nil
}
