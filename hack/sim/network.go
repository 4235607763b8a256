package sim

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/clockwatch/clockwatch/hack/netem"
)

// Path is the network between the local host and one server.
type Path struct {
	// Delay is the round-trip delay without jitter.
	Delay time.Duration
	// Outbound is the share of Delay on the way to the server (0.5 when
	// symmetric; 0 counts as symmetric).
	Outbound float64
	// Jitter is added independently to each direction.
	Jitter netem.Jitter
	// Loss is the probability that an exchange gets no reply.
	Loss float64
}

// Split returns the two one-way paths of p for the netem relay: the base
// delay divided by Outbound, the jitter on both, and the loss split so that
// an exchange is lost with probability Loss.
func (p Path) Split() (toServer, toClient netem.Path) {
	share := p.share()
	loss := 1 - math.Sqrt(1-p.Loss)
	toServer = netem.Path{Delay: time.Duration(float64(p.Delay) * share), Jitter: p.Jitter, Loss: loss}
	toClient = netem.Path{Delay: time.Duration(float64(p.Delay) * (1 - share)), Jitter: p.Jitter, Loss: loss}
	return toServer, toClient
}

// share is the outbound share of the base delay.
func (p Path) share() float64 {
	if p.Outbound <= 0 || p.Outbound >= 1 {
		return 0.5
	}
	return p.Outbound
}

// transit draws the one-way delays of one exchange; lost reports that the
// request or the reply was dropped.
func (p Path) transit(rng *rand.Rand) (out, back time.Duration, lost bool) {
	lost = rng.Float64() < p.Loss
	out = time.Duration(float64(p.Delay)*p.share()) + p.Jitter.Draw(rng)
	back = time.Duration(float64(p.Delay)*(1-p.share())) + p.Jitter.Draw(rng)
	return out, back, lost
}
