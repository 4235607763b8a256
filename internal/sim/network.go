package sim

import (
	"math/rand/v2"
	"time"
)

// Path is the network between two hosts: the local host and a server, or
// two agents of a fleet.
type Path struct {
	// Delay is the round-trip delay without jitter.
	Delay time.Duration
	// Outbound is the share of Delay on the way to the server (0.5 when
	// symmetric; 0 counts as symmetric).
	Outbound float64
	// Jitter is added independently to each direction.
	Jitter Jitter
	// Loss is the probability that an exchange gets no reply.
	Loss float64
}

// OutboundShare is the share of the base delay on the way to the server:
// Outbound, or 0.5 when Outbound is not strictly between 0 and 1.
func (p Path) OutboundShare() float64 {
	if p.Outbound <= 0 || p.Outbound >= 1 {
		return 0.5
	}
	return p.Outbound
}

// Transit draws the one-way delays of one exchange; lost reports that the
// request or the reply was dropped.
func (p Path) Transit(rng *rand.Rand) (out, back time.Duration, lost bool) {
	lost = rng.Float64() < p.Loss
	out = time.Duration(float64(p.Delay)*p.OutboundShare()) + p.Jitter.Draw(rng)
	back = time.Duration(float64(p.Delay)*(1-p.OutboundShare())) + p.Jitter.Draw(rng)
	return out, back, lost
}
