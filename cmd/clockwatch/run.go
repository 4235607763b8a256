package main

import (
	"context"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/internal/cli"
	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/ntp"
)

// runFlags are the flags of `clockwatch run`.
type runFlags struct {
	sources    *sourceFlags
	web        *webFlags
	stateDir   string
	shmPath    string
	clockShift time.Duration
	responder  *responderFlags
	discipline *disciplineFlags
}

func registerRun(app *kingpin.Application, commands map[string]cli.Runner) {
	cmd := app.Command("run", "Run the agent: measure this host's clock against its sources, serve /metrics and /api/v1/status, keep state across restarts. SIGHUP reloads --config.file; SIGTERM stops.")
	f := &runFlags{sources: addSourceFlags(cmd), web: addWebFlags(cmd), responder: addResponderFlags(cmd)}
	cmd.Flag("state.dir", "Directory for the state file (drift and last estimate), written atomically at most once a minute and on stop; the next start warm-starts from it. Empty: keep no state.").Default("/var/lib/clockwatch").StringVar(&f.stateDir)
	cmd.Flag("shm.path", "Shared-memory file where the estimate is published at least 10 times a second for local services (logicaltime.OpenBounded). Empty: do not publish.").Default(defaultShmPath).StringVar(&f.shmPath)
	cmd.Flag("test.clock-shift", "For tests only: pretend this host's clock reads this much ahead.").Hidden().DurationVar(&f.clockShift)
	f.discipline = addDisciplineFlags(cmd)
	commands["run"] = func(ctx context.Context, c *cli.Env) error { return runAgent(ctx, c, f) }
}

// runAgent is `clockwatch run`.
func runAgent(ctx context.Context, c *cli.Env, f *runFlags) error {
	cfg, err := f.sources.load()
	if err != nil {
		return err
	}
	clock := shiftedClock(f.clockShift)
	client := &ntp.Client{ClockShift: f.clockShift, Limits: cfg.limits}
	a := newAgent(c.Logger, clock, estimatorConfig(cfg))
	defer publishShm(a, f.shmPath, c.Logger)()
	if f.stateDir != "" {
		if err := os.MkdirAll(f.stateDir, 0o755); err != nil {
			c.Logger.Warn("state directory unusable; state will not survive a restart", "err", err)
		} else {
			if f.discipline.enabled {
				c.Logger.Info("discipline: not warm-starting the drift from saved state; the discipline measures its own", "dir", f.stateDir)
			}
			a.keepState(f.stateDir, !f.discipline.enabled)
		}
	}
	disciplineMetrics, release, err := startDiscipline(f.discipline, a, cfg, f.clockShift, c.Logger)
	if err != nil {
		return err
	}
	defer release()
	sources, err := buildSources(cfg, client, c.Logger)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	peers, err := startPeering(ctx, f.responder, cfg.peers, clock, a.current, c.Logger)
	if err != nil {
		return err
	}
	served, err := serveAPI(ctx, f.web, a, c.Logger, append(peers.collectors(cfg.peers, a.current), disciplineMetrics...)...)
	if err != nil {
		return err
	}
	reload := make(chan sourceSet)
	go reloadSources(ctx, c.Logger, f.sources, cfg, client, peers.self, reload)
	c.Logger.Info("clockwatch agent started", "ntp_servers", cfg.servers, "poll_interval", cfg.pollInterval, "peers_mode", cfg.peers.mode)
	go func() {
		if err := <-served; err != nil {
			c.Logger.Error("HTTP server failed", "err", err)
			cancel()
		}
	}()
	a.run(ctx, sources, reload)
	c.Logger.Info("clockwatch agent stopped")
	return nil
}

// estimatorConfig derives the estimator's settings from the configuration.
func estimatorConfig(cfg config) estimator.Config {
	return estimator.Config{
		HoldoverMax:     cfg.holdoverMax,
		StaleAfter:      max(8*cfg.pollInterval, 30*time.Second),
		MaxFalsetickers: cfg.falsetickers,
		PeersDefineTime: cfg.peers.consensus(),
	}
}

// reloadSources hands the agent a new set of sources whenever it
// changes: on SIGHUP the configuration is re-read (a bad one is logged and
// the running one kept), and the peer mesh sends every new peer sample.
func reloadSources(ctx context.Context, logger *slog.Logger, f *sourceFlags, running config, client *ntp.Client, self func() ([]netip.AddrPort, error), reload chan<- sourceSet) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	mesh := startPeerMesh(ctx, running.peers, self, logger)
	defer func() { mesh.stop() }()
	var sample []netip.AddrPort
	for {
		restart := false
		select {
		case <-ctx.Done():
			return
		case sample = <-mesh.samples:
		case <-hup:
			cfg, err := f.load()
			if err != nil {
				logger.Error("configuration reload failed; keeping the running configuration", "err", err)
				continue
			}
			warnRestartOnly(logger, running, cfg)
			if !cfg.peers.sameDiscovery(running.peers) {
				mesh.stop()
				mesh, sample = startPeerMesh(ctx, cfg.peers, self, logger), nil
			}
			restart = cfg.pollInterval != running.pollInterval
			running = cfg
			logger.Info("configuration reloaded", "ntp_servers", cfg.servers, "poll_interval", cfg.pollInterval)
		}
		sources, err := allSources(running, sample, client, logger)
		if err != nil {
			logger.Error("building sources failed; keeping the running ones", "err", err)
			continue
		}
		select {
		case reload <- sourceSet{sources: sources, restart: restart}:
		case <-ctx.Done():
			return
		}
	}
}

// allSources makes the configured sources and those of the peer sample.
func allSources(cfg config, sample []netip.AddrPort, client *ntp.Client, logger *slog.Logger) ([]source, error) {
	sources, err := buildSources(cfg, client, logger)
	if err != nil {
		return nil, err
	}
	peers, err := peerSources(sample, cfg, client, logger)
	return append(sources, peers...), err
}

// warnRestartOnly logs the reloaded settings that take effect only at the
// next start.
func warnRestartOnly(logger *slog.Logger, running, next config) {
	if next.holdoverMax != running.holdoverMax {
		logger.Warn("holdover.max changes take effect at the next start", "running", running.holdoverMax)
	}
	if next.limits != running.limits {
		logger.Warn("ntp.max-delay and ntp.max-distance changes take effect at the next start", "max_delay", running.limits.MaxDelay, "max_distance", running.limits.MaxDistance)
	}
	if next.peers.mode != running.peers.mode || next.peers.maxOffset != running.peers.maxOffset {
		logger.Warn("peers.mode and peers.max-offset changes take effect at the next start", "mode", running.peers.mode, "max_offset", running.peers.maxOffset)
	}
}

// shiftedClock returns the local wall clock, read shift ahead. It drops
// Go's monotonic reading: offsets are about the wall clock, and a step of
// the wall clock must show as one.
func shiftedClock(shift time.Duration) func() time.Time {
	return func() time.Time { return time.Now().Round(0).Add(shift) }
}
