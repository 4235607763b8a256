package mesh

import (
	"slices"
	"time"
)

// Edge is one pairwise measurement: what From's agent measured of To.
type Edge struct {
	// From and To name the hosts.
	From, To string
	// Offset is From's clock minus To's (positive: From is ahead).
	Offset time.Duration
	// Error bounds how far Offset may be from the truth: half the
	// measurement's round trip, whatever the path's asymmetry, plus what
	// carrying it forward may have added (ntp.PeerOffset.Error, exported
	// as clockwatch_peer_offset_error_seconds).
	Error time.Duration
	// Taken is when From's agent took the measurement, on From's clock
	// (clockwatch_source_last_sample_timestamp_seconds of the peer); zero
	// when unknown. It orders a host's measurements in time: newer ones
	// that contradict older ones show a step between them (Result.Stale).
	Taken time.Time
	// ToStep is the last step of To's clock that To's agent counted, on
	// To's clock (clockwatch_last_step_timestamp_seconds); zero when none
	// or unknown. A measurement taken before it no longer describes To.
	ToStep time.Time
	// Delay is the measurement's round trip
	// (clockwatch_source_delay_seconds of the peer); zero when unknown.
	// Infer does not read it; History follows each path's round trip with
	// it to tell a route change from a clock step.
	Delay time.Duration
}

// Defaults of Config.
const (
	DefaultThreshold  = 500 * time.Microsecond
	DefaultIterations = 32
	DefaultMinEdges   = 3
	// DefaultPathThreshold is the residual beyond which a path is listed.
	DefaultPathThreshold = 250 * time.Microsecond
)

// Config tunes Infer. Zero fields take the defaults.
type Config struct {
	// Threshold is how far from the fleet's consensus a host must
	// provably be to be named (default DefaultThreshold).
	Threshold time.Duration
	// Iterations is the most the solution iterates; it stops earlier once
	// no offset moves by more than a nanosecond (default
	// DefaultIterations).
	Iterations int
	// MinEdges is how many measurements of or by a host it takes to judge
	// it (default DefaultMinEdges).
	MinEdges int
	// PathThreshold is the residual beyond which a measurement's path is
	// listed in Result.Paths (default DefaultPathThreshold).
	PathThreshold time.Duration
	// RouteChange is the least move of a path's round trip that History
	// takes for a route change (default: Threshold). Infer does not read
	// it.
	RouteChange time.Duration
}

func (c Config) withDefaults() Config {
	if c.Threshold <= 0 {
		c.Threshold = DefaultThreshold
	}
	if c.Iterations <= 0 {
		c.Iterations = DefaultIterations
	}
	if c.MinEdges <= 0 {
		c.MinEdges = DefaultMinEdges
	}
	if c.PathThreshold <= 0 {
		c.PathThreshold = DefaultPathThreshold
	}
	if c.RouteChange <= 0 {
		c.RouteChange = c.Threshold
	}
	return c
}

// Host is the verdict on one host.
type Host struct {
	Name string
	// Offset is the host's clock minus the fleet's consensus, the median
	// host; Spread is how far its measurements scatter around it (a
	// robust deviation).
	Offset, Spread time.Duration
	// Edges counts the measurements of and by the host that are not
	// stale (Result.Stale); Ahead and Behind those that put it provably
	// beyond Threshold, ahead or behind; Own the measurements its agent
	// made, stale or not.
	Edges, Ahead, Behind, Own int
	// Named is set when most of its measurements put it beyond Threshold
	// on the same side and some of them are its own: the host is off. A
	// host none of whose measurements are its own has an agent that
	// exports nothing (it stopped, or is not scraped), so everything said
	// of it may be older than a step of the hosts that said it.
	Named bool
	// Suspect is set when Offset is beyond Threshold but the host is not
	// named: its measurements are too slow or too few to prove it, or
	// none is its own.
	Suspect bool
}

// Path is a measurement whose residual, what is left of it after the
// solution, is beyond Config.PathThreshold: an asymmetric path, or a
// measurement that is stale.
type Path struct {
	Edge
	// Residual is Offset minus the solved difference of the two hosts'
	// offsets.
	Residual time.Duration
}

// Result is what Infer finds.
type Result struct {
	// Hosts are every host measured or measuring, by name.
	Hosts []Host
	// Paths are the measurements beyond Config.PathThreshold, largest
	// residual first.
	Paths []Path
	// Stale are the measurements left out because they were taken before
	// one of their hosts moved: before To's last step (Edge.ToStep), or
	// before the newer measurements of one of them that agree among
	// themselves and contradict the older ones. Ordered by hosts, then
	// values.
	Stale []Edge
	// Reroutes are the measurements whose path's route changed and that
	// History.Infer corrected for it, as measured, by hosts; Infer alone
	// leaves it empty.
	Reroutes []Reroute
}

// Named returns the names of the named hosts.
func (r Result) Named() []string {
	var out []string
	for _, h := range r.Hosts {
		if h.Named {
			out = append(out, h.Name)
		}
	}
	return out
}

// Infer solves for every host's offset from the fleet's consensus and
// names the hosts that are provably off. It is deterministic: the same
// edges in any order give the same result. Edges with a negative error or
// from a host to itself are ignored.
//
// A measurement taken before either host's clock stepped no longer
// describes them, and the agent that took it cannot know until its next
// poll. Infer leaves out a measurement taken before To's last step
// (Edge.ToStep); then, from the solution, it finds each host whose newer
// measurements (by Edge.Taken), agreeing among themselves, contradict
// most of its older ones, leaves out every measurement of that host older
// than them, and solves again, a few times over. Edges with no Taken are
// never left out that way.
func Infer(edges []Edge, cfg Config) Result {
	cfg = cfg.withDefaults()
	g := newGraph(edges)
	for k, e := range edges {
		g.leftOut[k] = predatesStep(e)
	}
	g.solve(cfg.Iterations)
	g.date()
	for range movePasses {
		if !g.moves() {
			break
		}
		g.solve(cfg.Iterations)
	}
	r := Result{Hosts: g.verdicts(cfg), Paths: g.paths(edges, cfg.PathThreshold)}
	for i, ls := range g.links {
		for _, l := range ls {
			if l.own && !g.current(i, l) {
				r.Stale = append(r.Stale, edges[l.edge])
			}
		}
	}
	slices.SortFunc(r.Stale, compareEdges)
	return r
}
