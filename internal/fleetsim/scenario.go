package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/clockwatch/clockwatch/mesh"
	"github.com/clockwatch/clockwatch/ntp"
)

// offBy is how far off a host must be to be faulty: the inference must
// name every host this far off.
const offBy = time.Millisecond

// maxHosts is the largest fleet: its addresses fit 198.18.0.0/15 beside
// the upstream servers'.
const maxHosts = 100000

// Scenario is one simulated fleet and what goes wrong in it.
type Scenario struct {
	Hosts int
	Seed  uint64
	// Rounds is how many poll intervals are simulated; after each the
	// agents are scraped and the mesh is inferred.
	Rounds int
	// Poll is the agents' poll interval (--poll.interval), a round.
	Poll time.Duration
	// Peers is how many peers each agent measures (--peers.sample), Rotate
	// how often a quarter of them is swapped (--peers.rotate-interval).
	Peers  int
	Rotate time.Duration
	// Threshold is the agents' --peers.max-offset and the inference's
	// threshold.
	Threshold time.Duration
	Topology  Topology
	Faults    Faults
}

// Faults are what goes wrong, from the middle of round Faults.Round, or
// each from its own round up to Stagger rounds later.
type Faults struct {
	// Round is the poll round at whose middle the faults begin.
	Round int
	// Stagger spreads the faults' starts: each single faulty, drifting or
	// stopped host, each bad or rerouted rack, and the bad upstream server
	// begins in the middle of its own round, drawn from Round to
	// Round+Stagger from the seed (Scenario.faultStarts). Zero starts
	// every fault at once, at Round.
	Stagger int
	// Hosts single hosts step by Offset, ahead or behind at random.
	Hosts  int
	Offset time.Duration
	// DriftingHosts single hosts start drifting by Drift (a ratio).
	DriftingHosts int
	Drift         float64
	// Racks whole racks step by RackOffset: their PTP grandmaster is bad.
	Racks      int
	RackOffset time.Duration
	// Upstream is the error of one upstream NTP server: the hosts whose
	// time daemon follows it, one in Topology.Upstreams, step by it.
	Upstream time.Duration
	// RouteRacks racks' uplinks detour by Detour, one way: every path
	// out of them becomes asymmetric.
	RouteRacks int
	Detour     time.Duration
	// PeersDown is the share of the agents that stop: they answer and
	// export nothing more.
	PeersDown float64
}

// DefaultScenario is a fleet of agents with the agent's defaults, and no
// fault.
func DefaultScenario() Scenario {
	return Scenario{
		Hosts: 1000, Seed: 1, Rounds: 20, Poll: ntp.DefaultPollInterval, Peers: ntp.DefaultPeerSample, Rotate: ntp.DefaultPeerRotate,
		Threshold: mesh.DefaultThreshold, Topology: DefaultTopology(),
		Faults: Faults{Round: 8, Offset: offBy, Drift: 50e-6, RackOffset: 2 * time.Millisecond, Detour: 2 * time.Millisecond},
	}
}

// Validate reports a scenario that cannot run.
func (sc Scenario) Validate() error {
	f := sc.Faults
	switch {
	case sc.Hosts < 2 || sc.Hosts > maxHosts:
		return fmt.Errorf("fleetsim: --hosts %d is outside 2..%d", sc.Hosts, maxHosts)
	case sc.Rounds < 1:
		return fmt.Errorf("fleetsim: --rounds %d must be at least 1", sc.Rounds)
	case sc.Poll < time.Second:
		return fmt.Errorf("fleetsim: --poll %v must be at least 1s", sc.Poll)
	case sc.Peers < 1:
		return fmt.Errorf("fleetsim: --peers %d must be at least 1", sc.Peers)
	case sc.Rotate < time.Second:
		return fmt.Errorf("fleetsim: --rotate %v must be at least 1s", sc.Rotate)
	case sc.Threshold <= 0:
		return errors.New("fleetsim: --threshold must be positive")
	case f.Round < 1 || f.Round > sc.Rounds:
		return fmt.Errorf("fleetsim: --fault-round %d is outside 1..--rounds (%d)", f.Round, sc.Rounds)
	case f.Stagger < 0 || f.Round+f.Stagger > sc.Rounds:
		return fmt.Errorf("fleetsim: --fault-stagger %d must be at least 0 and end by --rounds (%d) from --fault-round %d", f.Stagger, sc.Rounds, f.Round)
	case f.Hosts < 0 || f.DriftingHosts < 0 || f.Racks < 0 || f.RouteRacks < 0:
		return errors.New("fleetsim: fault counts must not be negative")
	case f.Hosts+f.DriftingHosts > sc.Hosts/2:
		return fmt.Errorf("fleetsim: %d faulty and drifting hosts are more than half the fleet", f.Hosts+f.DriftingHosts)
	case f.Racks+f.RouteRacks > sc.Topology.racks(sc.Hosts):
		return fmt.Errorf("fleetsim: %d bad and rerouted racks, but the fleet has %d", f.Racks+f.RouteRacks, sc.Topology.racks(sc.Hosts))
	case f.PeersDown < 0 || f.PeersDown >= 0.5:
		return fmt.Errorf("fleetsim: --peers-down %v is outside [0, 0.5)", f.PeersDown)
	}
	return sc.Topology.validate()
}

// faultStart is when the faults begin: in the middle of their round, so
// that a round's scrape never coincides with them.
func (sc Scenario) faultStart() time.Duration {
	return time.Duration(sc.Faults.Round)*sc.Poll + sc.Poll/2
}

// staggerStream is the seed's stream of the faults' rounds: drawn apart
// from every other draw, so a stagger moves when the faults begin and
// nothing else, and no stagger draws nothing.
const staggerStream = 1 << 62

// faultStarts returns a function that gives, at each call, when the next
// fault begins: faultStart, or with Faults.Stagger the middle of a round
// drawn from Round to Round+Stagger.
func (sc Scenario) faultStarts() func() time.Duration {
	if sc.Faults.Stagger == 0 {
		return sc.faultStart
	}
	rng := rand.New(rand.NewPCG(sc.Seed, staggerStream))
	return func() time.Duration {
		return sc.faultStart() + time.Duration(rng.IntN(sc.Faults.Stagger+1))*sc.Poll
	}
}
