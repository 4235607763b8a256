package main

import (
	"io"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	cwagent "github.com/clockwatch/clockwatch/internal/agent"
	"github.com/clockwatch/clockwatch/internal/sim"
	"github.com/clockwatch/clockwatch/mesh"
	"github.com/clockwatch/clockwatch/ntp"
)

// holdoverMax is the agent's --holdover.max default.
const holdoverMax = 30 * time.Minute

// eventKind says what an event does.
type eventKind uint8

const (
	// start starts an agent; rotate rotates its peer sample.
	start eventKind = iota
	rotate
	// poll launches an exchange of a source; deliver hands its
	// observation to the estimator.
	poll
	deliver
	// round scrapes every agent and infers the mesh.
	round
)

// event is something that happens at a true instant of a run.
type event struct {
	kind  eventKind
	agent int
	src   *source
	obs   *estimator.Observation
}

// world is one run: the fleet, its network and upstream servers, and the
// events to come, in the simulator's one event queue (sim.Queue).
type world struct {
	sc     Scenario
	net    *network
	agents []agent
	faults []hostFault
	// names are the hosts' responder addresses, as their peers name them.
	names []string
	// ring lists every host twice, so that host h's known peers,
	// everyone but itself, are ring[h+1 : h+Hosts], shared, not copied.
	ring []netip.AddrPort
	// follows is the upstream server each host's time daemon follows.
	follows           []int
	upstreams         []upstream
	upstreamResponder *ntp.Responder
	pollConfig        ntp.PollConfig
	events            sim.Queue[event]
	score             *scorer
	// exported is what a served run shows Prometheus; nil otherwise.
	exported *exported
	// progress is how much simulated time passes between the scores so
	// far written to progressOut (zero: none).
	progress    time.Duration
	progressOut io.Writer
	// inferring delivers whom the inference of the round at inferredAt
	// named, while it runs; nil when none runs.
	inferring  chan []string
	inferredAt time.Duration
	// history carries each path's route from one round's inference to
	// the next; only the running inference uses it.
	history *mesh.History
	// scrapes and edges are the last round's, kept to be written over.
	scrapes []scrape
	edges   []mesh.Edge
}

// newWorld builds the fleet of sc, every part drawn from its seed.
func newWorld(sc Scenario) *world {
	rng := rand.New(rand.NewPCG(sc.Seed, 0))
	n := sc.Hosts
	peers := cwagent.DefaultPeers()
	peers.Sample, peers.Rotate, peers.MaxOffset = sc.Peers, sc.Rotate, sc.Threshold
	w := &world{
		sc: sc, net: newNetwork(sc.Topology, n, rng),
		agents: make([]agent, n), faults: make([]hostFault, n), names: make([]string, n),
		ring: make([]netip.AddrPort, 2*n), follows: make([]int, n), upstreams: make([]upstream, sc.Topology.Upstreams),
		upstreamResponder: &ntp.Responder{Stratum: 1},
		pollConfig:        ntp.PollConfig{Interval: sc.Poll},
		history:           mesh.NewHistory(),
	}
	estimatorConfig := cwagent.Config{PollInterval: sc.Poll, HoldoverMax: holdoverMax, Peers: peers}.EstimatorConfig()
	for h := range n {
		w.names[h] = hostAddress(h).String()
		w.ring[h], w.ring[h+n] = hostAddress(h), hostAddress(h)
		w.follows[h] = rng.IntN(sc.Topology.Upstreams)
		w.agents[h] = w.newAgent(h, newHostClock(rng), estimator.New(estimatorConfig))
	}
	w.injectFaults(rng)
	for h := range n {
		w.events.Push(time.Duration(rng.Float64()*float64(sc.Poll)), event{kind: start, agent: h})
	}
	for k := 1; k <= sc.Rounds; k++ {
		w.events.Push(time.Duration(k)*sc.Poll, event{kind: round})
	}
	w.score = newScorer(w)
	return w
}

// newAgent returns host h's agent, polling the servers after the one its
// time daemon follows.
func (w *world) newAgent(h int, clock hostClock, est *estimator.Estimator) agent {
	a := agent{
		id: h, clock: clock, est: est, downFrom: never,
		sample: ntp.NewPeerSample(w.sc.Peers, rand.New(rand.NewPCG(w.sc.Seed, uint64(2*h+1)))),
		rng:    rand.New(rand.NewPCG(w.sc.Seed, uint64(2*h+2))),
	}
	a.responder = &ntp.Responder{Quality: func() ntp.Quality { return w.agents[h].quality }}
	for k := range w.sc.Topology.Servers {
		u := (w.follows[h] + k) % w.sc.Topology.Upstreams
		a.servers = append(a.servers, u)
		a.sources = append(a.sources, newSource(upstreamAddress(u).String(), -1, u))
	}
	return a
}

// run handles the events until the last round and returns the score.
func (w *world) run() Result {
	end := time.Duration(w.sc.Rounds) * w.sc.Poll
	for {
		at, e, ok := w.events.Pop()
		if !ok || at > end {
			return w.result()
		}
		w.handle(at, e)
	}
}

func (w *world) handle(at time.Duration, e event) {
	a := &w.agents[e.agent]
	switch e.kind {
	case start:
		w.start(at, a)
	case rotate:
		if !a.downAt(at) {
			if a.sample.Rotate() {
				w.launch(at, a, a.setPeers(a.sample.Members()))
			}
			w.events.Push(at+w.sc.Rotate, event{kind: rotate, agent: a.id})
		}
	case poll:
		w.poll(at, a, e.src)
	case deliver:
		if !e.src.stopped && !a.downAt(at) {
			a.observed = append(a.observed, *e.obs)
		}
	case round:
		w.round(at)
	}
}

// start starts agent a as the agent starts: its sources and the first
// peer sample, drawn from every other host. Its first rotation comes at a
// random point of the first interval, as in a fleet whose agents started
// at different times, not at once.
func (w *world) start(at time.Duration, a *agent) {
	a.setSources()
	a.sample.Update(w.ring[a.id+1 : a.id+w.sc.Hosts])
	w.launch(at, a, a.sources[:len(a.servers)])
	w.launch(at, a, a.setPeers(a.sample.Members()))
	w.events.Push(at+time.Duration(a.rng.Float64()*float64(w.sc.Rotate)), event{kind: rotate, agent: a.id})
}

// launch schedules the first poll of each source at true time at.
func (w *world) launch(at time.Duration, a *agent, sources []*source) {
	for _, s := range sources {
		w.events.Push(at, event{kind: poll, agent: a.id, src: s})
	}
}

// poll runs one exchange of s and schedules its delivery and the next
// poll, as ntp.Source does: the next poll waits from the reply, or from
// the timeout.
func (w *world) poll(at time.Duration, a *agent, s *source) {
	if s.stopped || a.downAt(at) {
		return
	}
	w.score.cost.polls++
	obs, ready := w.exchange(a, s, at)
	// The poll interval, as ntp.Source reports it before any back-off (a
	// source backs off only once unreachable, when its peer no longer
	// votes): how long ntp.PeerView carries its measurements.
	obs.Poll = w.sc.Poll
	if obs.Result == estimator.ResultOK {
		s.failures = 0
	} else {
		s.failures++
	}
	wait := w.pollConfig.Wait(s.burst, s.failures, 1, a.rng)
	if s.burst > 1 {
		s.burst--
	}
	w.events.Push(ready, event{kind: deliver, agent: a.id, src: s, obs: &obs})
	w.events.Push(ready+wait, event{kind: poll, agent: a.id, src: s})
}
