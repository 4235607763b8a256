package main

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/clockwatch/clockwatch/discipline"
	"github.com/clockwatch/clockwatch/estimator"
)

// publishEvery is how often the loop publishes when nothing else happens:
// the agent publishes ten times a second, but between samples an estimate
// only moves with the drift, so once a second loses nothing but time.
const publishEvery = time.Second

// Point is the state of the loop at one instant.
type Point struct {
	// At is true time since the start.
	At time.Duration
	// Truth is the clock's true offset (local clock − true time).
	Truth time.Duration
	// Offset, Bound and Status are the estimate's.
	Offset, Bound time.Duration
	Status        string
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

// covered reports whether the estimate's bound holds.
func (p Point) covered() bool { return (p.Offset - p.Truth).Abs() <= p.Bound }

// eventKind says what happens at an event.
type eventKind int

const (
	pollEvent eventKind = iota
	replyEvent
	lostEvent
	publishEvent
	slewEndEvent
	jumpEvent
)

// event is something that happens at a true instant of a run.
type event struct {
	at   time.Duration
	seq  uint64
	kind eventKind
	// server polls left in its burst; x is the exchange of a reply;
	// index is the server, or the jump.
	index int
	burst int
	x     exchange
}

// events orders events by time, then by the order they were scheduled.
type events []event

func (q events) Len() int { return len(q) }
func (q events) Less(i, j int) bool {
	return q[i].at < q[j].at || (q[i].at == q[j].at && q[i].seq < q[j].seq)
}
func (q events) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *events) Push(x any)   { *q = append(*q, x.(event)) }
func (q *events) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// loop is one run: the world, the estimator and the discipline.
type loop struct {
	sc     Scenario
	clock  *simClock
	est    *estimator.Estimator
	disc   *discipline.Discipline
	rngs   []*rand.Rand
	queue  events
	seq    uint64
	points []Point
	// jumped is the true time of the clock's last jump, and seen the
	// send time of the newest poll answered; blind while seen < jumped.
	jumped, seen time.Duration
}

// Run simulates the scenario with the seed and returns every point: after
// each reply and once a second. The same scenario and seed always give the
// same points.
func Run(sc Scenario, seed uint64) ([]Point, error) {
	l := &loop{sc: sc, jumped: -1, clock: newSimClock(sc.Clock, rand.New(rand.NewPCG(seed, 0))), est: estimator.New(sc.Estimator)}
	disc, err := discipline.New(sc.Discipline, l.clock, l.est, l.clock.read)
	if err != nil {
		return nil, err
	}
	l.disc = disc
	infos := make([]estimator.SourceInfo, len(sc.Servers))
	for i, s := range sc.Servers {
		infos[i] = estimator.SourceInfo{Name: s.Name, Kind: estimator.KindNTP, Address: s.Name}
		l.rngs = append(l.rngs, rand.New(rand.NewPCG(seed, uint64(i)+1)))
		l.push(event{at: time.Duration(l.rngs[i].Float64() * float64(time.Second)), kind: pollEvent, index: i, burst: burst})
	}
	l.est.SetSources(infos)
	for i, j := range sc.Jumps {
		l.push(event{at: j.At, kind: jumpEvent, index: i})
	}
	l.push(event{at: publishEvery, kind: publishEvent})
	return l.points, l.run()
}

func (l *loop) push(e event) {
	l.seq++
	e.seq = l.seq
	heap.Push(&l.queue, e)
}

// run handles events until the end of the scenario.
func (l *loop) run() error {
	for l.queue.Len() > 0 {
		e := heap.Pop(&l.queue).(event)
		if e.at > l.sc.Duration {
			return nil
		}
		l.clock.advance(e.at)
		var err error
		switch e.kind {
		case pollEvent:
			l.poll(e)
		case replyEvent:
			l.seen = max(l.seen, e.x.sent)
			err = l.observe(e.x.sample(l.sc.Servers[e.index], l.clock.read()))
		case lostEvent:
			err = l.observe(estimator.Observation{Source: l.sc.Servers[e.index].Name, Result: "timeout"})
		case publishEvent:
			err = l.publish(e.at)
			l.push(event{at: e.at + publishEvery, kind: publishEvent})
		case slewEndEvent:
			err = l.publish(e.at)
		case jumpEvent:
			l.clock.jump(l.sc.Jumps[e.index].By)
			l.jumped = e.at
		}
		if err != nil {
			return fmt.Errorf("%s at %v: %w", l.sc.Name, e.at, err)
		}
	}
	return nil
}

// poll starts an exchange with one server and schedules the next poll.
func (l *loop) poll(e event) {
	s, rng := l.sc.Servers[e.index], l.rngs[e.index]
	x, ok := s.launch(e.index, e.at, l.clock.read(), rng)
	switch {
	case !ok || l.silent(e.at) || x.arrives-e.at > timeout:
		l.push(event{at: e.at + timeout, kind: lostEvent, index: e.index})
	default:
		l.push(event{at: x.arrives, kind: replyEvent, index: e.index, x: x})
	}
	next := event{kind: pollEvent, index: e.index}
	if e.burst > 1 {
		next.at, next.burst = e.at+burstSpacing, e.burst-1
	} else {
		spread := 1 + pollSpread*(2*rng.Float64()-1)
		next.at = e.at + time.Duration(spread*float64(l.sc.Poll))
	}
	l.push(next)
}

// silent reports whether every server is out at true time t.
func (l *loop) silent(t time.Duration) bool {
	for _, w := range l.sc.Outages {
		if w.contains(t) {
			return true
		}
	}
	return false
}

// observe feeds one observation and publishes, as the agent does.
func (l *loop) observe(o estimator.Observation) error {
	if err := l.est.Observe(o); err != nil {
		return err
	}
	return l.publish(l.clock.now)
}

// publish runs the discipline on the estimate now and records the point.
// The end of a slew gets a publication of its own, where the agent's ten a
// second would catch it within 100 ms.
func (l *loop) publish(at time.Duration) error {
	act, err := l.disc.Update(l.est.Estimate(l.clock.read()))
	if err != nil {
		return err
	}
	if act.SlewFor > 0 {
		l.push(event{at: at + act.SlewFor + time.Millisecond, kind: slewEndEvent})
	}
	e := l.est.Estimate(l.clock.read())
	l.points = append(l.points, Point{
		At: at, Truth: l.clock.trueOffset(), Offset: e.Offset, Bound: e.ErrorBound, Status: e.Status,
		Frequency: l.clock.kernel, Kernel: l.clock.sync, Step: act.Step, Blind: l.seen < l.jumped,
	})
	return nil
}
