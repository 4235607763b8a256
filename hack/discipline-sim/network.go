package main

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// Server is one honest NTP server (its clock is true time) and the path to
// it.
type Server struct {
	Name string
	// Delay is the round trip without queueing; Jitter is the mean of the
	// queueing added to each direction (exponential, or Pareto with tail
	// index 1.5 when HeavyTail); Loss is the share of polls unanswered.
	Delay, Jitter time.Duration
	HeavyTail     bool
	Loss          float64
	// RootDispersion is what the server advertises.
	RootDispersion time.Duration
}

// queueing draws one direction's queueing delay, at most maxQueueing.
func (s Server) queueing(rng *rand.Rand) time.Duration {
	d := rng.ExpFloat64() * float64(s.Jitter)
	if s.HeavyTail {
		const shape = 1.5
		d = float64(s.Jitter) * (shape - 1) * (math.Pow(1-rng.Float64(), -1/shape) - 1)
	}
	return time.Duration(min(d, float64(maxQueueing)))
}

// maxQueueing caps one queueing draw so a heavy tail cannot stall a run.
const maxQueueing = 500 * time.Millisecond

// processing is the time between a server's receive and transmit stamps.
const processing = 20 * time.Microsecond

// exchange is an NTP exchange in flight: the client's transmit stamp t1
// (local clock), the server's receive and transmit stamps t2, t3 (true
// time) and when the reply arrives (true time).
type exchange struct {
	server int
	// sent is the true time of t1.
	sent    time.Duration
	t1      time.Time
	t2, t3  time.Time
	arrives time.Duration
}

// launch starts an exchange with s at true time now, the local clock
// reading t1; ok is false when the request or reply is lost.
func (s Server) launch(index int, now time.Duration, t1 time.Time, rng *rand.Rand) (exchange, bool) {
	lost := rng.Float64() < s.Loss
	out := s.Delay/2 + s.queueing(rng)
	back := s.Delay/2 + s.queueing(rng)
	t2 := epoch.Add(now + out)
	x := exchange{server: index, sent: now, t1: t1, t2: t2, t3: t2.Add(processing), arrives: now + out + processing + back}
	return x, !lost
}

// sample computes the sample of an exchange whose reply arrived at local
// clock reading t4, as an NTP client does. A clock stepped while the
// exchange was in flight can make the delay negative: such an exchange is
// rejected, as the agent's client rejects it.
func (x exchange) sample(s Server, t4 time.Time) estimator.Observation {
	delay := t4.Sub(x.t1) - x.t3.Sub(x.t2)
	if delay < 0 {
		return estimator.Observation{Source: s.Name, Result: "negative_delay"}
	}
	smp := estimator.Sample{
		Source:         s.Name,
		Time:           x.t1.Add(t4.Sub(x.t1) / 2),
		Offset:         (x.t1.Sub(x.t2) + t4.Sub(x.t3)) / 2,
		Delay:          delay,
		RootDispersion: s.RootDispersion,
		Precision:      100 * time.Nanosecond,
		Stratum:        1,
		Timestamping:   "kernel",
	}
	return estimator.Observation{Source: s.Name, Result: estimator.ResultOK, Sample: smp}
}
