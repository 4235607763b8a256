package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clockwatch/clockwatch/discipline"
	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/exporters"
	"github.com/clockwatch/clockwatch/internal/hostid"
	"github.com/prometheus/client_golang/prometheus"
)

// source is anything that measures the local clock: an NTP server, a peer,
// chronyd, ptp4l. It runs until ctx ends, reporting each poll.
type source interface {
	Info() estimator.SourceInfo
	Run(ctx context.Context, report func(estimator.Observation))
}

const (
	// publishInterval is how often the estimate is recomputed for sinks
	// that read it continuously (shared memory): at least 10 times a second.
	publishInterval = 100 * time.Millisecond
	// historyInterval is the spacing of points kept for /api/v1/history.
	historyInterval = time.Second
	// historyCapacity keeps 6 hours of history at one point a second.
	historyCapacity = 6 * 60 * 60
	// stateInterval is how often, at most, the state file is written.
	stateInterval = time.Minute
)

// agent owns the estimator: it runs the sources, feeds their observations
// in, and publishes the estimate to the sinks. Only its loop goroutine
// touches the estimator; sinks read the latest estimate atomically.
type agent struct {
	logger *slog.Logger
	clock  func() time.Time
	est    *estimator.Estimator

	observations chan estimator.Observation
	latest       atomic.Pointer[estimator.Estimate]
	history      *exporters.History
	// saver writes the state file; nil when there is no state directory.
	saver *exporters.StateSaver
	// publishers receive the estimate every publishInterval.
	publishers []func(estimator.Estimate)

	// running are the sources running now, by name.
	running map[string]*runningSource
	// active lists the running sources in order, for their own metrics.
	activeMu sync.Mutex
	active   []source

	lastHistory time.Time
	last        estimator.Estimate
}

// newAgent returns an agent with its estimator; clock is the local clock.
func newAgent(logger *slog.Logger, clock func() time.Time, cfg estimator.Config) *agent {
	a := &agent{
		logger:       logger,
		clock:        clock,
		est:          estimator.New(cfg),
		observations: make(chan estimator.Observation, 64),
		history:      exporters.NewHistory(historyCapacity),
		running:      map[string]*runningSource{},
	}
	e := a.est.Estimate(clock())
	a.latest.Store(&e)
	a.last = e
	return a
}

// current returns the latest estimate carried forward to now.
func (a *agent) current() estimator.Estimate {
	return a.latest.Load().At(a.clock())
}

// keepState saves the state in dir from now on, marked with this machine's
// identity and the kernel's frequency correction. With warm set it first
// seeds the drift estimate from the saved state; a missing, damaged or
// foreign file is logged, never fatal. The seed is a hypothesis the bound
// never relies on (estimator.Estimator.WarmStart).
func (a *agent) keepState(dir string, warm bool) {
	host := hostid.Local("/")
	if warm {
		a.warmStart(dir, host)
	}
	a.saver = exporters.NewStateSaver(dir, stateInterval, host, kernelFrequency)
}

// warmStart seeds the estimator's drift from the state file in dir.
func (a *agent) warmStart(dir string, host hostid.Identity) {
	s, err := exporters.LoadState(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		a.logger.Info("no saved state; cold start", "dir", dir)
		return
	case err != nil:
		a.logger.Warn("ignoring saved state; cold start", "err", err)
		return
	}
	kernel, known := kernelFrequency()
	w, err := s.WarmDrift(a.clock(), host, kernel, known)
	if err != nil {
		a.logger.Info("not warm-starting from saved state; cold start", "reason", err)
		return
	}
	a.est.WarmStart(w.Drift, w.Uncertainty)
	a.logger.Info("warm start from saved state: drift as a first guess until measured", "drift_ppm", w.Drift*1e6, "uncertainty_ppm", w.Uncertainty*1e6, "saved_at", s.Time)
}

// sourceSet is a new list of sources for a running agent. Sources whose
// name and identity are unchanged keep running (and keep their poll
// schedule) unless restart is set, e.g. because the poll interval changed.
type sourceSet struct {
	sources []source
	restart bool
}

// runningSource is a source's goroutine.
type runningSource struct {
	src    source
	cancel context.CancelFunc
	done   chan struct{}
}

// stop ends the source's goroutine and waits for it.
func (r *runningSource) stop() {
	r.cancel()
	<-r.done
}

// run starts sources and serves the estimate until ctx ends; each source
// set on reload replaces the running one. The state is saved on the way
// out.
func (a *agent) run(ctx context.Context, sources []source, reload <-chan sourceSet) {
	a.setSources(ctx, sourceSet{sources: sources})
	tick := time.NewTicker(publishInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			a.stopAll()
			a.saveState()
			return
		case o := <-a.observations:
			a.observe(o)
		case next := <-reload:
			a.setSources(ctx, next)
		case <-tick.C:
			a.publish()
		}
	}
}

// setSources makes set the running sources: it stops the sources that left
// or changed, starts the new ones, and tells the estimator, which keeps the
// history of every source whose name stays.
func (a *agent) setSources(ctx context.Context, set sourceSet) {
	next := make(map[string]*runningSource, len(set.sources))
	infos := make([]estimator.SourceInfo, 0, len(set.sources))
	ordered := make([]source, 0, len(set.sources))
	for _, s := range set.sources {
		info := s.Info()
		if _, dup := next[info.Name]; dup {
			continue
		}
		if r, ok := a.running[info.Name]; ok && !set.restart && r.src.Info() == info {
			next[info.Name] = r
		} else {
			next[info.Name] = &runningSource{src: s}
		}
		infos = append(infos, info)
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

// stopAll stops every source's goroutine. The estimator keeps the sources,
// so the state saved on the way out holds the last estimate.
func (a *agent) stopAll() {
	for _, r := range a.running {
		r.stop()
	}
	a.running = map[string]*runningSource{}
}

// start runs one source in its own goroutine.
func (a *agent) start(ctx context.Context, r *runningSource) {
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

// observe feeds one observation and publishes the new estimate.
func (a *agent) observe(o estimator.Observation) {
	if err := a.est.Observe(o); err != nil {
		a.logger.Debug("observation dropped", "source", o.Source, "err", err)
	}
	e := a.publish()
	if now := e.Time; now.Sub(a.lastHistory) >= historyInterval || now.Before(a.lastHistory) {
		a.history.Add(e)
		a.lastHistory = now
	}
	if a.saver != nil {
		if err := a.saver.MaybeSave(e.Time, e); err != nil {
			a.logger.Warn("saving state failed; the state file keeps the last state saved", "err", err)
		}
	}
}

// publish computes the estimate now, stores it for the sinks, and logs
// changes of status and steps.
func (a *agent) publish() estimator.Estimate {
	e := a.est.Estimate(a.clock())
	a.latest.Store(&e)
	for _, p := range a.publishers {
		p(e)
	}
	a.logChanges(e)
	return e
}

// logChanges logs when the estimate changes status or a step is detected.
func (a *agent) logChanges(e estimator.Estimate) {
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

// saveState writes the state file now.
func (a *agent) saveState() {
	if a.saver == nil {
		return
	}
	e := a.est.Estimate(a.clock())
	if err := a.saver.Save(e.Time, e); err != nil {
		a.logger.Warn("saving state on exit failed", "err", err)
	}
}

// Describe sends nothing: the running sources change on reload, so their
// metrics are unchecked.
func (a *agent) Describe(chan<- *prometheus.Desc) {}

// Collect gathers the metrics of the running sources that have their own
// (a chronyd's view of its sources, ptp4l's port state, ...).
func (a *agent) Collect(ch chan<- prometheus.Metric) {
	a.activeMu.Lock()
	active := a.active
	a.activeMu.Unlock()
	for _, s := range active {
		if c, ok := s.(prometheus.Collector); ok {
			c.Collect(ch)
		}
	}
}

// kernelFrequency reads the kernel's frequency correction (never writes
// it); ok is false where it cannot be read.
func kernelFrequency() (float64, bool) {
	st, err := discipline.SystemClock{}.State()
	return st.Frequency, err == nil
}
