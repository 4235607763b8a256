package sim

import (
	"math"
	"math/rand/v2"
	"time"
)

// JitterKind names a distribution of queueing delay.
type JitterKind int

// Jitter distributions.
const (
	// NoJitter adds nothing.
	NoJitter JitterKind = iota
	// Exponential jitter, typical of a lightly loaded LAN.
	Exponential
	// Pareto jitter (Lomax: Pareto shifted to start at zero) with a heavy
	// tail, typical of a congested WAN.
	Pareto
)

// maxJitter caps one jitter draw so a heavy tail cannot stall a run.
const maxJitter = 2 * time.Second

// Jitter is the random queueing delay added to one direction of a path.
type Jitter struct {
	Kind JitterKind
	// Mean is the mean of the added delay.
	Mean time.Duration
	// Shape is the Pareto tail index α (> 1; smaller is heavier). The
	// default is 1.5.
	Shape float64
}

// draw returns one jitter value.
func (j Jitter) draw(rng *rand.Rand) time.Duration {
	var d float64
	switch j.Kind {
	case Exponential:
		d = rng.ExpFloat64() * float64(j.Mean)
	case Pareto:
		shape := j.Shape
		if shape <= 1 {
			shape = 1.5
		}
		scale := float64(j.Mean) * (shape - 1)
		d = scale * (math.Pow(1-rng.Float64(), -1/shape) - 1)
	}
	return time.Duration(math.Min(d, float64(maxJitter)))
}

// Path is the network between the local host and one server.
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

// transit draws the one-way delays of one exchange; lost reports that the
// request or the reply was dropped.
func (p Path) transit(rng *rand.Rand) (out, back time.Duration, lost bool) {
	share := p.Outbound
	if share <= 0 || share >= 1 {
		share = 0.5
	}
	lost = rng.Float64() < p.Loss
	out = time.Duration(float64(p.Delay)*share) + p.Jitter.draw(rng)
	back = time.Duration(float64(p.Delay)*(1-share)) + p.Jitter.draw(rng)
	return out, back, lost
}
