package mesh

import (
	"cmp"
	"slices"
	"time"
)

// History carries what one round of measurements says about the network
// paths into the next, so that a route change is told from a clock step
// when the two do not happen in the same poll interval.
//
// A route change moves a path's round trip: a detour of D one way adds D
// to it and D/2 to the offsets measured over it. A clock step moves the
// offsets of every path of its host and leaves their round trips alone.
// When a route change and a step begin at the same moment no measurement
// tells them apart (TestInferCannotTellARerouteFromAStepAtTheSameMoment);
// when they do not, the order does. History remembers, for each path (one
// host measuring one peer), the least round trip of its route and its
// newest offset. A round trip that moves by Config.RouteChange or more and
// stays there two measurements in a row is a route change; the offset's
// move from the path's last measurement on the old route to its first on
// the new one is the route's share, as far as the change of round trip
// allows (half of it, and the two measurements' queueing). From then on,
// that share is taken off the path's offsets and the added round trip off
// their errors: what the path measures is back on the footing of its
// first route, and a host that steps after its rack was rerouted shows
// its step on those paths as any host does.
//
// A rack's route change moves every path out of the rack alike: the host
// has a route of its own changed (its term). A path's route changes are
// those of its two hosts, so the hosts' terms are solved for jointly, each
// the median of its paths' shares once the other hosts' terms are taken
// off, over paths to hosts the last inference did not name (hostTerms): a
// healthy host whose peers are in a rerouted rack has most of its paths
// rerouted but no term. A path whose own share is off its hosts' terms by
// more than half of Config.RouteChange takes theirs instead. A path's own share holds
// the step of a host at its other end that fell between its last
// measurement on the old route and its first on the new one; the median
// holds none.
//
// Agents rotate their peers, so most paths of a rerouted rack are in time
// measured first on the detour, with nothing to compare. A path measured
// first after one of its hosts' route changed starts on the changed route,
// the host's median share taken off it, as if it had been measured before
// (terms.seed): this assumes that a host whose paths changed route alike
// changed its own, its uplink, which every path out of it then takes; a
// path whose round trip is shorter than the change added has not.
//
// This assumes that the rerouted host's own clock did not step between
// those two measurements; where it did, the share taken is the step's as
// much as the route's, which can hide that host's step (as the coincidence
// does anyway) but not show a healthy host off: the share is bounded by
// the change of round trip, so only what the path alone could have added
// is taken. A measurement off its route's round trip that is not yet
// confirmed by the next is passed on as measured, with its own error.
//
// History needs each measurement's round trip (Edge.Delay,
// clockwatch_source_delay_seconds, already exported per peer) and when it
// was taken (Edge.Taken); edges without a Delay pass as they are. It
// keeps a few numbers per path the fleet measures, k per agent, and
// forgets a path not measured for forgetRounds rounds. It runs where the
// rounds meet: the fleet simulator, or clockwatch-mesh inferring every
// interval. A History is used by one goroutine at a time.
type History struct {
	paths map[route]*path
	round int
	// named are the hosts the last inference named (History.Infer).
	named map[string]bool
	// terms are the hosts whose own route had changed at the last
	// round: a path of theirs measured for the first time starts on the
	// changed route (terms.seed).
	terms terms
}

// NewHistory returns a History that has seen nothing.
func NewHistory() *History { return &History{paths: map[route]*path{}} }

// forgetRounds is how many rounds a path may go unmeasured before History
// forgets it: a peer that answers again after that is a new path.
const forgetRounds = 64

// route names a path: From measuring To.
type route struct{ from, to string }

// sample is one measurement of a path: its offset and round trip.
type sample struct{ offset, delay time.Duration }

// path is what History knows of one path.
type path struct {
	// seen is the round it was last measured in; taken is the newest
	// measurement's Edge.Taken, so that one measurement read twice counts
	// once.
	seen  int
	taken time.Time
	// origin is the least round trip of the route the path was first
	// measured on; level the least of the route it is on now.
	origin, level time.Duration
	// shift is what the route changes since the first route added to the
	// offset, and slack how far that share may be off: the queueing of
	// the measurements it was read from.
	shift, slack time.Duration
	// last is the newest measurement on the current route; pending, when
	// set, is a newer one off it that awaits the next to confirm a route
	// change.
	last    sample
	pending *sample
	// corrected is whether the newest measurement is on the current
	// route, so it is corrected; false while it is pending.
	corrected bool
}

// Reroute is a measurement whose path's route changed since History first
// saw it, as measured.
type Reroute struct {
	Edge
	// Shift is what the route changes added to Offset, as History took it
	// off; Added is how much longer the round trip is than on the first
	// route (negative: shorter).
	Shift, Added time.Duration
}

// Infer notes edges, one round's measurements, in the history, corrects
// each for the route changes its path went through (Correct), and infers
// from the corrected edges (Infer). Result.Reroutes lists the measurements
// corrected, as measured; Result.Paths and Result.Stale hold corrected
// edges.
func (h *History) Infer(edges []Edge, cfg Config) Result {
	cfg = cfg.withDefaults()
	corrected, reroutes := h.correct(edges, cfg.RouteChange)
	r := Infer(corrected, cfg)
	r.Reroutes = reroutes
	h.named = map[string]bool{}
	for _, host := range r.Hosts {
		if host.Named {
			h.named[host.Name] = true
		}
	}
	return r
}

// Correct notes edges, one round's measurements, in the history and
// returns them with the share of each path's route changes taken off their
// offsets and their errors, in the same order; routeChange is the least
// move of a round trip that is a route change (zero: DefaultThreshold).
// The hosts it leaves out of a host's median share are those the last
// History.Infer named.
func (h *History) Correct(edges []Edge, routeChange time.Duration) []Edge {
	if routeChange <= 0 {
		routeChange = DefaultThreshold
	}
	out, _ := h.correct(edges, routeChange)
	return out
}

func (h *History) correct(edges []Edge, routeChange time.Duration) ([]Edge, []Reroute) {
	h.round++
	out := make([]Edge, len(edges))
	paths := make([]*path, len(edges))
	for k, e := range edges {
		out[k] = e
		if e.Delay <= 0 || !usable(e) {
			continue
		}
		key := route{e.From, e.To}
		p := h.paths[key]
		if p == nil {
			p = h.terms.seed(e)
			h.paths[key] = p
		} else if e.Taken.IsZero() || !e.Taken.Equal(p.taken) {
			p.taken = e.Taken
			p.observe(sample{e.Offset, e.Delay}, routeChange)
		}
		p.seen = h.round
		paths[k] = p
	}
	terms := hostTerms(edges, paths, h.named, h.terms, routeChange)
	h.terms = terms
	var reroutes []Reroute
	for k, e := range edges {
		p := paths[k]
		if p == nil || !p.corrected || !p.rerouted(routeChange) {
			continue
		}
		shift, slack := p.shift, p.slack
		if want, spread, ok := terms.expect(e.From, e.To); ok && (shift-want).Abs() > routeChange/2 {
			shift, slack = want, slack+spread
		}
		out[k].Offset -= shift
		out[k].Error = max(e.Error-(p.level-p.origin)/2+slack, 0)
		reroutes = append(reroutes, Reroute{Edge: e, Shift: shift, Added: p.level - p.origin})
	}
	for key, p := range h.paths {
		if h.round-p.seen > forgetRounds {
			delete(h.paths, key)
		}
	}
	slices.SortFunc(reroutes, func(a, b Reroute) int { return cmp.Or(compareEdges(a.Edge, b.Edge), cmp.Compare(a.Shift, b.Shift)) })
	return out, reroutes
}

// rerouted reports whether the path is on another route than its first.
func (p *path) rerouted(routeChange time.Duration) bool {
	return (p.level - p.origin).Abs() >= routeChange
}

// observe takes a new measurement s of the path: on its route's round trip
// it is the newest there; off it by routeChange or more it waits for the
// next; two in a row off it, on the same side and within routeChange of
// each other, change the route. Two that differ by more are two route
// changes in a row (two racks' uplinks detouring between measurements of
// the path between them): the second waits for its own confirmation, and
// its share is read against the last measurement on the route before.
func (p *path) observe(s sample, routeChange time.Duration) {
	above, below := s.delay >= p.level+routeChange, s.delay <= p.level-routeChange
	if !above && !below {
		p.level, p.last, p.pending, p.corrected = min(p.level, s.delay), s, nil, true
		return
	}
	if p.pending == nil || (p.pending.delay > p.level) != above || (s.delay-p.pending.delay).Abs() >= routeChange {
		p.pending, p.corrected = &s, false
		return
	}
	p.reroute(*p.pending, min(p.pending.delay, s.delay), routeChange)
	p.last, p.pending, p.corrected = s, nil, true
}

// reroute moves the path to a route of round trip level, first measured
// by first: the offset's move from the last measurement on the old route
// is the new route's share, bounded by half the change of round trip and
// the two measurements' queueing. A route back to the first one's round
// trip, within routeChange, is the first route again.
func (p *path) reroute(first sample, level, routeChange time.Duration) {
	noise := (first.delay-level)/2 + (p.last.delay-p.level)/2
	bound := (level-p.level).Abs()/2 + noise
	p.shift += min(max(first.offset-p.last.offset, -bound), bound)
	p.slack += noise
	p.level = level
	if (p.level - p.origin).Abs() < routeChange {
		p.shift, p.slack = 0, 0
	}
}
