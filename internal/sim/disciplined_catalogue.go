package sim

import (
	"time"

	"github.com/clockwatch/clockwatch/discipline"
	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/ntp"
)

// Closed-loop scenario names.
const (
	Converge = "converge"
	Outage   = "outage"
	Slew     = "slew"
	Internet = "wan"
)

// disciplinedPoll is how often the closed-loop scenarios poll: the agent's
// default.
const disciplinedPoll = ntp.DefaultPollInterval

// DisciplinedCatalogue returns the standard closed-loop scenarios: a host
// clock 50 ppm fast with wander, 1 s off at the start, polling every 16 s
// as the agent does by default, the estimator and the discipline
// configured as `clockwatch run --discipline` configures them.
func DisciplinedCatalogue() []DisciplinedScenario {
	clock := func(offset time.Duration) LocalClock {
		return LocalClock{Offset: offset, Drift: 50e-6, Wander: 2e-9}
	}
	scenarios := []DisciplinedScenario{
		{Scenario: Scenario{Name: Converge, Description: "1 s initial error, 50 ppm drift with wander, four LAN servers",
			Clock: clock(time.Second), Servers: lanServers()}},
		{Scenario: Scenario{Name: Outage, Description: "converged, then every server silent for 25 minutes (holdover)",
			Clock: clock(time.Second), Servers: lanServers(), Outages: []Window{{From: 90 * time.Minute, To: 115 * time.Minute}}}},
		{Scenario: Scenario{Name: Slew, Description: "converged, then the clock jumps by 20 ms on its own after the step period",
			Clock: withSteps(clock(time.Second), Step{At: 90 * time.Minute, By: 20 * time.Millisecond}), Servers: lanServers()}},
		{Scenario: Scenario{Name: Internet, Description: "1 s initial error, 50 ppm drift, four internet servers 8–30 ms away, heavy tail, 5% loss",
			Clock: clock(-time.Second), Servers: internetServers()}},
	}
	for i := range scenarios {
		sc := &scenarios[i]
		sc.Duration, sc.Poll, sc.Timeout = 3*time.Hour, disciplinedPoll, time.Second
		sc.Burst, sc.Spread, sc.Precision = ntp.DefaultBurst, ntp.DefaultPollSpread, 30*time.Nanosecond
		sc.Config = estimator.Config{StaleAfter: 8 * disciplinedPoll}
		sc.Discipline = discipline.Config{SlewTime: 4 * disciplinedPoll}
	}
	return scenarios
}

// FindDisciplined returns the closed-loop scenario with that name.
func FindDisciplined(name string) (DisciplinedScenario, bool) {
	for _, sc := range DisciplinedCatalogue() {
		if sc.Name == name {
			return sc, true
		}
	}
	return DisciplinedScenario{}, false
}

// withSteps returns c with steps of its own.
func withSteps(c LocalClock, steps ...Step) LocalClock {
	c.Steps = steps
	return c
}

// internetServers are four symmetric internet servers 8–30 ms away with
// heavy-tailed jitter and 5% loss, each advertising 0.5 ms of root
// dispersion.
func internetServers() []Server {
	jitter := Jitter{Kind: Pareto, Mean: time.Millisecond, Shape: 1.5}
	server := func(name string, delay time.Duration) Server {
		s := stratum1(name, Path{Delay: delay, Jitter: jitter, Loss: 0.05})
		s.RootDispersion = 500 * time.Microsecond
		return s
	}
	return []Server{server("wan-a", 8*time.Millisecond), server("wan-b", 12*time.Millisecond), server("wan-c", 20*time.Millisecond), server("wan-d", 30*time.Millisecond)}
}
