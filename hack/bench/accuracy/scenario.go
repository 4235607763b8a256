package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clockwatch/clockwatch/internal/sim"
)

// scenario is one side-by-side run of a simulator scenario: its servers,
// network paths and local clock, and what happens while it runs
// (reference steps, outages, route changes, frequency steps, a walking
// server; see events).
type scenario struct {
	name string
	sim  sim.Scenario
}

// scenarios returns the runs this benchmark knows, each lasting duration;
// the long outages start after outageAfter instead of the simulator's two
// hours when it is positive.
func scenarios(duration, outageAfter time.Duration) []scenario {
	find := func(name string) sim.Scenario {
		sc, _ := sim.Find(duration, name)
		return sc
	}
	wan := find(sim.WANStep)
	steady := wan
	steady.ReferenceSteps = nil
	return []scenario{
		{name: "lan", sim: find(sim.LAN)},
		{name: "asymmetric-falseticker", sim: find(sim.AsymmetricFalseticker)},
		{name: "wan-heavy-tail-loss", sim: steady},
		{name: "wan-reference-step", sim: wan},
		{name: sim.ShortHoldover, sim: find(sim.ShortHoldover)},
		{name: sim.RouteChange, sim: find(sim.RouteChange)},
		{name: sim.WalkingServer, sim: find(sim.WalkingServer)},
		// Two hours of 64 s polls, whatever -duration says.
		{name: sim.LongOutage, sim: outageAt(find(sim.LongOutage), outageAfter)},
		{name: sim.ThermalStep, sim: outageAt(find(sim.ThermalStep), outageAfter)},
	}
}

// outageAt moves a scenario's one outage, and the frequency steps with it,
// to start after after (if positive), keeping the outage and the time
// after it as long as they were: a long-outage scenario that fits in less
// time than the simulator's two hours of polls before it.
func outageAt(sc sim.Scenario, after time.Duration) sim.Scenario {
	if after <= 0 || len(sc.Outages) != 1 {
		return sc
	}
	by := after - sc.Outages[0].From
	sc.Outages = []sim.Window{{From: after, To: sc.Outages[0].To + by}}
	sc.Duration += by
	steps := slices.Clone(sc.Clock.FrequencySteps)
	for i := range steps {
		steps[i].At += by
	}
	sc.Clock.FrequencySteps = steps
	return sc
}

// pollings describes how the scenarios poll, for the table's heading.
func pollings(scs []scenario) string {
	var slow []string
	for _, sc := range scs {
		if sc.sim.Poll > time.Second {
			slow = append(slow, fmt.Sprintf("%v in %s (%v long)", sc.sim.Poll, sc.name, sc.sim.Duration))
		}
	}
	if len(slow) == 0 {
		return "every 1s"
	}
	return "every 1s (" + strings.Join(slow, ", ") + ")"
}

// scenarioNames lists the known scenarios for the usage text.
func scenarioNames() string {
	var names []string
	for _, sc := range scenarios(time.Minute, 0) {
		names = append(names, sc.name)
	}
	return strings.Join(names, ", ")
}

// pick returns the scenarios named, or all of them (see scenarios).
func pick(duration, outageAfter time.Duration, names []string) ([]scenario, error) {
	all := scenarios(duration, outageAfter)
	if len(names) == 0 {
		return all, nil
	}
	var out []scenario
	for _, name := range names {
		found := false
		for _, sc := range all {
			if sc.name == name {
				out, found = append(out, sc), true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown scenario %q (known: %s)", name, scenarioNames())
		}
	}
	return out, nil
}
