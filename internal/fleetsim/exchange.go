package main

import (
	"fmt"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/sim"
	"github.com/clockwatch/clockwatch/ntp"
)

// Timing of an exchange on the hosts: the resolution of their clock
// readings (the agent measures its own; a simulation must not), and the
// time a responder takes from its receive timestamp to its transmit
// timestamp.
const (
	precision  = 50 * time.Nanosecond
	processing = 15 * time.Microsecond
)

// exchange is one poll of source s by agent a at true time t, the real
// way: the client's request, the real responder's reply stamped by the
// answering clock, and the client's own validation and maths
// (ntp.Exchange.Sample). It returns the observation and when it is ready:
// at the reply, or when the client gives up.
func (w *world) exchange(a *agent, s *source, t time.Duration) (estimator.Observation, time.Duration) {
	path, answer, up := w.target(a, s, t)
	out, back, lost := path.Transit(a.rng)
	timeout := t + ntp.DefaultTimeout
	if !up || lost || out+processing+back > ntp.DefaultTimeout {
		return estimator.Observation{Source: s.name, Result: ntp.ResultTimeout,
			Err: fmt.Errorf("ntp: query %s: no reply in %v", s.name, ntp.DefaultTimeout)}, timeout
	}
	nonce := a.rng.Uint64()
	reply, ok := answer.responder.Reply(ntp.NewRequest(nonce), answer.read(t+out), answer.read(t+out+processing))
	arrival := t + out + processing + back
	if !ok {
		return estimator.Observation{Source: s.name, Result: ntp.ResultTimeout}, timeout
	}
	if s.peer >= 0 {
		w.score.cost.answered[s.peer]++
		w.exported.answer(s.peer)
	}
	x := ntp.Exchange{Reply: reply, Nonce: nonce, T1: a.clock.read(t), T4: a.clock.read(arrival), Timestamping: ntp.StampKernel, Precision: precision}
	smp, err := x.Sample(s.name)
	if err != nil {
		return estimator.Observation{Source: s.name, Result: ntp.ResultOf(err), Err: err}, arrival
	}
	return estimator.Observation{Source: s.name, Result: estimator.ResultOK, Sample: smp}, arrival
}

// answerer is what answers a poll: a responder and the clock it reads.
type answerer struct {
	responder *ntp.Responder
	read      func(time.Duration) time.Time
}

// target is the path to what s polls and what answers it at true time t;
// up is false when that is a stopped agent.
func (w *world) target(a *agent, s *source, t time.Duration) (_ sim.Path, _ answerer, up bool) {
	if s.peer < 0 {
		u := s.server
		return w.net.serverPath(a.id, u, t), answerer{responder: w.upstreamResponder, read: w.upstreams[u].read}, true
	}
	b := &w.agents[s.peer]
	if b.downAt(t) {
		return sim.Path{}, answerer{}, false
	}
	return w.net.path(a.id, b.id, t), answerer{responder: b.responder, read: b.clock.read}, true
}
