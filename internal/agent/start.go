package agent

import (
	"context"
	"log/slog"
	"time"

	"github.com/clockwatch/clockwatch/discipline"
	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/exporters"
	"github.com/clockwatch/clockwatch/internal/localclock"
	"github.com/clockwatch/clockwatch/ntp"
	"github.com/prometheus/client_golang/prometheus"
)

// Options are everything an agent is started with: what it measures
// (Config) and where the results go.
type Options struct {
	Config Config
	// Clock is the local clock; nil is the system clock, the only one a
	// discipline may steer.
	Clock Clock
	// StateDir keeps the state file (warm start, last estimate); empty:
	// no state.
	StateDir string
	// ShmPath is the shared memory file local services read bounded time
	// from; empty: none.
	ShmPath string
	// ClockBoundPath is where the agent also publishes in AWS
	// ClockBound's shared-memory protocol, for ClockBound's clients;
	// empty: nowhere.
	ClockBoundPath string
	Discipline     DisciplineConfig
	Responder      ResponderConfig
	// Serve serves the metrics and the API.
	Serve  Serve
	Logger *slog.Logger
}

// DefaultPeers is the peer mesh's configuration when nothing sets it.
func DefaultPeers() PeersConfig {
	return PeersConfig{Sample: ntp.DefaultPeerSample, Mode: PeersSkew, MaxOffset: DefaultPeersMaxOffset,
		Refresh: ntp.DefaultPeerRefresh, Rotate: ntp.DefaultPeerRotate}
}

// Running is a started agent.
type Running struct {
	*Agent
	reloads chan<- Config
	stopped <-chan error
}

// Start builds the agent that opts describe and runs it until ctx ends:
// the local clock; the estimator, warm-started from the saved state unless
// a discipline measures its own drift; the steering (the discipline, or
// none); the sources of the configuration and of the peer mesh; the sinks
// (history, state file, shared memory); the health policy (the peer
// outlier check); then the peer responder and the HTTP server that read
// the agent. Every error is returned before anything runs.
func Start(ctx context.Context, opts Options) (r *Running, err error) {
	cfg, logger := opts.Config, opts.Logger
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := opts.Responder.validate(); err != nil {
		return nil, err
	}
	// Sources take the local clock as it is given, nil for the system
	// clock, which they read exactly; the agent reads it through clock.
	clock, systemClock := opts.Clock, opts.Clock == nil
	if systemClock {
		clock = localclock.System
	}
	est := estimator.New(cfg.EstimatorConfig())
	steer, err := newSteering(opts.Discipline, clock, systemClock, discipline.SystemClock{}, est, cfg.PollInterval, logger)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			steer.release()
		}
	}()
	auth, err := newSourceAuth(cfg.Auth)
	if err != nil {
		return nil, err
	}
	maker := newSourceMaker(opts.Clock, cfg.Limits, auth, logger)
	initial, err := maker.sources(cfg, nil)
	if err != nil {
		return nil, err
	}
	updates := make(chan SourceSet)
	sinks, history := openSinks(opts, est, clock(), logger)
	health := Health{peerOutlierCheck(cfg.Peers.MaxOffset)}
	a := New(clock, est, Sources{Initial: initial, Updates: updates}, steer, sinks, health, logger)

	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		if err != nil {
			cancel()
			closeSinks(sinks, a.Current())
		}
	}()
	resp, err := startResponder(ctx, opts.Responder, opts.Clock, cfg.Peers.Mode, a.Current, auth.keys, logger)
	if err != nil {
		return nil, err
	}
	served, err := serveAPI(ctx, opts.Serve, a, history, logger, metrics(cfg, a, resp, steer)...)
	if err != nil {
		return nil, err
	}
	reloads := make(chan Config)
	go maker.watchSources(ctx, cfg, reloads, resp.self, updates)
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		a.Run(ctx)
		steer.release()
		logger.Info("clockwatch agent stopped")
	}()
	stopped := make(chan error, 1)
	go func() {
		// The server stops when ctx ends; failing, it stops the agent.
		err := <-served
		if err != nil {
			logger.Error("HTTP server failed", "err", err)
		}
		cancel()
		<-ran
		stopped <- err
	}()
	logger.Info("clockwatch agent started", "ntp_servers", cfg.NTPServers, "nts_servers", cfg.Auth.NTSServers, "nts_required", cfg.Auth.Required, "poll_interval", cfg.PollInterval, "peers_mode", cfg.Peers.Mode)
	return &Running{Agent: a, reloads: reloads, stopped: stopped}, nil
}

// openSinks opens where the estimates go: the history for the API, the
// state file, the shared memory file, ClockBound's segment.
func openSinks(opts Options, est *estimator.Estimator, now time.Time, logger *slog.Logger) ([]Sink, *exporters.History) {
	history := newHistorySink()
	sinks := []Sink{history}
	if opts.StateDir != "" {
		if opts.Discipline.Enabled {
			logger.Info("discipline: not warm-starting the drift from saved state; the discipline measures its own", "dir", opts.StateDir)
		}
		if s := keepState(opts.StateDir, !opts.Discipline.Enabled, est, now, logger); s != nil {
			sinks = append(sinks, s)
		}
	}
	if opts.ShmPath != "" {
		if s := openShm(opts.ShmPath, logger); s != nil {
			sinks = append(sinks, s)
		}
	}
	if opts.ClockBoundPath != "" {
		if s := openClockBound(opts.ClockBoundPath, logger); s != nil {
			sinks = append(sinks, s)
		}
	}
	return sinks, history.history
}

// closeSinks closes sinks that will never see the agent run.
func closeSinks(sinks []Sink, last estimator.Estimate) {
	for _, s := range sinks {
		s.Close(last)
	}
}

// metrics are the collectors beyond the estimate's and the process's: what
// the peers see, the responder's counters, the discipline's state.
func metrics(cfg Config, a *Agent, resp *responder, steer steering) []prometheus.Collector {
	out := []prometheus.Collector{exporters.NewPeerCollector(a.Current, cfg.Peers.MaxOffset)}
	if resp != nil {
		// An agent that cannot list its addresses (net.InterfaceAddrs
		// failed) exports none: mesh inference then matches its peers by
		// the instance label's host.
		self, _ := resp.self()
		out = append(out, exporters.NewResponderCollector(resp.r.Stats, self), resp.authMetrics)
	}
	return append(out, steer.metrics...)
}

// Reload hands the running agent a new configuration; its sources change
// at once, settings that need a restart are logged.
func (r *Running) Reload(ctx context.Context, cfg Config) {
	select {
	case r.reloads <- cfg:
	case <-ctx.Done():
	}
}

// Wait blocks until the agent has stopped, after its context ended or its
// HTTP server failed, and returns the server's error.
func (r *Running) Wait() error { return <-r.stopped }
