package main

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/clockwatch/clockwatch/internal/sim"
)

// never is a time after every run.
const never = time.Duration(math.MaxInt64)

// hostFault is what went wrong with a host; the zero value is a healthy
// host.
type hostFault struct {
	// kind names the fault ("offset", "drift", "rack", "upstream"); empty
	// for a healthy host.
	kind string
	// from is when the host went wrong, off when it was offBy off.
	from, off time.Duration
}

// faultyAt reports whether the host is faulty at true time t.
func (f hostFault) faultyAt(t time.Duration) bool { return f.kind != "" && t >= f.from }

// injectFaults makes the scenario's faults happen: it steps and drifts
// clocks, sends racks' uplinks on detours, makes one upstream server lie
// and stops agents, each from its fault's start (faultStarts). Single
// faulty and stopped hosts are drawn outside the rerouted racks.
func (w *world) injectFaults(rng *rand.Rand) {
	f, start := w.sc.Faults, w.sc.faultStarts()
	racks := rng.Perm(w.net.racks(w.sc.Hosts))
	for _, r := range racks[:f.Racks] {
		by, at := signed(rng, f.RackOffset), start()
		for h := r * w.net.RackSize; h < min((r+1)*w.net.RackSize, w.sc.Hosts); h++ {
			w.step(h, "rack", by, at)
		}
	}
	w.net.detour = f.Detour
	for _, r := range racks[f.Racks : f.Racks+f.RouteRacks] {
		w.net.detoured[r], w.net.detourFrom[r] = true, start()
	}
	if f.Upstream != 0 {
		at := start()
		w.upstreams[0] = upstream{err: f.Upstream, errFrom: at}
		for h, u := range w.follows {
			if u == 0 && w.faults[h].kind == "" {
				w.step(h, "upstream", f.Upstream, at)
			}
		}
	}
	single, drifting, down := f.Hosts, f.DriftingHosts, int(math.Round(f.PeersDown*float64(w.sc.Hosts)))
	for _, h := range rng.Perm(w.sc.Hosts) {
		switch {
		case w.faults[h].kind != "":
		case w.net.detoured[w.net.rack(h)]:
			// Every path out of a rerouted rack is asymmetric by half the
			// detour: no measurement can prove a clock there off by less.
		case single > 0:
			single--
			w.step(h, "offset", signed(rng, f.Offset), start())
		case drifting > 0:
			drifting--
			w.driftAway(h, signed(rng, f.Drift), start())
		case down > 0:
			down--
			w.agents[h].downFrom = start()
		}
	}
}

// signed returns d ahead or behind at random.
func signed[T time.Duration | float64](rng *rand.Rand, d T) T {
	if rng.IntN(2) == 0 {
		return -d
	}
	return d
}

// step moves host h's clock by by at t.
func (w *world) step(h int, kind string, by, t time.Duration) {
	c := &w.agents[h].clock
	c.steps = append(c.steps, sim.Step{At: t, By: by})
	w.faults[h] = hostFault{kind: kind, from: t, off: t}
}

// driftAway makes host h's clock run away at drift from t on.
func (w *world) driftAway(h int, drift float64, t time.Duration) {
	c := &w.agents[h].clock
	c.drift, c.driftFrom = drift, t
	w.faults[h] = hostFault{kind: "drift", from: t, off: t + time.Duration(float64(offBy)/math.Abs(drift))}
}
