package sim

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// Epoch is the local clock reading that true time zero maps to, before the
// local clock's offset.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// event is something that happens at a true instant of a run.
type event struct {
	at  time.Duration
	seq uint64
	// server ≥ 0 launches a poll of that server; with result set it
	// delivers an exchange instead; server < 0 scores the estimate.
	server int
	result *exchange
	// burst counts the start-up queries left for the server.
	burst int
}

// queue orders events by time, then by the order they were scheduled.
type queue []event

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *queue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// run is the state of one simulation.
type run struct {
	sc     Scenario
	w      *world
	est    *estimator.Estimator
	rngs   []*rand.Rand
	events queue
	seq    uint64
	score  *scorer
	watch  func(Point)
	// newestSent is the latest start of an exchange that produced a sample.
	newestSent time.Duration
	// fresh is set when an estimate was scored since the last tick of the
	// EvalEvery grid, which then has nothing new to score.
	fresh bool
}

// Run simulates the scenario with the given seed and scores the estimator
// right after every observation (that is when the agent publishes a new
// estimate) and at every tick of Scenario.EvalEvery that had none (as in
// holdover). watch, if not nil, sees every scored point. The same scenario
// and seed always give the same score.
func Run(sc Scenario, seed uint64, watch func(Point)) (Score, error) {
	return RunWith(estimator.New(sc.Config), sc, seed, watch)
}

// RunWith is Run with an estimator the caller made (for a warm start).
// Its sources are replaced by the scenario's servers.
func RunWith(est *estimator.Estimator, sc Scenario, seed uint64, watch func(Point)) (Score, error) {
	sc = sc.withDefaults()
	r := &run{
		sc:  sc,
		est: est,
		w: &world{
			epoch:     Epoch,
			local:     newLocalClock(sc.Clock, rand.New(rand.NewPCG(seed, 0))),
			reference: sc.ReferenceSteps,
			precision: sc.Precision,
			timeout:   sc.Timeout,
			outages:   sc.Outages,
		},
		score:      newScorer(sc.truthSteps()),
		watch:      watch,
		newestSent: -1,
	}
	infos := make([]estimator.SourceInfo, len(sc.Servers))
	for i, s := range sc.Servers {
		infos[i] = estimator.SourceInfo{Name: s.Name, Kind: estimator.KindNTP, Address: s.Name}
		r.rngs = append(r.rngs, rand.New(rand.NewPCG(seed, uint64(i)+1)))
		phase := time.Duration(r.rngs[i].Float64() * float64(min(sc.Poll, time.Second)))
		r.push(event{at: phase, server: i, burst: sc.Burst})
	}
	r.est.SetSources(infos)
	r.push(event{at: sc.EvalEvery, server: -1})
	if err := r.loop(); err != nil {
		return Score{}, err
	}
	return r.score.result(), nil
}

func (r *run) push(e event) {
	r.seq++
	e.seq = r.seq
	heap.Push(&r.events, e)
}

// loop handles events until the end of the scenario.
func (r *run) loop() error {
	for r.events.Len() > 0 {
		e := heap.Pop(&r.events).(event)
		if e.at > r.sc.Duration {
			return nil
		}
		switch {
		case e.result != nil:
			if err := r.deliver(*e.result); err != nil {
				return err
			}
		case e.server >= 0:
			r.launch(e)
		default:
			if !r.fresh {
				r.evaluate(e.at)
			}
			r.fresh = false
			r.push(event{at: e.at + r.sc.EvalEvery, server: -1})
		}
	}
	return nil
}

// launch starts one exchange and schedules its result and the next poll.
func (r *run) launch(e event) {
	s := &r.sc.Servers[e.server]
	x := r.w.poll(s, e.at, r.rngs[e.server])
	r.push(event{at: x.ready, server: e.server, result: &x})
	next := event{server: e.server}
	if e.burst > 1 {
		next.at, next.burst = e.at+r.sc.BurstSpacing, e.burst-1
	} else {
		spread := 1 + r.sc.Spread*(2*r.rngs[e.server].Float64()-1)
		next.at = e.at + time.Duration(spread*float64(r.sc.Poll))
	}
	r.push(next)
}

// deliver feeds one exchange's observation to the estimator.
func (r *run) deliver(x exchange) error {
	if err := r.est.Observe(x.obs); err != nil {
		return fmt.Errorf("sim: %s at %v: %w", r.sc.Name, x.sent, err)
	}
	if x.obs.Result == estimator.ResultOK {
		r.newestSent = max(r.newestSent, x.sent)
	}
	r.evaluate(x.ready)
	r.fresh = true
	return nil
}

// evaluate scores the estimate at true time t.
func (r *run) evaluate(t time.Duration) {
	localOffset := time.Duration(r.w.local.offsetAt(t))
	now := r.w.epoch.Add(t + localOffset)
	p := Point{
		At:       t,
		Truth:    localOffset - stepsUntil(r.sc.ReferenceSteps, t),
		Estimate: r.est.Estimate(now),
		Blind:    r.blind(t),
	}
	r.score.add(p)
	if r.watch != nil {
		r.watch(p)
	}
}

// blind reports whether the truth jumped at or before t and no exchange
// started after the jump has delivered a sample yet.
func (r *run) blind(t time.Duration) bool {
	latest := time.Duration(-1)
	for _, at := range r.score.jumps {
		if at <= t {
			latest = max(latest, at)
		}
	}
	return latest >= 0 && r.newestSent < latest
}
