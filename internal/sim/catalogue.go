package sim

import (
	"time"

	"github.com/clockwatch/clockwatch/ntp"
)

// Scenario names of the catalogue.
const (
	LAN                   = "lan"
	AsymmetricFalseticker = "asymmetric-falseticker"
	WANStep               = "wan-heavy-tail-step"
	LocalStep             = "local-step"
	Holdover              = "holdover"
	ColdStart             = "cold-start"
	Poll16                = "poll-16s"
)

// coldStartDuration is how long the cold-start scenario runs, whatever the
// catalogue's duration: it is about the first seconds.
const coldStartDuration = 10 * time.Minute

// Catalogue returns the standard scenarios, each running for duration
// (except cold start, which is about its first minutes). Steps and outages
// sit at fixed shares of the duration.
func Catalogue(duration time.Duration) []Scenario {
	at := func(share float64) time.Duration { return time.Duration(share * float64(duration)) }
	lan := lanServers()
	scenarios := []Scenario{
		{Name: LAN, Clock: LocalClock{Offset: 3 * time.Millisecond, Drift: 12e-6, Wander: 1e-9}, Servers: lan},
		{Name: AsymmetricFalseticker, Clock: LocalClock{Offset: -8 * time.Millisecond, Drift: -20e-6, Wander: 1e-9}, Servers: asymmetricServers()},
		{
			Name:           WANStep,
			Clock:          LocalClock{Offset: 15 * time.Millisecond, Drift: 25e-6, Wander: 1e-9},
			Servers:        wanServers(),
			ReferenceSteps: []Step{{At: at(0.5), By: 30 * time.Millisecond}},
		},
		{
			Name:    LocalStep,
			Clock:   LocalClock{Offset: 1 * time.Millisecond, Drift: 5e-6, Wander: 1e-9, Steps: []Step{{At: at(1.0 / 3), By: -30 * time.Millisecond}, {At: at(2.0 / 3), By: 30 * time.Millisecond}}},
			Servers: lan,
		},
		{
			Name:    Holdover,
			Clock:   LocalClock{Offset: 2 * time.Millisecond, Drift: -7e-6, Wander: 1e-9},
			Servers: lan,
			Outages: []Window{{From: at(0.5), To: at(0.5) + 25*time.Minute}},
		},
		{Name: ColdStart, Duration: coldStartDuration, Clock: LocalClock{Offset: 180 * time.Millisecond, Drift: 150e-6, Wander: 1e-9}, Servers: lan},
		{Name: Poll16, Poll: 16 * time.Second, Clock: LocalClock{Offset: -4 * time.Millisecond, Drift: 30e-6, Wander: 1e-9}, Servers: lan},
	}
	for i := range scenarios {
		sc := &scenarios[i]
		if sc.Duration == 0 {
			sc.Duration = duration
		}
		sc.Burst, sc.Spread, sc.Precision = ntp.DefaultBurst, ntp.DefaultPollSpread, 30*time.Nanosecond
	}
	return scenarios
}

// Find returns the scenario of the catalogue with that name.
func Find(duration time.Duration, name string) (Scenario, bool) {
	for _, sc := range Catalogue(duration) {
		if sc.Name == name {
			return sc, true
		}
	}
	return Scenario{}, false
}

// stratum1 is a primary server: stratum 1, no root delay, a small root
// dispersion (a chronyd with a local reference advertises none at all).
func stratum1(name string, p Path) Server {
	return Server{
		Name: name, Path: p, Stratum: 1,
		RootDispersion: 15 * time.Microsecond,
		Precision:      30 * time.Nanosecond,
		Processing:     20 * time.Microsecond,
	}
}

// lanServers are four servers 0.2–0.4 ms away with exponential jitter.
func lanServers() []Server {
	jitter := Jitter{Kind: Exponential, Mean: 50 * time.Microsecond}
	return []Server{
		stratum1("lan-a", Path{Delay: 200 * time.Microsecond, Jitter: jitter}),
		stratum1("lan-b", Path{Delay: 260 * time.Microsecond, Jitter: jitter}),
		stratum1("lan-c", Path{Delay: 330 * time.Microsecond, Jitter: jitter}),
		stratum1("lan-d", Path{Delay: 400 * time.Microsecond, Jitter: jitter}),
	}
}

// asymmetricServers are four honest servers 1–3 ms away whose paths are
// lopsided both ways, and one falseticker 6 ms ahead.
func asymmetricServers() []Server {
	jitter := Jitter{Kind: Exponential, Mean: 150 * time.Microsecond}
	liar := stratum1("liar", Path{Delay: 1500 * time.Microsecond, Jitter: jitter})
	liar.Error = 6 * time.Millisecond
	return []Server{
		stratum1("asym-a", Path{Delay: 1 * time.Millisecond, Outbound: 0.3, Jitter: jitter}),
		stratum1("asym-b", Path{Delay: 1600 * time.Microsecond, Outbound: 0.65, Jitter: jitter}),
		stratum1("asym-c", Path{Delay: 2200 * time.Microsecond, Outbound: 0.4, Jitter: jitter}),
		stratum1("asym-d", Path{Delay: 3 * time.Millisecond, Outbound: 0.7, Jitter: jitter}),
		liar,
	}
}

// wanServers are four servers 4–9 ms away with heavy-tailed jitter and 5%
// loss.
func wanServers() []Server {
	jitter := Jitter{Kind: Pareto, Mean: time.Millisecond, Shape: 1.5}
	path := func(delay time.Duration, outbound float64) Path {
		return Path{Delay: delay, Outbound: outbound, Jitter: jitter, Loss: 0.05}
	}
	return []Server{
		stratum1("wan-a", path(4*time.Millisecond, 0.45)),
		stratum1("wan-b", path(5500*time.Microsecond, 0.55)),
		stratum1("wan-c", path(7*time.Millisecond, 0.4)),
		stratum1("wan-d", path(9*time.Millisecond, 0.6)),
	}
}
