package sim

import (
	"time"

	"github.com/clockwatch/clockwatch/estimator"
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
	ShortHoldover         = "holdover-60s"
	RouteChange           = "route-change"
	WalkingServer         = "walking-server"
	LongOutage            = "outage-64s"
	ThermalStep           = "thermal-step"
	// StableOutage is outage-64s with a local clock whose frequency does
	// not wander: what the side-by-side bench runs, whose reference
	// servers' clocks are this machine's shifted by a constant rate.
	StableOutage = "outage-64s-stable"
)

// coldStartDuration is how long the cold-start scenario runs, whatever the
// catalogue's duration: it is about the first seconds.
const coldStartDuration = 10 * time.Minute

// The long-outage scenarios: two hours of 64 s polls, then every server
// silent for 15 minutes, then 15 minutes more.
const (
	longOutagePoll     = 64 * time.Second
	longOutageFrom     = 2 * time.Hour
	longOutageLength   = 15 * time.Minute
	longOutageDuration = longOutageFrom + 2*longOutageLength
)

// thermalStep is how much the local clock's frequency changes at the
// thermal-step scenario's outage, and thermalWander the wander allowance
// its operator configures for a clock known to do that, with a margin.
const (
	thermalStep   = 2e-6
	thermalWander = 2.5e-6
)

// walk is how fast the walking server's frequency runs away: 1 ppm in 10
// minutes.
const walk = 1e-6 / 600

// Catalogue returns the standard scenarios, each running for duration
// (except cold start, which is about its first minutes, and the long
// outages, which are about two hours of history). Steps, outages and route
// changes sit at fixed shares of the duration.
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
		{
			Name:    ShortHoldover,
			Clock:   LocalClock{Offset: -1 * time.Millisecond, Drift: 30e-6, Wander: 1e-9},
			Servers: lan,
			Outages: []Window{{From: at(0.5), To: at(0.5) + time.Minute}},
		},
		{Name: RouteChange, Clock: LocalClock{Offset: 2 * time.Millisecond, Drift: -9e-6, Wander: 1e-9}, Servers: routeChangeServers(at(0.5))},
		{Name: WalkingServer, Clock: LocalClock{Offset: time.Millisecond, Drift: 3e-6, Wander: 1e-9}, Servers: walkingServers(at(0.2))},
		longOutage(LongOutage, 0),
		longOutage(ThermalStep, thermalStep),
		stableOutage(),
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

// longOutage is two hours of 64 s polls of the LAN servers, then 15
// minutes of silence, at whose start the local clock's frequency changes
// by step. A clock that may change so is configured with a wander
// allowance that covers it. The estimator is configured as the agent
// configures it for 64 s polls.
func longOutage(name string, step float64) Scenario {
	sc := Scenario{
		Name: name, Duration: longOutageDuration, Poll: longOutagePoll,
		Clock:   LocalClock{Offset: 3 * time.Millisecond, Drift: -15e-6, Wander: 1e-9},
		Servers: lanServers(),
		Outages: []Window{{From: longOutageFrom, To: longOutageFrom + longOutageLength}},
		Config:  estimator.Config{StaleAfter: 8 * longOutagePoll},
	}
	if step != 0 {
		sc.Clock.FrequencySteps = []FrequencyStep{{At: longOutageFrom, By: step}}
		sc.Config.Wander = thermalWander
	}
	return sc
}

// stableOutage is outage-64s with a local clock whose frequency does not
// wander. Every other scenario's clock walks by 1e-9 per √s, 0.06 ppm in
// an hour, as an ordinary crystal does; on the side-by-side bench the
// reference servers' clocks are this machine's own, shifted by a constant
// offset and rate (libfaketime), so the true offset is a straight line and
// old samples stay as good as new ones. This is the scenario where that
// matters most: at 64 s polls a memory of a few samples holds little.
func stableOutage() Scenario {
	sc := longOutage(StableOutage, 0)
	sc.Clock.Wander = 0
	return sc
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

// routeChangeServers are the LAN servers; at the given time the route to
// the nearest one changes, and its outbound minimum delay grows by 300 µs.
func routeChangeServers(at time.Duration) []Server {
	servers := lanServers()
	p := servers[0].Path
	out, back := time.Duration(float64(p.Delay)*p.OutboundShare()), time.Duration(float64(p.Delay)*(1-p.OutboundShare()))
	out += 300 * time.Microsecond
	p.Delay, p.Outbound = out+back, float64(out)/float64(out+back)
	servers[0].Routes = []Route{{At: at, Path: p}}
	return servers
}

// walkingServers are the LAN servers and a fifth whose frequency runs
// away from the given time on (walk).
func walkingServers(from time.Duration) []Server {
	servers := lanServersAndOne()
	walker := &servers[len(servers)-1]
	walker.Name, walker.Walk, walker.WalkFrom = "walker", walk, from
	return servers
}

// lanServersAndOne is lanServers plus a fifth server, so that two faulty
// servers leave an honest majority of three.
func lanServersAndOne() []Server {
	return append(lanServers(), stratum1("lan-e", Path{Delay: 300 * time.Microsecond, Jitter: Jitter{Kind: Exponential, Mean: 50 * time.Microsecond}}))
}
