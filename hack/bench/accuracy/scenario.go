package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/clockwatch/clockwatch/internal/sim"
)

// scenario is one side-by-side run: the servers and network paths of a
// simulator scenario, and the reference steps it may have.
type scenario struct {
	name string
	sim  sim.Scenario
}

// scenarios returns the runs this benchmark knows, each lasting duration.
func scenarios(duration time.Duration) []scenario {
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
	}
}

// scenarioNames lists the known scenarios for the usage text.
func scenarioNames() string {
	var names []string
	for _, sc := range scenarios(time.Minute) {
		names = append(names, sc.name)
	}
	return strings.Join(names, ", ")
}

// pick returns the scenarios named, or all of them.
func pick(duration time.Duration, names []string) ([]scenario, error) {
	all := scenarios(duration)
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
