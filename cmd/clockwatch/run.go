package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/internal/agent"
	"github.com/clockwatch/clockwatch/internal/cli"
	"github.com/clockwatch/clockwatch/logicaltime"
)

// runFlags are the flags of `clockwatch run`.
type runFlags struct {
	sources  *sourceFlags
	web      *webFlags
	stateDir string
	shmPath  string
	// clockBoundPath is where to publish in ClockBound's protocol too.
	clockBoundPath string
	responder      *responderFlags
	discipline     *disciplineFlags
	runtime        *runtimeFlags
}

// runCommand is `clockwatch run` on the local clock (nil: the system
// clock; tests give a shifted one).
func runCommand(clock agent.Clock) cli.Registrar {
	return func(app *kingpin.Application, commands map[string]cli.Runner) {
		registerRun(app, commands, clock)
	}
}

// registerRun adds `clockwatch run` on the local clock.
func registerRun(app *kingpin.Application, commands map[string]cli.Runner, clock agent.Clock) {
	cmd := app.Command("run", "Run the agent: measure this host's clock, serve /metrics and the API, keep state across restarts. SIGHUP reloads; SIGTERM stops.")
	f := &runFlags{sources: addSourceFlags(cmd), web: addWebFlags(cmd), responder: addResponderFlags(cmd), runtime: addRuntimeFlags(cmd)}
	cmd.Flag("state.dir", "Directory of the state file (drift, last estimate), saved at most once a minute and on stop, for a warm start. Empty: none.").Default("/var/lib/clockwatch").StringVar(&f.stateDir)
	cmd.Flag("shm.path", "Shared-memory file local services read bounded time from (logicaltime.OpenBounded), updated 10 times a second. Empty: none.").Default(logicaltime.DefaultPath).StringVar(&f.shmPath)
	addClockBoundFlag(cmd, &f.clockBoundPath)
	f.discipline = addDisciplineFlags(cmd)
	commands["run"] = func(ctx context.Context, c *cli.Env) error { return runAgent(ctx, c, f, clock) }
}

// runAgent is `clockwatch run`.
func runAgent(ctx context.Context, c *cli.Env, f *runFlags, clock agent.Clock) error {
	f.runtime.apply()
	cfg, err := f.sources.load()
	if err != nil {
		return err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	f.runtime.releaseBeforeStart(c.Logger)
	running, err := agent.Start(ctx, agent.Options{
		Config:         cfg,
		Clock:          clock,
		StateDir:       f.stateDir,
		ShmPath:        f.shmPath,
		ClockBoundPath: f.clockBoundPath,
		Discipline:     f.discipline.config(),
		Responder:      f.responder.config(),
		Serve:          f.web.serve(c.Logger),
		Logger:         c.Logger,
	})
	if err != nil {
		return err
	}
	f.runtime.started(ctx, c.Logger)
	go reloadOnHangup(ctx, hup, c, f.sources, running)
	return running.Wait()
}

// reloadOnHangup re-reads the configuration on every SIGHUP and hands it to
// the agent; a bad one is logged and the running one kept.
func reloadOnHangup(ctx context.Context, hup <-chan os.Signal, c *cli.Env, f *sourceFlags, running *agent.Running) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		cfg, err := f.load()
		if err != nil {
			c.Logger.Error("configuration reload failed; keeping the running configuration", "err", err)
			continue
		}
		running.Reload(ctx, cfg)
	}
}
