package sim

import (
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
	// server ≥ 0 launches a poll of that server; with result set it
	// delivers an exchange instead; server < 0 scores the estimate.
	server int
	result *exchange
	// burst counts the start-up queries left for the server.
	burst int
}

// Client is what the simulator scores: it is told the sources, fed
// every poll's observation, and asked for its estimate.
// *estimator.Estimator is one; ChronyLike is another.
type Client interface {
	SetSources([]estimator.SourceInfo)
	Observe(estimator.Observation) error
	Estimate(now time.Time) estimator.Estimate
}

// run is the state of one simulation.
type run struct {
	sc      Scenario
	w       *world
	clients []Client
	rngs    []*rand.Rand
	events  Queue[event]
	// scores[i] scores clients[i]; watch sees the first client's points.
	scores []*scorer
	// jumps are the instants the truth jumps at; floor follows what the
	// honest exchanges prove (Point.Floor).
	jumps []time.Duration
	floor *floor
	watch func(Point)
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
	scores, err := runClients([]Client{est}, sc, seed, watch)
	if err != nil {
		return Score{}, err
	}
	return scores[0], nil
}

// Compare runs the scenario once and scores the estimator and a
// chrony-like reference client (ChronyLike, with the estimator's wander
// allowance as its maxclockerror) on the same exchanges.
func Compare(sc Scenario, seed uint64) (clockwatch, chrony Score, err error) {
	ref := &ChronyLike{MaxClockError: sc.Config.Wander}
	scores, err := runClients([]Client{estimator.New(sc.Config), ref}, sc, seed, nil)
	if err != nil {
		return Score{}, Score{}, err
	}
	return scores[0], scores[1], nil
}

// runClients simulates the scenario and scores every client on the same
// exchanges.
func runClients(clients []Client, sc Scenario, seed uint64, watch func(Point)) ([]Score, error) {
	sc = sc.withDefaults()
	r := &run{
		sc:      sc,
		clients: clients,
		w: &world{
			epoch:     Epoch,
			local:     newLocalClock(sc.Clock, rand.New(rand.NewPCG(seed, 0))),
			reference: sc.ReferenceSteps,
			precision: sc.Precision,
			timeout:   sc.Timeout,
			outages:   sc.Outages,
		},
		watch:      watch,
		newestSent: -1,
		jumps:      sc.truthSteps(),
		floor:      newFloor(sc.wander()),
	}
	for range clients {
		r.scores = append(r.scores, newScorer(r.jumps, steadyPolls*sc.Poll, sc.recoveries()))
	}
	infos := make([]estimator.SourceInfo, len(sc.Servers))
	for i, s := range sc.Servers {
		infos[i] = estimator.SourceInfo{Name: s.Name, Kind: estimator.KindNTP, Address: s.Name}
		r.rngs = append(r.rngs, rand.New(rand.NewPCG(seed, uint64(i)+1)))
		r.events.Push(sc.phase(r.rngs[i]), event{server: i, burst: sc.Burst})
	}
	for _, c := range clients {
		c.SetSources(infos)
	}
	r.events.Push(sc.EvalEvery, event{server: -1})
	if err := r.loop(); err != nil {
		return nil, err
	}
	scores := make([]Score, len(r.scores))
	for i, s := range r.scores {
		scores[i] = s.result()
	}
	return scores, nil
}

// loop handles events until the end of the scenario.
func (r *run) loop() error {
	for {
		at, e, ok := r.events.Pop()
		if !ok || at > r.sc.Duration {
			return nil
		}
		switch {
		case e.result != nil:
			if err := r.deliver(*e.result); err != nil {
				return err
			}
		case e.server >= 0:
			r.launch(at, e)
		default:
			if !r.fresh {
				r.evaluate(at)
			}
			r.fresh = false
			r.events.Push(at+r.sc.EvalEvery, event{server: -1})
		}
	}
}

// launch starts one exchange at true time at and schedules its result
// and the next poll.
func (r *run) launch(at time.Duration, e event) {
	rng := r.rngs[e.server]
	x := r.w.poll(&r.sc.Servers[e.server], at, rng)
	x.server = e.server
	r.events.Push(x.ready, event{server: e.server, result: &x})
	next, burst := r.sc.nextPoll(at, e.burst, rng)
	r.events.Push(next, event{server: e.server, burst: burst})
}

// deliver feeds one exchange's observation to the estimator.
func (r *run) deliver(x exchange) error {
	for _, c := range r.clients {
		if err := c.Observe(x.obs); err != nil {
			return fmt.Errorf("sim: %s at %v: %w", r.sc.Name, x.sent, err)
		}
	}
	if x.obs.Result == estimator.ResultOK {
		r.newestSent = max(r.newestSent, x.sent)
		r.countFloor(x)
	}
	r.evaluate(x.ready)
	r.fresh = true
	return nil
}

// countFloor counts a delivered sample in the floor if its server was
// honest when it answered: its interval at the exchange's true midpoint,
// against the true offset then.
func (r *run) countFloor(x exchange) {
	at := x.sent + (x.ready-x.sent)/2
	if !r.sc.Servers[x.server].honestAt(at) {
		return
	}
	smp := x.obs.Sample
	truth := r.w.local.offsetAt(at) - float64(stepsUntil(r.sc.ReferenceSteps, at))
	half := float64(smp.ErrorBound())
	r.floor.add(at, latestJump(r.jumps, at), truth, float64(smp.Offset)-half, float64(smp.Offset)+half)
}

// evaluate scores the estimate at true time t.
func (r *run) evaluate(t time.Duration) {
	localOffset := time.Duration(r.w.local.offsetAt(t))
	now := r.w.epoch.Add(t + localOffset)
	p := Point{
		At:     t,
		Truth:  localOffset - stepsUntil(r.sc.ReferenceSteps, t),
		Blind:  r.blind(t),
		Limit:  r.sc.Limit(t),
		Outage: r.sc.inOutage(t),
	}
	p.Floor, p.FloorWidth = r.floor.at(t, latestJump(r.jumps, t))
	for i, c := range r.clients {
		p.Estimate = c.Estimate(now)
		r.scores[i].add(p)
		if i == 0 && r.watch != nil {
			r.watch(p)
		}
	}
}

// blind reports whether the truth jumped at or before t and no exchange
// started after the jump has delivered a sample yet.
func (r *run) blind(t time.Duration) bool { return blind(r.scores[0].jumps, r.newestSent, t) }

// blind reports whether one of the jumps of the truth happened at or
// before t, after newestSent, the start of the newest exchange that
// delivered a sample: no client can know of it yet.
func blind(jumps []time.Duration, newestSent, t time.Duration) bool {
	latest := latestJump(jumps, t)
	return latest >= 0 && newestSent < latest
}
