package main

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/clockwatch/clockwatch/internal/sim"
)

// A healthy host's clock is kept near true time by its time daemon (PTP or
// NTP in the data centre): a constant error of a few tens of microseconds
// and a slow wave of a few microseconds, the daemon chasing temperature.
const (
	baseSigma                    = 15 * time.Microsecond
	waveMax                      = 10 * time.Microsecond
	wavePeriodMin, wavePeriodMax = 10 * time.Minute, time.Hour
)

// hostClock is a host's clock: its offset from true time as a function of
// true time. It is closed-form, so it can be read at any instant in any
// order and costs nothing to keep.
type hostClock struct {
	base        float64
	wave, omega float64
	phase       float64
	// steps are the faults that move it at once.
	steps []sim.Step
	// drift makes it run away from driftFrom on.
	drift     float64
	driftFrom time.Duration
}

func newHostClock(rng *rand.Rand) hostClock {
	period := between(rng, wavePeriodMin, wavePeriodMax)
	return hostClock{
		base:  rng.NormFloat64() * float64(baseSigma),
		wave:  rng.Float64() * float64(waveMax),
		omega: 2 * math.Pi / float64(period),
		phase: rng.Float64() * 2 * math.Pi,
	}
}

// offsetAt is the clock minus true time at true time t.
func (c *hostClock) offsetAt(t time.Duration) time.Duration {
	ns := c.base + c.wave*math.Sin(c.omega*float64(t)+c.phase)
	if c.drift != 0 && t > c.driftFrom {
		ns += c.drift * float64(t-c.driftFrom)
	}
	for _, s := range c.steps {
		if t >= s.At {
			ns += float64(s.By)
		}
	}
	return time.Duration(math.Round(ns))
}

// read is the clock's reading at true time t.
func (c *hostClock) read(t time.Duration) time.Time { return sim.Epoch.Add(t + c.offsetAt(t)) }

// upstream is an upstream NTP server's clock: true time, plus an error
// from a fault on.
type upstream struct {
	err     time.Duration
	errFrom time.Duration
}

func (u upstream) read(t time.Duration) time.Time {
	if u.err != 0 && t >= u.errFrom {
		t += u.err
	}
	return sim.Epoch.Add(t)
}
