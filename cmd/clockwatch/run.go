package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/ntp"
)

// runFlags are the flags of `clockwatch run`.
type runFlags struct {
	sources    *sourceFlags
	web        *webFlags
	stateDir   string
	clockShift time.Duration
}

func registerRun(app *kingpin.Application, commands map[string]runner) {
	cmd := app.Command("run", "Run the agent: measure this host's clock against its sources, serve /metrics and /api/v1/status, keep state across restarts. SIGHUP reloads --config.file; SIGTERM stops.")
	f := &runFlags{sources: addSourceFlags(cmd), web: addWebFlags(cmd)}
	cmd.Flag("state.dir", "Directory for the state file (drift and last estimate), written atomically at most once a minute and on stop; the next start warm-starts from it. Empty: keep no state.").Default("/var/lib/clockwatch").StringVar(&f.stateDir)
	cmd.Flag("test.clock-shift", "For tests only: pretend this host's clock reads this much ahead.").Hidden().DurationVar(&f.clockShift)
	commands["run"] = func(ctx context.Context, c *cli) error { return runAgent(ctx, c, f) }
}

// runAgent is `clockwatch run`.
func runAgent(ctx context.Context, c *cli, f *runFlags) error {
	cfg, err := f.sources.load()
	if err != nil {
		return err
	}
	clock := shiftedClock(f.clockShift)
	client := &ntp.Client{ClockShift: f.clockShift}
	a := newAgent(c.logger, clock, estimatorConfig(cfg))
	if f.stateDir != "" {
		if err := os.MkdirAll(f.stateDir, 0o755); err != nil {
			c.logger.Warn("state directory unusable; state will not survive a restart", "err", err)
		} else {
			a.warmStart(f.stateDir)
		}
	}
	sources, err := buildSources(cfg, client, c.logger)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served, err := serveAPI(ctx, f.web, a, c.logger)
	if err != nil {
		return err
	}
	reload := make(chan []source)
	go reloadOnHangup(ctx, c.logger, f.sources, cfg, client, reload)
	c.logger.Info("clockwatch agent started", "ntp_servers", cfg.servers, "poll_interval", cfg.pollInterval)
	go func() {
		if err := <-served; err != nil {
			c.logger.Error("HTTP server failed", "err", err)
			cancel()
		}
	}()
	a.run(ctx, sources, reload)
	c.logger.Info("clockwatch agent stopped")
	return nil
}

// estimatorConfig derives the estimator's settings from the configuration.
func estimatorConfig(cfg config) estimator.Config {
	return estimator.Config{HoldoverMax: cfg.holdoverMax, StaleAfter: max(8*cfg.pollInterval, 30*time.Second)}
}

// reloadOnHangup re-reads the configuration on every SIGHUP and sends the
// new sources to the agent. A bad configuration is logged and the running
// one kept.
func reloadOnHangup(ctx context.Context, logger *slog.Logger, f *sourceFlags, running config, client *ntp.Client, reload chan<- []source) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		cfg, err := f.load()
		var sources []source
		if err == nil {
			sources, err = buildSources(cfg, client, logger)
		}
		if err != nil {
			logger.Error("configuration reload failed; keeping the running configuration", "err", err)
			continue
		}
		if cfg.holdoverMax != running.holdoverMax {
			logger.Warn("holdover.max changes take effect at the next start", "running", running.holdoverMax)
		}
		logger.Info("configuration reloaded", "ntp_servers", cfg.servers, "poll_interval", cfg.pollInterval)
		select {
		case reload <- sources:
		case <-ctx.Done():
			return
		}
	}
}

// shiftedClock returns the local wall clock, read shift ahead. It drops
// Go's monotonic reading: offsets are about the wall clock, and a step of
// the wall clock must show as one.
func shiftedClock(shift time.Duration) func() time.Time {
	return func() time.Time { return time.Now().Round(0).Add(shift) }
}
