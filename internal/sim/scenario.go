package sim

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/ntp"
)

// Scenario is one simulated situation: a local clock, servers and the
// network to them, and how the client polls.
type Scenario struct {
	// Name identifies the scenario in test and benchmark output;
	// Description says what happens in it.
	Name        string
	Description string
	// Duration is how much true time the run covers.
	Duration time.Duration
	// Poll is the interval between polls of one server (default 1 s).
	Poll time.Duration
	// Spread randomizes each poll interval by ± this share of Poll, as the
	// agent does so that a fleet does not poll in lock-step (the agent's
	// is ntp.DefaultPollSpread).
	Spread float64
	// Burst is how many start-up queries each server gets, BurstSpacing
	// apart (default ntp.BurstSpacing(Poll), as the agent spaces them),
	// before regular polling (the agent sends ntp.DefaultBurst).
	Burst        int
	BurstSpacing time.Duration
	// Timeout is how long the client waits for a reply (default 1 s).
	Timeout time.Duration
	// Precision is the resolution of the local clock's timestamps.
	Precision time.Duration
	// EvalEvery is the grid on which the estimate is scored when no
	// observation came in since the last tick (default 1 s).
	EvalEvery time.Duration
	// Clock is the local clock.
	Clock LocalClock
	// Servers are the sources, polled independently.
	Servers []Server
	// ReferenceSteps move the reference (true time as the honest servers
	// serve it): every server steps together.
	ReferenceSteps []Step
	// Outages silence every server at once.
	Outages []Window
	// Config configures the estimator under test.
	Config estimator.Config
}

// withDefaults fills the zero fields.
func (sc Scenario) withDefaults() Scenario {
	if sc.Poll <= 0 {
		sc.Poll = time.Second
	}
	if sc.Timeout <= 0 {
		sc.Timeout = time.Second
	}
	if sc.EvalEvery <= 0 {
		sc.EvalEvery = time.Second
	}
	if sc.BurstSpacing <= 0 {
		sc.BurstSpacing = ntp.BurstSpacing(sc.Poll)
	}
	return sc
}

// phase draws when a server's first poll goes out: within the first poll
// interval or second, whichever is shorter.
func (sc Scenario) phase(rng *rand.Rand) time.Duration {
	return time.Duration(rng.Float64() * float64(min(sc.Poll, time.Second)))
}

// nextPoll returns when the poll after the one at true time at goes out
// and how many start-up queries are then left: the burst first, then the
// poll interval spread at random.
func (sc Scenario) nextPoll(at time.Duration, burst int, rng *rand.Rand) (time.Duration, int) {
	if burst > 1 {
		return at + sc.BurstSpacing, burst - 1
	}
	spread := 1 + sc.Spread*(2*rng.Float64()-1)
	return at + time.Duration(spread*float64(sc.Poll)), 0
}

// truthSteps returns the instants at which the true offset jumps: steps of
// the local clock or of the reference.
func (sc Scenario) truthSteps() []time.Duration {
	var at []time.Duration
	for _, s := range sc.Clock.Steps {
		at = append(at, s.At)
	}
	for _, s := range sc.ReferenceSteps {
		at = append(at, s.At)
	}
	return at
}

// Limit is the physical limit at true time t: half the width of the
// intersection of the honest servers' regions, each [true offset −
// minimum outbound delay − root distance, true offset + minimum inbound
// delay + root distance]. It is the narrowest bound any client can prove
// in steady state: even exchanges that queue nowhere prove no more. Zero
// when no server is honest at t.
func (sc Scenario) Limit(t time.Duration) time.Duration {
	out, in := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for i := range sc.Servers {
		s := &sc.Servers[i]
		if !s.honestAt(t) {
			continue
		}
		p := s.pathAt(t)
		root := s.RootDelay/2 + s.RootDispersion
		share := p.OutboundShare()
		out = min(out, time.Duration(float64(p.Delay)*share)+root)
		in = min(in, time.Duration(float64(p.Delay)*(1-share))+root)
	}
	if out == math.MaxInt64 {
		return 0
	}
	return (out + in) / 2
}

// wander is the estimator's wander allowance in this scenario, as a
// ratio (estimator.Config.Wander, 1 ppm by default).
func (sc Scenario) wander() float64 {
	if sc.Config.Wander > 0 {
		return min(sc.Config.Wander, estimator.MaxFrequencyTolerance)
	}
	return 1e-6
}

// inOutage reports whether every server is silent at true time t.
func (sc Scenario) inOutage(t time.Duration) bool { return silent(sc.Outages, t) }

// recoveryPolls is how many polls after an outage every server has had
// the chance to answer: the recovery is scored from then on.
const recoveryPolls = 2

// recoveries returns, per outage, the span in which a client recovers from
// it: from recoveryPolls polls after its end for as long as it lasted.
// What the drift did while every server was silent (a thermal step) shows
// here: how soon a client follows the new drift.
func (sc Scenario) recoveries() []Window {
	var out []Window
	for _, o := range sc.Outages {
		from := o.To + recoveryPolls*sc.Poll
		out = append(out, Window{From: from, To: o.To + (o.To - o.From)})
	}
	return out
}
