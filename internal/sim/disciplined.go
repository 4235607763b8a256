package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/clockwatch/clockwatch/discipline"
	"github.com/clockwatch/clockwatch/estimator"
)

// DisciplinedScenario is a closed loop: the scenario's local clock, steered
// through its kernel by the discipline from the estimator's estimates, as
// `clockwatch run --discipline` steers the host's clock. The clock's own
// steps (Scenario.Clock.Steps) are jumps that are not the discipline's
// doing: a paused virtual machine, a bad RTC read.
type DisciplinedScenario struct {
	Scenario
	// Discipline configures the discipline under test.
	Discipline discipline.Config
}

// DisciplinedPoint is the state of the loop at one instant.
type DisciplinedPoint struct {
	// At is true time since the start.
	At time.Duration
	// Truth is the clock's true offset (local clock − true time).
	Truth time.Duration
	// Offset, Bound and Status are the estimate's.
	Offset, Bound time.Duration
	Status        estimator.Status
	// Frequency is the kernel's frequency correction in force, Kernel
	// what the discipline last told the kernel about synchronization.
	Frequency float64
	Kernel    discipline.SyncState
	// Step is the discipline's step at this instant, if it stepped.
	Step time.Duration
	// Blind is set after the clock jumped on its own until a reply to a
	// poll sent after the jump arrived: nobody could know of the jump yet.
	Blind bool
}

// Covered reports whether the estimate's bound holds.
func (p DisciplinedPoint) Covered() bool { return (p.Offset - p.Truth).Abs() <= p.Bound }

// loopEvent is something that happens in a closed loop: a poll of a
// server, the end of an exchange, a publication of the estimate.
type loopEvent struct {
	kind loopEventKind
	// server and burst are a poll's; flight is the exchange that ends.
	server int
	burst  int
	flight flight
}

// loopEventKind says what happens at a loopEvent.
type loopEventKind int

const (
	pollEvent loopEventKind = iota
	replyEvent
	// publishEvent is the regular publication, slewEndEvent one of its own
	// at the end of a slew, where the agent's ten a second would catch it
	// within 100 ms.
	publishEvent
	slewEndEvent
)

// loop is one closed-loop run: the world, the estimator and the discipline.
type loop struct {
	sc     DisciplinedScenario
	w      *world
	clock  *steeredClock
	est    *estimator.Estimator
	disc   *discipline.Discipline
	rngs   []*rand.Rand
	events Queue[loopEvent]
	points []DisciplinedPoint
	// jumps are the instants the truth jumped; newestSent is the start of
	// the newest exchange that delivered a sample.
	jumps      []time.Duration
	newestSent time.Duration
}

// RunDisciplined simulates the closed loop with the seed and returns every
// point: after each reply and every Scenario.EvalEvery. The same scenario
// and seed always give the same points.
func RunDisciplined(sc DisciplinedScenario, seed uint64) ([]DisciplinedPoint, error) {
	sc.Scenario = sc.withDefaults()
	free := newLocalClock(sc.Clock, rand.New(rand.NewPCG(seed, 0)))
	l := &loop{
		sc:         sc,
		w:          &world{epoch: Epoch, local: free, reference: sc.ReferenceSteps, precision: sc.Precision, timeout: sc.Timeout, outages: sc.Outages},
		clock:      &steeredClock{free: free},
		est:        estimator.New(sc.Config),
		jumps:      sc.truthSteps(),
		newestSent: -1,
	}
	disc, err := discipline.New(sc.Discipline, l.clock, l.est, l.read)
	if err != nil {
		return nil, err
	}
	l.disc = disc
	infos := make([]estimator.SourceInfo, len(sc.Servers))
	for i, s := range sc.Servers {
		infos[i] = estimator.SourceInfo{Name: s.Name, Kind: estimator.KindNTP, Address: s.Name}
		l.rngs = append(l.rngs, rand.New(rand.NewPCG(seed, uint64(i)+1)))
		l.events.Push(sc.phase(l.rngs[i]), loopEvent{kind: pollEvent, server: i, burst: sc.Burst})
	}
	l.est.SetSources(infos)
	l.events.Push(sc.EvalEvery, loopEvent{kind: publishEvent})
	return l.points, l.run()
}

// read is the steered clock's reading now, the agent's local clock.
func (l *loop) read() time.Time { return l.w.epoch.Add(l.clock.reading(0)) }

// run handles events until the end of the scenario.
func (l *loop) run() error {
	for {
		at, e, ok := l.events.Pop()
		if !ok || at > l.sc.Duration {
			return nil
		}
		l.clock.advance(at)
		var err error
		switch e.kind {
		case pollEvent:
			l.poll(at, e)
		case replyEvent:
			err = l.observe(e.flight)
		case publishEvent:
			err = l.publish(at)
			l.events.Push(at+l.sc.EvalEvery, loopEvent{kind: publishEvent})
		case slewEndEvent:
			err = l.publish(at)
		}
		if err != nil {
			return fmt.Errorf("sim: %s at %v: %w", l.sc.Name, at, err)
		}
	}
}

// poll starts an exchange with one server at true time at and schedules
// its end and the next poll.
func (l *loop) poll(at time.Duration, e loopEvent) {
	rng := l.rngs[e.server]
	f := l.w.launch(&l.sc.Servers[e.server], at, l.clock.reading(l.sc.Precision), rng)
	l.events.Push(f.arrives, loopEvent{kind: replyEvent, flight: f})
	next, burst := l.sc.nextPoll(at, e.burst, rng)
	l.events.Push(next, loopEvent{kind: pollEvent, server: e.server, burst: burst})
}

// observe completes an exchange on the clock as it reads now, feeds the
// observation and publishes, as the agent does.
func (l *loop) observe(f flight) error {
	o := l.w.complete(f, l.clock.reading(l.sc.Precision))
	if err := l.est.Observe(o); err != nil {
		return err
	}
	if o.Result == estimator.ResultOK {
		l.newestSent = max(l.newestSent, f.sent)
	}
	return l.publish(l.clock.now)
}

// publish runs the discipline on the estimate now and records the point.
func (l *loop) publish(at time.Duration) error {
	act, err := l.disc.Update(l.est.Estimate(l.read()))
	if err != nil {
		return err
	}
	if act.SlewFor > 0 {
		l.events.Push(at+act.SlewFor+time.Millisecond, loopEvent{kind: slewEndEvent})
	}
	e := l.est.Estimate(l.read())
	l.points = append(l.points, DisciplinedPoint{
		At: at, Truth: l.clock.trueOffset(), Offset: e.Offset, Bound: e.ErrorBound, Status: e.Status,
		Frequency: l.clock.frequency, Kernel: l.clock.sync, Step: act.Step, Blind: blind(l.jumps, l.newestSent, at),
	})
	return nil
}
