package main

import (
	"slices"
	"time"

	"github.com/clockwatch/clockwatch/hack/netem"
	"github.com/clockwatch/clockwatch/internal/sim"
)

// walkStep is how often a walking server's frequency is moved on: its
// chronyd restarts with the next rate, so its error grows with the square
// of the time in steps.
const walkStep = 30 * time.Second

// event is something a scenario does at a time since its start.
type event struct {
	at time.Duration
	do func(b *bench) error
}

// events returns what the scenario does while it runs, in time order:
// reference steps, outages of every server, route changes, steps of the
// local clock's frequency and the walk of a server's frequency.
func events(sc sim.Scenario) []event {
	var evs []event
	for _, s := range sc.ReferenceSteps {
		evs = append(evs, event{s.At, func(b *bench) error { return b.stepReference(s.By) }})
	}
	for _, o := range sc.Outages {
		evs = append(evs, event{o.From, func(b *bench) error { b.silence(true); return nil }},
			event{o.To, func(b *bench) error { b.silence(false); return nil }})
	}
	for i, s := range sc.Servers {
		for _, r := range s.Routes {
			evs = append(evs, event{r.At, func(b *bench) error { b.reroute(i, r.Path); return nil }})
		}
		if s.Walk != 0 {
			for at := s.WalkFrom + walkStep; at < sc.Duration; at += walkStep {
				evs = append(evs, event{at, func(b *bench) error {
					srv := b.servers[i]
					return srv.retune(srv.rate() + s.Walk*walkStep.Seconds())
				}})
			}
		}
	}
	for _, f := range sc.Clock.FrequencySteps {
		// The local clock running faster is every server's running
		// slower against this machine's.
		evs = append(evs, event{f.At, func(b *bench) error {
			for _, srv := range b.servers {
				if err := srv.retune(srv.rate() - f.By); err != nil {
					return err
				}
			}
			return nil
		}})
	}
	slices.SortStableFunc(evs, func(a, b event) int { return int(a.at - b.at) })
	return evs
}

// relayPaths are a relay's two directions as the scenario's route has
// them, floor included.
type relayPaths struct{ toServer, toClient netem.Path }

// paths turns a simulator path into the relay's, adding the floor each
// way.
func paths(p sim.Path, floor time.Duration) relayPaths {
	toServer, toClient := netem.SplitPath(p)
	toServer.Delay += floor
	toClient.Delay += floor
	return relayPaths{toServer, toClient}
}

// silence makes every relay drop everything (an outage) or lets them
// relay along their routes again.
func (b *bench) silence(on bool) {
	from := time.Now()
	b.silent = on
	for i := range b.relays {
		b.apply(i)
	}
	if on {
		b.outages = append(b.outages, span{from: from, to: time.Now().Add(100 * 365 * 24 * time.Hour)})
	} else if n := len(b.outages); n > 0 {
		b.outages[n-1].to = from
	}
}

// reroute changes the path to server i.
func (b *bench) reroute(i int, p sim.Path) {
	b.routes[i] = paths(p, b.lab.opts.floor)
	b.apply(i)
}

// apply sets relay i's paths: its route's, dropping everything in an
// outage.
func (b *bench) apply(i int) {
	p := b.routes[i]
	if b.silent {
		p.toServer.Loss, p.toClient.Loss = 1, 1
	}
	b.relays[i].SetPaths(p.toServer, p.toClient)
}
