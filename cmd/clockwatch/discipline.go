package main

import (
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/discipline"
	"github.com/clockwatch/clockwatch/internal/agent"
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
	cmd.Flag("discipline", "Steer the system clock from the estimate, as chronyd does (CAP_SYS_TIME; refused while another daemon steers it). Off: measure only.").BoolVar(&f.enabled)
	cmd.Flag("discipline.step-threshold", "With --discipline: step only when certainly off by more than this, in the first 5 minutes (unless --discipline.allow-steps).").Default(discipline.DefaultStepThreshold.String()).DurationVar(&f.stepThreshold)
	cmd.Flag("discipline.allow-steps", "With --discipline: allow steps at any time, not only in the first minutes.").BoolVar(&f.allowSteps)
	cmd.Flag("discipline.force", "With --discipline: steer even when another program seems to steer the clock (they will fight over it).").BoolVar(&f.force)
	return f
}

// config is discipline mode as the flags set it.
func (f *disciplineFlags) config() agent.DisciplineConfig {
	return agent.DisciplineConfig{Enabled: f.enabled, StepThreshold: f.stepThreshold, AllowSteps: f.allowSteps, Force: f.force}
}
