package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"sync"
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

// round scrapes every running agent at true time at, as Prometheus
// would, judges each by its own outlier rule, and infers the mesh from the
// pairwise offsets they export, when each was taken, and each measured
// host's last step.
func (w *world) round(at time.Duration) {
	last := at == time.Duration(w.sc.Rounds)*w.sc.Poll
	scraped := w.scrapeAll(at)
	for h := range w.agents {
		a := &w.agents[h]
		if !scraped[h].ok {
			continue
		}
		e, view := scraped[h].estimate, scraped[h].view
		w.exported.publish(h, e)
		w.score.peers = max(w.score.peers, len(a.sources)-len(a.servers))
		w.score.cost.agentRounds++
		if last {
			w.score.cost.series = max(w.score.cost.series, countSeries(h, e, w.sc.Threshold))
		}
		if view.Outlier() {
			w.score.rule.judge(h, at)
		}
	}
	// The last round's inference is done with its edges before they are
	// written again.
	w.settle()
	edges := w.edges[:0]
	for h := range scraped {
		for _, p := range scraped[h].view.Peers {
			if p.Current {
				to := hostOf(netip.MustParseAddrPort(p.Name))
				edges = append(edges, mesh.Edge{From: w.names[h], To: p.Name, Offset: p.Pairwise, Error: p.Error, Taken: p.LastSample, ToStep: scraped[to].estimate.LastStep.At})
			}
		}
	}
	w.edges = edges
	w.inferring = make(chan []string, 1)
	go func(named chan<- []string) {
		named <- mesh.Infer(edges, mesh.Config{Threshold: w.sc.Threshold}).Named()
	}(w.inferring)
	w.inferredAt = at
	w.score.rounds++
	if w.progressDue(at) {
		w.settle()
		line, _ := json.Marshal(w.score.result())
		fmt.Fprintf(w.progressOut, "fleetsim: %v simulated: %s\n", at, line)
	}
}

// scraped reports whether agent a is scraped at true time at: it runs
// and has started.
func (w *world) scraped(a *agent, at time.Duration) bool {
	return !a.downAt(at) && a.sample.Members() != nil
}

// scrape is what one scrape of an agent gave; ok is set when it was
// scraped.
type scrape struct {
	estimate estimator.Estimate
	view     ntp.PeerView
	ok       bool
}

// scrapeAll scrapes every agent that runs at true time at (agent.scrape),
// by host, into the same slice each round. The agents share nothing an
// estimate reads or writes, so they are scraped side by side, one worker a
// core; what the round does with the scrapes follows in host order.
func (w *world) scrapeAll(at time.Duration) []scrape {
	if w.scrapes == nil {
		w.scrapes = make([]scrape, len(w.agents))
	}
	out := w.scrapes
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Go(func() {
			for h := k; h < len(w.agents); h += workers {
				out[h] = scrape{}
				if a := &w.agents[h]; w.scraped(a, at) {
					out[h].estimate, out[h].view = a.scrape(at, w.sc.Threshold)
					out[h].ok = true
				}
			}
		})
	}
	wg.Wait()
	return out
}

// settle waits for the inference still running, if any, and scores whom
// it named: the inference of a round runs beside the next round's events,
// which do not depend on it, and is scored before the next round's.
func (w *world) settle() {
	if w.inferring == nil {
		return
	}
	for _, name := range <-w.inferring {
		w.score.mesh.judge(hostOf(netip.MustParseAddrPort(name)), w.inferredAt)
	}
	w.inferring = nil
}

// result settles the inference and returns the score.
func (w *world) result() Result {
	w.settle()
	return w.score.result()
}

// progressDue reports whether a multiple of progress passed in the round
// that ended at true time at.
func (w *world) progressDue(at time.Duration) bool {
	return w.progress > 0 && at/w.progress != (at-w.sc.Poll)/w.progress
}
