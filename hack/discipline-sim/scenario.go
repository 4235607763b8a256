package main

import (
	"time"

	"github.com/clockwatch/clockwatch/discipline"
	"github.com/clockwatch/clockwatch/estimator"
)

// LocalClock is the host clock at the start of a run.
type LocalClock struct {
	// Offset is local clock − true time at the start.
	Offset time.Duration
	// Drift is the natural frequency error (positive: runs fast); Wander
	// the standard deviation of its random-walk step per second.
	Drift, Wander float64
}

// Window is a span of true time since the start of a run.
type Window struct{ From, To time.Duration }

func (w Window) contains(t time.Duration) bool { return t >= w.From && t < w.To }

// Jump is a sudden change of the local clock that is not the discipline's
// doing (a paused VM, a bad RTC read): By at true time At.
type Jump struct{ At, By time.Duration }

// Scenario is one closed-loop run: a host clock, its servers, and what
// happens to them, with the discipline steering the clock all along.
type Scenario struct {
	Name        string
	Description string
	Duration    time.Duration
	// Poll is the interval between polls of one server, spread by ±10%
	// after a start-up burst of 4 polls 250 ms apart, as the agent does.
	Poll    time.Duration
	Clock   LocalClock
	Servers []Server
	// Outages silence every server at once.
	Outages []Window
	Jumps   []Jump
	// Estimator and Discipline configure the parts under test.
	Estimator  estimator.Config
	Discipline discipline.Config
}

const (
	burst        = 4
	burstSpacing = 250 * time.Millisecond
	pollSpread   = 0.1
	timeout      = time.Second
)

// lanServers are four servers 0.2–0.4 ms away with exponential queueing.
func lanServers() []Server {
	server := func(name string, delay time.Duration) Server {
		return Server{Name: name, Delay: delay, Jitter: 50 * time.Microsecond, RootDispersion: 15 * time.Microsecond}
	}
	return []Server{server("lan-a", 200*time.Microsecond), server("lan-b", 260*time.Microsecond), server("lan-c", 330*time.Microsecond), server("lan-d", 400*time.Microsecond)}
}

// wanServers are four internet servers 8–30 ms away with heavy-tailed
// queueing and 5% loss.
func wanServers() []Server {
	server := func(name string, delay time.Duration) Server {
		return Server{Name: name, Delay: delay, Jitter: time.Millisecond, HeavyTail: true, Loss: 0.05, RootDispersion: 500 * time.Microsecond}
	}
	return []Server{server("wan-a", 8*time.Millisecond), server("wan-b", 12*time.Millisecond), server("wan-c", 20*time.Millisecond), server("wan-d", 30*time.Millisecond)}
}

// Scenario names.
const (
	Converge = "converge"
	Outage   = "outage"
	Slew     = "slew"
	WAN      = "wan"
)

// agentClock is the host clock of the issue: 50 ppm fast, with wander.
func agentClock(offset time.Duration) LocalClock {
	return LocalClock{Offset: offset, Drift: 50e-6, Wander: 2e-9}
}

// Scenarios returns the standard closed-loop scenarios.
func Scenarios() []Scenario {
	const poll = 16 * time.Second
	est := estimator.Config{StaleAfter: 8 * poll}
	disc := discipline.Config{SlewTime: 4 * poll}
	return []Scenario{
		{
			Name: Converge, Description: "1 s initial error, 50 ppm drift with wander, four LAN servers",
			Duration: 3 * time.Hour, Poll: poll, Clock: agentClock(time.Second), Servers: lanServers(),
			Estimator: est, Discipline: disc,
		},
		{
			Name: Outage, Description: "converged, then every server silent for 25 minutes (holdover)",
			Duration: 3 * time.Hour, Poll: poll, Clock: agentClock(time.Second), Servers: lanServers(),
			Outages:   []Window{{From: 90 * time.Minute, To: 115 * time.Minute}},
			Estimator: est, Discipline: disc,
		},
		{
			Name: Slew, Description: "converged, then the clock jumps by 20 ms on its own after the step period",
			Duration: 3 * time.Hour, Poll: poll, Clock: agentClock(time.Second), Servers: lanServers(),
			Jumps:     []Jump{{At: 90 * time.Minute, By: 20 * time.Millisecond}},
			Estimator: est, Discipline: disc,
		},
		{
			Name: WAN, Description: "1 s initial error, 50 ppm drift, four internet servers 8–30 ms away, heavy tail, 5% loss",
			Duration: 3 * time.Hour, Poll: poll, Clock: agentClock(-time.Second), Servers: wanServers(),
			Estimator: est, Discipline: disc,
		},
	}
}
