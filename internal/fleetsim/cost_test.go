package main

import (
	"math"
	"testing"
)

// TestPerAgentCostIndependentOfFleetSize runs fleets of 100 and 2,000
// agents on the same seed: one agent measures as many peers, starts as
// many exchanges and exports as many series in both, and the busiest
// responder answers about as many peers (the most of n draws of k peers
// grows only as log n / log log n).
func TestPerAgentCostIndependentOfFleetSize(t *testing.T) {
	run := func(hosts int) Result {
		sc := DefaultScenario()
		sc.Hosts, sc.Seed, sc.Rounds, sc.Faults = hosts, 7, 8, Faults{Round: 4}
		// A lost exchange adds a series (samples by result "timeout") to
		// an agent that saw one: more agents, more likely one did.
		sc.Topology.Loss = 0
		return newWorld(sc).run()
	}
	small, large := run(100), run(2000)
	t.Logf("per agent at 100 and 2,000 hosts: %d and %d peers, %.2f and %.2f exchanges a round, %d and %d series; the busiest responder answered %.2f and %.2f requests a round",
		small.PeersPerHost, large.PeersPerHost, small.PollsPerHostRound, large.PollsPerHostRound,
		small.SeriesPerHost, large.SeriesPerHost, small.MaxAnsweredPerHostRound, large.MaxAnsweredPerHostRound)
	if small.SeriesPerHost <= 0 || small.SeriesPerHost != large.SeriesPerHost {
		t.Errorf("series per agent: %d at 100 hosts, %d at 2,000; want the same", small.SeriesPerHost, large.SeriesPerHost)
	}
	if small.PeersPerHost != large.PeersPerHost {
		t.Errorf("peers per agent: %d at 100 hosts, %d at 2,000; want the same", small.PeersPerHost, large.PeersPerHost)
	}
	if d := math.Abs(large.PollsPerHostRound/small.PollsPerHostRound - 1); d > 0.02 {
		t.Errorf("exchanges per agent and round: %.2f at 100 hosts, %.2f at 2,000; want within 2%%", small.PollsPerHostRound, large.PollsPerHostRound)
	}
	if large.MaxAnsweredPerHostRound > 1.5*small.MaxAnsweredPerHostRound {
		t.Errorf("busiest responder: %.2f requests a round at 100 hosts, %.2f at 2,000; want at most 1.5 times", small.MaxAnsweredPerHostRound, large.MaxAnsweredPerHostRound)
	}
}
