package tracegen

import "time"

// Scenarios are the named cases that trace correction is judged on, each
// with traces traces. Between them they cover clocks off by less and by
// more than the network delays, drifting clocks, bounds wider than the
// delays, a host without an agent, and fire-and-forget messages where
// causality alone points the wrong way.
func Scenarios(traces int) []Scenario {
	const us, ms = time.Microsecond, time.Millisecond
	return []Scenario{{
		Name: "lan-skew-below-delays", Seed: 1, Traces: traces,
		Hosts: []Host{
			{Name: "web-1", Offset: 120 * us, ErrorBound: 20 * us},
			{Name: "api-1", Offset: -250 * us, ErrorBound: 15 * us},
			{Name: "api-2", Offset: 300 * us, ErrorBound: 25 * us},
			{Name: "db-1", Offset: -80 * us, ErrorBound: 10 * us},
		},
	}, {
		Name: "wan-large-skew", Seed: 2, Traces: traces,
		MinDelay: 2 * ms, MaxDelay: 20 * ms,
		Hosts: []Host{
			{Name: "eu-1", Offset: 35 * ms, DriftPPM: 12, ErrorBound: 500 * us},
			{Name: "us-1", Offset: -42 * ms, DriftPPM: -20, ErrorBound: 800 * us},
			{Name: "ap-1", Offset: 8 * ms, DriftPPM: 5, ErrorBound: 300 * us},
			{Name: "eu-2", Offset: -15 * ms, DriftPPM: 0, ErrorBound: 400 * us},
			{Name: "us-2", Offset: 27 * ms, DriftPPM: -7, ErrorBound: 600 * us},
		},
	}, {
		Name: "drifting-clocks", Seed: 3, Traces: traces,
		Spread: time.Hour, MeasurementInterval: 64 * time.Second,
		Hosts: []Host{
			{Name: "node-1", Offset: 2 * ms, DriftPPM: 80, ErrorBound: 200 * us},
			{Name: "node-2", Offset: -1 * ms, DriftPPM: -60, ErrorBound: 150 * us},
			{Name: "node-3", Offset: 500 * us, DriftPPM: 35, ErrorBound: 250 * us},
			{Name: "node-4", Offset: 0, DriftPPM: -90, ErrorBound: 100 * us},
		},
	}, {
		Name: "fire-and-forget", Seed: 4, Traces: traces, AsyncShare: 0.5,
		Hosts: []Host{
			{Name: "orders", Offset: 1500 * us, ErrorBound: 40 * us},
			{Name: "billing", Offset: -2 * ms, ErrorBound: 60 * us},
			{Name: "mailer", Offset: 700 * us, ErrorBound: 30 * us},
			{Name: "audit", Offset: -900 * us, ErrorBound: 50 * us},
		},
	}, {
		Name: "bounds-wider-than-delays", Seed: 5, Traces: traces,
		MinDelay: 20 * us, MaxDelay: 150 * us,
		Hosts: []Host{
			{Name: "rack1-a", Offset: 4 * ms, ErrorBound: 400 * us},
			{Name: "rack1-b", Offset: -3 * ms, ErrorBound: 300 * us},
			{Name: "rack2-a", Offset: 5 * ms, ErrorBound: 500 * us},
			{Name: "rack2-b", Offset: -6 * ms, ErrorBound: 350 * us},
		},
	}, {
		Name: "one-host-unmeasured", Seed: 6, Traces: traces, AsyncShare: 0.2,
		Hosts: []Host{
			{Name: "gw", Offset: 3 * ms, ErrorBound: 50 * us},
			{Name: "cart", Offset: -2 * ms, ErrorBound: 40 * us},
			{Name: "stock", Offset: 8 * ms, Unmeasured: true},
			{Name: "pay", Offset: -4 * ms, ErrorBound: 60 * us},
		},
	}}
}
