package main

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/discipline"
	"github.com/clockwatch/clockwatch/estimator"
	"github.com/prometheus/client_golang/prometheus"
)

// disciplineFlags are the flags of discipline mode.
type disciplineFlags struct {
	enabled       bool
	stepThreshold time.Duration
	allowSteps    bool
	force         bool
}

// addDisciplineFlags registers the discipline flags on cmd.
func addDisciplineFlags(cmd *kingpin.CmdClause) *disciplineFlags {
	f := &disciplineFlags{}
	cmd.Flag("discipline", "Steer the system clock from the estimate, as chronyd does: the reported offset becomes the residual offset. Needs CAP_SYS_TIME; refuses to start while chronyd, ntpd, ptp4l/phc2sys or systemd-timesyncd steer the clock. Off: measure only.").BoolVar(&f.enabled)
	cmd.Flag("discipline.step-threshold", "With --discipline: step the clock only when it is certainly off by more than this, and only in the first 5 minutes after the first synchronized estimate (unless --discipline.allow-steps); smaller offsets are slewed.").Default(discipline.DefaultStepThreshold.String()).DurationVar(&f.stepThreshold)
	cmd.Flag("discipline.allow-steps", "With --discipline: allow steps at any time, not only in the first minutes.").BoolVar(&f.allowSteps)
	cmd.Flag("discipline.force", "With --discipline: steer even when another program seems to steer the clock (they will fight over it).").BoolVar(&f.force)
	return f
}

// config is the discipline's configuration: offsets are slewed away over
// four poll intervals, so that each slew is refined by several samples.
func (f *disciplineFlags) config(poll time.Duration) discipline.Config {
	return discipline.Config{StepThreshold: f.stepThreshold, AllowSteps: f.allowSteps, SlewTime: max(4*poll, 16*time.Second)}
}

// startDiscipline makes the agent steer the system clock when discipline
// mode is on: it checks the capability and looks for other daemons
// steering the clock first. It returns the discipline's metrics and what
// hands the clock back on exit; both are empty when discipline is off.
func startDiscipline(f *disciplineFlags, a *agent, cfg config, clockShift time.Duration, logger *slog.Logger) ([]prometheus.Collector, func(), error) {
	if !f.enabled {
		return nil, func() {}, nil
	}
	if clockShift != 0 {
		return nil, nil, errors.New("--discipline cannot be used with --test.clock-shift: it would steer the real clock by a pretended offset")
	}
	if err := discipline.CheckCapability(); err != nil {
		return nil, nil, err
	}
	clock := discipline.SystemClock{}
	if err := refuseIfSteered(clock, f.force, logger); err != nil {
		return nil, nil, err
	}
	d, err := discipline.New(f.config(cfg.pollInterval), clock, a.est, a.clock)
	if err != nil {
		return nil, nil, err
	}
	steerBeforePublishing(a, d, logger)
	logger.Info("disciplining the system clock", "step_threshold", f.stepThreshold, "allow_steps", f.allowSteps)
	release := func() {
		if err := d.Release(); err != nil {
			logger.Warn("handing the clock back failed: the kernel may still show it synchronized", "err", err)
		}
	}
	return []prometheus.Collector{discipline.NewCollector(d)}, release, nil
}

// refuseIfSteered returns an error naming every other program found
// steering the clock, unless force, when it only warns.
func refuseIfSteered(clock discipline.Clock, force bool, logger *slog.Logger) error {
	k, err := clock.State()
	if err != nil {
		return fmt.Errorf("reading the kernel clock state: %w", err)
	}
	found := discipline.Detect(discipline.DefaultProbe(&k))
	if !force {
		return discipline.Refusal(found)
	}
	for _, s := range found {
		logger.Warn("steering the clock anyway (--discipline.force) although another program seems to steer it", "program", s.Name, "evidence", s.Evidence)
	}
	return nil
}

// steerBeforePublishing puts the discipline in front of the agent's
// publishers: it sees every estimate first, and when it changed the clock
// the estimate is computed again on the adjusted clock, so that no sink
// ever pairs an old offset with the new clock. Call it after every other
// publisher is registered.
func steerBeforePublishing(a *agent, d *discipline.Discipline, logger *slog.Logger) {
	sinks := a.publishers
	var lastErr string
	a.publishers = []func(estimator.Estimate){func(e estimator.Estimate) {
		act, err := d.Update(e)
		if msg := fmt.Sprint(err); err != nil && msg != lastErr {
			logger.Error("steering the clock failed; measuring on", "err", err)
			lastErr = msg
		} else if err == nil {
			lastErr = ""
		}
		logAction(logger, act)
		if act.Changed() {
			e = a.est.Estimate(a.clock())
			a.latest.Store(&e)
		}
		for _, p := range sinks {
			p(e)
		}
	}}
}

// logAction logs a step as a warning and other changes at debug level.
func logAction(logger *slog.Logger, act discipline.Action) {
	switch {
	case act.Step != 0:
		logger.Warn("stepped the system clock", "step", act.Step, "frequency_ppm", act.Frequency*1e6)
	case act.Changed():
		logger.Debug("retuned the system clock", "frequency_ppm", act.Frequency*1e6, "slew", act.Slew, "slew_for", act.SlewFor)
	}
}
