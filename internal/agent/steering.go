package agent

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/clockwatch/clockwatch/discipline"
	"github.com/clockwatch/clockwatch/estimator"
	"github.com/prometheus/client_golang/prometheus"
)

// DisciplineConfig is discipline mode: whether and how the agent steers
// the system clock.
type DisciplineConfig struct {
	// Enabled steers the system clock from the estimate, as chronyd does.
	Enabled bool
	// StepThreshold, AllowSteps: see discipline.Config.
	StepThreshold time.Duration
	AllowSteps    bool
	// Force steers even when another program seems to steer the clock.
	Force bool
}

// discipline is the discipline's configuration: offsets are slewed away
// over four poll intervals, so that each slew is refined by several
// samples.
func (c DisciplineConfig) discipline(poll time.Duration) discipline.Config {
	return discipline.Config{StepThreshold: c.StepThreshold, AllowSteps: c.AllowSteps, SlewTime: max(4*poll, 16*time.Second)}
}

// errDisciplineOffSystem refuses to steer the system clock for a local
// clock that is not it.
var errDisciplineOffSystem = errors.New("--discipline steers the system clock, but this agent's local clock is another (a test's shifted clock): it would steer the real clock by a pretended offset")

// disciplineSteering steers the system clock through a discipline.
type disciplineSteering struct {
	d       *discipline.Discipline
	logger  *slog.Logger
	lastErr string
}

// steering is what steers the clock, with its metrics and what hands the
// clock back on exit.
type steering struct {
	Steering
	metrics []prometheus.Collector
	release func()
}

// newSteering returns what steers the clock: the discipline when c is
// enabled, after checking the capability and that no other program steers
// the clock; MeasureOnly otherwise. systemClock says whether the agent's
// local clock is the system clock, the only one a discipline may steer.
func newSteering(c DisciplineConfig, clock Clock, systemClock bool, kernel discipline.Clock, est *estimator.Estimator, poll time.Duration, logger *slog.Logger) (steering, error) {
	if !c.Enabled {
		return steering{Steering: MeasureOnly{}, release: func() {}}, nil
	}
	if !systemClock {
		return steering{}, errDisciplineOffSystem
	}
	if err := discipline.CheckCapability(); err != nil {
		return steering{}, err
	}
	if err := refuseIfSteered(kernel, c.Force, logger); err != nil {
		return steering{}, err
	}
	d, err := discipline.New(c.discipline(poll), kernel, est, clock)
	if err != nil {
		return steering{}, err
	}
	logger.Info("disciplining the system clock", "step_threshold", c.StepThreshold, "allow_steps", c.AllowSteps)
	release := func() {
		if err := d.Release(); err != nil {
			logger.Warn("handing the clock back failed: the kernel may still show it synchronized", "err", err)
		}
	}
	return steering{
		Steering: &disciplineSteering{d: d, logger: logger},
		metrics:  []prometheus.Collector{discipline.NewCollector(d)},
		release:  release,
	}, nil
}

// Steer runs the discipline on e; a failure is logged once, and the agent
// measures on.
func (s *disciplineSteering) Steer(e estimator.Estimate) bool {
	act, err := s.d.Update(e)
	if msg := fmt.Sprint(err); err != nil && msg != s.lastErr {
		s.logger.Error("steering the clock failed; measuring on", "err", err)
		s.lastErr = msg
	} else if err == nil {
		s.lastErr = ""
	}
	logAction(s.logger, act)
	return act.Changed()
}

// disciplineRefresh is how often the discipline gets the estimate: it
// catches the end of a slew within 100 ms.
const disciplineRefresh = 100 * time.Millisecond

// MaxAge is disciplineRefresh.
func (s *disciplineSteering) MaxAge() time.Duration { return disciplineRefresh }

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

// logAction logs a step as a warning and other changes at debug level.
func logAction(logger *slog.Logger, act discipline.Action) {
	switch {
	case act.Step != 0:
		logger.Warn("stepped the system clock", "step", act.Step, "frequency_ppm", act.Frequency*1e6)
	case act.Changed():
		logger.Debug("retuned the system clock", "frequency_ppm", act.Frequency*1e6, "slew", act.Slew, "slew_for", act.SlewFor)
	}
}
