package main

import (
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/ntp"
)

// agent is one host's clockwatch agent, with the agent's own parts: the
// estimator configured as the agent configures it, the peer sample that
// rotates, a source per upstream server and per peer on the agent's poll
// schedule, and the responder that answers other agents.
type agent struct {
	id    int
	clock hostClock
	est   *estimator.Estimator
	// sample is the peer sample; its known peers are every other host.
	sample *ntp.PeerSample
	// servers are the upstream servers it polls.
	servers []int
	// sources are the sources running now: servers first, then peers.
	sources []*source
	// responder answers peers with this host's clock, advertising
	// quality, what the agent's last estimate said.
	responder *ntp.Responder
	quality   ntp.Quality
	// rng draws this agent's polls and its exchanges' fates.
	rng *rand.Rand
	// downFrom is when the agent stops.
	downFrom time.Duration
	// observed are the observations delivered since the estimator last
	// took them, in order (agent.flush).
	observed []estimator.Observation
}

// source is one running source of an agent: an upstream server (peer < 0)
// or a peer, and where its poll schedule is.
type source struct {
	name   string
	peer   int
	server int
	// burst counts the start-up queries left, failures the polls in a row
	// without a usable reply.
	burst, failures int
	// stopped is set when the source leaves the agent: its pending polls
	// and replies are dropped, as the agent cancels its goroutine.
	stopped bool
}

// downAt reports whether the agent has stopped at true time t.
func (a *agent) downAt(t time.Duration) bool { return t >= a.downFrom }

// newSource returns a source that starts with the agent's burst.
func newSource(name string, peer, server int) *source {
	return &source{name: name, peer: peer, server: server, burst: ntp.DefaultBurst}
}

// setPeers makes the sample's members the agent's peers, as the agent does
// with a new sample: sources that stay keep running, new ones start (with
// their burst), the others stop; the estimator keeps the history of every
// source that stays. It returns the sources that started.
func (a *agent) setPeers(members []netip.AddrPort) []*source {
	running := map[string]*source{}
	for _, s := range a.sources {
		running[s.name] = s
	}
	var next, started []*source
	for _, s := range a.sources[:len(a.servers)] {
		next = append(next, s)
		delete(running, s.name)
	}
	for _, m := range members {
		name := m.String()
		s, ok := running[name]
		if !ok {
			s = newSource(name, hostOf(m), -1)
			started = append(started, s)
		}
		delete(running, name)
		next = append(next, s)
	}
	for _, s := range running {
		s.stopped = true
	}
	a.sources = next
	a.setSources()
	return started
}

// setSources names the running sources to the estimator, after the
// observations delivered before.
func (a *agent) setSources() {
	a.flush()
	a.est.SetSources(a.infos())
}

// flush hands the estimator the observations delivered since it last took
// them, in the order they were delivered. Only the agent's estimate reads
// the estimator, at a scrape, and only a change of sources changes it
// otherwise, so the estimator sees the same calls in the same order as if
// each observation were handed over on delivery; deferring them lets the
// agents' estimators run side by side at each round (world.scrapeAll).
func (a *agent) flush() {
	for _, o := range a.observed {
		_ = a.est.Observe(o) // the agent logs a refused observation and goes on
	}
	a.observed = a.observed[:0]
}

// infos names the running sources for the estimator.
func (a *agent) infos() []estimator.SourceInfo {
	infos := make([]estimator.SourceInfo, len(a.sources))
	for i, s := range a.sources {
		kind := estimator.KindPeer
		if s.peer < 0 {
			kind = estimator.KindNTP
		}
		infos[i] = estimator.SourceInfo{Name: s.name, Kind: kind, Address: s.name}
	}
	return infos
}

// scrape is what Prometheus would read from the agent at true time t: its
// estimate and its peers' view; the responder advertises the estimate from
// then on.
func (a *agent) scrape(t time.Duration, maxOffset time.Duration) (estimator.Estimate, ntp.PeerView) {
	a.flush()
	e := a.est.Estimate(a.clock.read(t))
	a.quality = ntp.QualityOf(e, false)
	return e, ntp.ViewPeers(e, maxOffset)
}
