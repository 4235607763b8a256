package main

import (
	"math"
	"net/netip"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/exporters"
	"github.com/clockwatch/clockwatch/ntp"
	"github.com/prometheus/client_golang/prometheus"
)

// cost is what the agents spend, to show that one agent's share does not
// grow with the fleet: the exchanges each makes and answers, and the
// series each exports.
type cost struct {
	// polls counts the exchanges the agents started, agentRounds the
	// rounds the agents ran (one per running agent and round).
	polls, agentRounds int
	// answered counts the peer requests each host's responder answered.
	answered []int
	// series is the most series one agent exported at a scrape.
	series int
}

// perHost is the cost as Result reports it: the exchanges an agent
// starts per round, the peer requests the busiest responder answered per
// round, and the most series an agent exports.
func (c *cost) perHost(rounds int) (polls, answered float64, series int) {
	if c.agentRounds > 0 {
		polls = hundredths(float64(c.polls) / float64(c.agentRounds))
	}
	most := 0
	for _, n := range c.answered {
		most = max(most, n)
	}
	if rounds > 0 {
		answered = hundredths(float64(most) / float64(rounds))
	}
	return polls, answered, c.series
}

// hundredths rounds x to two decimals.
func hundredths(x float64) float64 { return math.Round(x*100) / 100 }

// agentRegistry is the registry of an agent's own collectors of
// clockwatch_* series (the process' and Go's are the same for every
// agent): its estimate as current returns it, its peers' view against
// maxOffset, and its responder's counters and address.
func agentRegistry(h int, current func() estimator.Estimate, maxOffset time.Duration, stats func() ntp.ResponderStats) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(exporters.NewCollector(current), exporters.NewPeerCollector(current, maxOffset),
		exporters.NewResponderCollector(stats, []netip.AddrPort{hostAddress(h)}))
	return reg
}

// countSeries counts the clockwatch_* series agent h exports with
// estimate e.
func countSeries(h int, e estimator.Estimate, maxOffset time.Duration) int {
	reg := agentRegistry(h, func() estimator.Estimate { return e }, maxOffset, func() ntp.ResponderStats { return ntp.ResponderStats{} })
	families, _ := reg.Gather() // the agent's collectors never fail; what they gave is counted
	n := 0
	for _, f := range families {
		n += len(f.GetMetric())
	}
	return n
}
