package agent

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/fdtimer"
	"github.com/prometheus/client_golang/prometheus"
)

// idlePublish is how often the estimate is published between the
// sources' reports when neither the steering nor any sink asks for more.
const idlePublish = time.Minute

// Agent is the pipeline: sources feed observations into the estimator;
// each estimate goes to the steering first and then to the sinks; the
// health checks judge the result. Only Run's goroutine touches the
// estimator; readers get the latest estimate atomically (Current).
type Agent struct {
	clock    Clock
	est      *estimator.Estimator
	sources  Sources
	steering Steering
	sinks    []Sink
	health   Health
	logger   *slog.Logger

	observations chan estimator.Observation
	latest       atomic.Pointer[estimator.Estimate]
	last         estimator.Estimate

	// running are the sources running now, by name; active lists them in
	// order, for their own metrics.
	running  map[string]*runningSource
	activeMu sync.Mutex
	active   []Source
}

// New assembles an agent from its parts, in the order data flows through
// them: clock is the local clock every part reads; est turns the sources'
// observations into estimates; steering sees each estimate before the
// sinks publish it; health judges the agent. Run starts it.
func New(clock Clock, est *estimator.Estimator, sources Sources, steering Steering, sinks []Sink, health Health, logger *slog.Logger) *Agent {
	a := &Agent{
		clock: clock, est: est, sources: sources, steering: steering, sinks: sinks, health: health, logger: logger,
		observations: make(chan estimator.Observation, 64),
		running:      map[string]*runningSource{},
	}
	infos, _ := distinct(sources.Initial)
	est.SetSources(infos)
	e := est.Estimate(clock())
	a.latest.Store(&e)
	a.last = e
	return a
}

// Current returns the latest estimate carried forward to now.
func (a *Agent) Current() estimator.Estimate {
	return a.latest.Load().At(a.clock())
}

// Healthy runs the health checks on the current estimate: nil when the
// agent is healthy.
func (a *Agent) Healthy() error { return a.health.Check(a.Current()) }

// Run starts the sources and publishes the estimate until ctx ends; each
// set of sources on Sources.Updates replaces the running one. On the way
// out the sources stop and the sinks get the last estimate.
func (a *Agent) Run(ctx context.Context) {
	a.setSources(ctx, SourceSet{Sources: a.sources.Initial})
	every := a.publishInterval()
	// The wait restarts with every report: on a timerfd, which the
	// runtime's monitor thread does not wake for, as it would for a
	// runtime timer reset at every poll (internal/fdtimer).
	idle := fdtimer.New(every)
	defer idle.Stop()
	for {
		select {
		case <-ctx.Done():
			a.stopAll()
			last := a.est.Estimate(a.clock())
			for _, s := range a.sinks {
				s.Close(last)
			}
			return
		case o := <-a.observations:
			a.observe(o)
		case next := <-a.sources.Updates:
			a.setSources(ctx, next)
		case <-idle.C:
			a.publish()
		}
		idle.Reset(every)
	}
}

// publishInterval is the longest time between two publications of the
// estimate: as often as the steering or the most demanding sink needs (ten
// times a second for shared memory and a discipline). Each report of a
// source publishes too and restarts the wait, so an agent that only
// measures, with sources reporting more often than that, wakes up only
// when they do.
func (a *Agent) publishInterval() time.Duration {
	every := a.steering.MaxAge()
	for _, s := range a.sinks {
		if d := s.MaxAge(); d > 0 && (every <= 0 || d < every) {
			every = d
		}
	}
	if every <= 0 {
		return idlePublish
	}
	return every
}

// observe feeds one observation and publishes the new estimate.
func (a *Agent) observe(o estimator.Observation) {
	if err := a.est.Observe(o); err != nil {
		a.logger.Debug("observation dropped", "source", o.Source, "err", err)
	}
	a.publish()
}

// publish estimates now, lets the steering act on the estimate, and hands
// the sinks the estimate of the clock as it is after the steering.
func (a *Agent) publish() {
	e := a.est.Estimate(a.clock())
	if a.steering.Steer(e) {
		e = a.est.Estimate(a.clock())
	}
	a.latest.Store(&e)
	for _, s := range a.sinks {
		s.Publish(e)
	}
	a.logChanges(e)
}

// logChanges logs when the estimate changes status or a step is detected.
func (a *Agent) logChanges(e estimator.Estimate) {
	if e.Status != a.last.Status {
		a.logger.Info("clock status changed", "from", a.last.Status, "to", e.Status,
			"offset", e.Offset, "error_bound", e.ErrorBound)
	}
	if e.Steps > a.last.Steps {
		a.logger.Warn("clock step detected: the offset moved further than its bound allowed",
			"size", e.LastStep.Size, "offset", e.Offset, "error_bound", e.ErrorBound, "steps", e.Steps)
	}
	a.last = e
}

// runningSource is a source's goroutine.
type runningSource struct {
	src    Source
	cancel context.CancelFunc
	done   chan struct{}
}

// stop ends the source's goroutine and waits for it.
func (r *runningSource) stop() {
	r.cancel()
	<-r.done
}

// setSources makes set the running sources: it stops the sources that left
// or changed, starts the new ones, and tells the estimator, which keeps the
// history of every source whose name stays.
func (a *Agent) setSources(ctx context.Context, set SourceSet) {
	infos, sources := distinct(set.Sources)
	next := make(map[string]*runningSource, len(sources))
	ordered := make([]Source, 0, len(sources))
	for i, s := range sources {
		info := infos[i]
		if r, ok := a.running[info.Name]; ok && !set.Restart && r.src.Info() == info {
			next[info.Name] = r
		} else {
			next[info.Name] = &runningSource{src: s}
		}
		ordered = append(ordered, next[info.Name].src)
	}
	for name, r := range a.running {
		if next[name] != r {
			r.stop()
		}
	}
	for _, r := range next {
		if r.done == nil {
			a.start(ctx, r)
		}
	}
	a.running = next
	a.est.SetSources(infos)
	a.activeMu.Lock()
	a.active = ordered
	a.activeMu.Unlock()
	a.publish()
}

// distinct returns the sources of list whose names were not seen before in
// it, and their identities.
func distinct(list []Source) ([]estimator.SourceInfo, []Source) {
	seen := make(map[string]bool, len(list))
	infos := make([]estimator.SourceInfo, 0, len(list))
	out := make([]Source, 0, len(list))
	for _, s := range list {
		info := s.Info()
		if seen[info.Name] {
			continue
		}
		seen[info.Name] = true
		infos, out = append(infos, info), append(out, s)
	}
	return infos, out
}

// stopAll stops every source's goroutine. The estimator keeps the sources,
// so the last estimate still describes them.
func (a *Agent) stopAll() {
	for _, r := range a.running {
		r.stop()
	}
	a.running = map[string]*runningSource{}
}

// start runs one source in its own goroutine.
func (a *Agent) start(ctx context.Context, r *runningSource) {
	ctx, r.cancel = context.WithCancel(ctx)
	r.done = make(chan struct{})
	go func() {
		defer close(r.done)
		r.src.Run(ctx, func(o estimator.Observation) {
			select {
			case a.observations <- o:
			case <-ctx.Done():
			}
		})
	}()
}

// Describe sends nothing: the running sources change on reload, so their
// metrics are unchecked.
func (a *Agent) Describe(chan<- *prometheus.Desc) {}

// Collect gathers the metrics of the running sources that have their own
// (a chronyd's view of its sources, ptp4l's port state, ...).
func (a *Agent) Collect(ch chan<- prometheus.Metric) {
	a.activeMu.Lock()
	active := a.active
	a.activeMu.Unlock()
	for _, s := range active {
		if c, ok := s.(prometheus.Collector); ok {
			c.Collect(ch)
		}
	}
}
