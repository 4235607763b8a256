package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"runtime"
	"sync"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/mesh"
	"github.com/clockwatch/clockwatch/ntp"
)

// round scrapes every running agent at true time at, as Prometheus
// would, judges each by its own outlier rule, and infers the mesh from the
// pairwise offsets they export, their round trips, when each was taken,
// and each measured host's last step, with the history of the rounds
// before (mesh.History), as clockwatch-mesh does when it infers every
// interval.
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
				edges = append(edges, mesh.Edge{From: w.names[h], To: p.Name, Offset: p.Pairwise, Error: p.Error, Taken: p.LastSample,
					ToStep: scraped[to].estimate.LastStep.At, Delay: p.Delay})
			}
		}
	}
	w.edges = edges
	w.inferring = make(chan []string, 1)
	go func(named chan<- []string) {
		named <- w.history.Infer(edges, mesh.Config{Threshold: w.sc.Threshold}).Named()
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
