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

// MaxJitter caps one jitter draw so a heavy tail cannot stall a run.
const MaxJitter = 2 * time.Second

// defaultShape is the Pareto tail index used when none is given.
const defaultShape = 1.5

// Jitter is the random queueing delay added to one direction of a path.
type Jitter struct {
	Kind JitterKind
	// Mean is the mean of the added delay.
	Mean time.Duration
	// Shape is the Pareto tail index α (> 1; smaller is heavier). The
	// default is 1.5.
	Shape float64
}

// Draw returns one jitter value, between zero and MaxJitter.
func (j Jitter) Draw(rng *rand.Rand) time.Duration {
	var d float64
	switch j.Kind {
	case Exponential:
		d = rng.ExpFloat64() * float64(j.Mean)
	case Pareto:
		shape := j.Shape
		if !(shape > 1) {
			shape = defaultShape
		}
		scale := float64(j.Mean) * (shape - 1)
		d = scale * (math.Pow(1-rng.Float64(), -1/shape) - 1)
	}
	return time.Duration(min(max(d, 0), float64(MaxJitter)))
}
