// Command fleetsim simulates a fleet of clockwatch agents, thousands of
// hosts in virtual time, on the agent's own code, and scores how the mesh
// of peers names the hosts that are off.
//
//	go run ./internal/fleetsim --hosts N --seed S --faulty-hosts F --fault-offset DURATION --rounds R
//
// ends with one JSON line, issue 19's contract (more fields follow):
//
//	{"hosts":N,"faulty":F,"detected":D,"max_detection_rounds":R,"false_positives":P,"peers_per_host":K,...}
//
// # The world
//
// Hosts sit in racks of 40 behind a top-of-rack switch; racks are joined
// by 4 spines, each flow and direction hashed onto one (ECMP). Every host
// link and rack uplink has its own one-way delay per direction, so paths
// are asymmetric; queueing is exponential within a rack and heavy-tailed
// (Pareto) across the fabric, and 0.1% of exchanges are lost. Each host's
// clock is kept near true time by its time daemon: a constant error of
// about 15 µs and a slow wave of up to 10 µs; the daemon follows one of 4
// upstream NTP servers. The paths and jitter are package sim's, and the
// events run from its Queue, the one the estimator's and the discipline's
// simulations run from.
//
// # The agents
//
// Every host runs an agent made of the agent's parts: an estimator
// configured as the agent configures it (internal/agent.Config), 2
// upstream servers and a peer sample (ntp.PeerSample, 8 peers drawn from
// the whole fleet, a quarter swapped every 5 minutes) polled on the
// agent's schedule (ntp.PollConfig.Wait: a start-up burst, 16 s ± 10%,
// back-off while a peer is silent); every poll is a real exchange: the
// client's request, the real responder's reply stamped by the answering
// host's clock (ntp.Responder.Reply), and the client's own validation and
// maths (ntp.Exchange.Sample). Discovery always returns the whole fleet, so
// its refreshes, which change nothing then, are not run.
//
// After every poll interval (a round) each agent is scraped, as
// Prometheus scrapes it: its estimate, its own outlier rule (ntp.PeerView)
// and the pairwise offsets, errors and round trips it exports; mesh.Infer,
// through a mesh.History that carries each path's round trip from one
// round to the next, names the hosts that are off from those alone.
//
// # Faults
//
// From the middle of --fault-round: single hosts step (--faulty-hosts,
// --fault-offset) or drift (--drifting-hosts, --fault-drift); whole racks
// step (--bad-racks: a bad PTP grandmaster); one upstream server lies and
// the hosts that follow it step with it (--bad-upstream); racks' uplinks
// detour one way (--route-change-racks, --detour); agents stop
// (--peers-down). With --fault-stagger N each of them (each host, each
// rack, the upstream server) begins in the middle of its own round instead,
// drawn from the seed between --fault-round and N rounds later, as
// independent faults do: a route change and a clock step then rarely fall
// in the same poll interval. A host is faulty from its fault on; a detection counts
// the rounds from when the host was 1 ms off to the first scrape that
// named it, and a host named while healthy is a false positive. The
// agents' own rule is scored the same way, for comparison.
//
// What one agent costs is scored too, to show that it does not grow with
// the fleet: the exchanges an agent starts per round, the requests the
// busiest responder answers per round, and the most clockwatch_* series an
// agent exports (polls_per_host_round, max_answered_per_host_round,
// series_per_host); TestPerAgentCostIndependentOfFleetSize compares them
// at 100 and 2,000 hosts.
//
// The same seed always gives the same run. 1,000 hosts for 12 rounds take
// a few seconds; TestFaults runs every fault so on a fixed seed. A round's
// inference runs beside the next round's events, and the agents'
// estimators take their observations and are scraped side by side at each
// round, so a run uses a second core when there is one; the verdicts are
// the same. --progress DURATION prints the score so far to stderr every so
// much simulated time (series_per_host is counted at the last round
// only, so it reads 0 until then).
//
// # Serving the fleet to Prometheus
//
// With --serve HOST:PORT the run goes in real time instead, one simulated
// second a second, and every agent's metrics are served, made by the
// agent's own collectors from its estimate (rendered once a round and
// served as rendered until the next, so that serving costs little beside
// the Prometheus that scrapes it), at /agents/HOST/metrics, with
// the Prometheus file_sd targets of them all at /targets.json (instance
// is each agent's address on port 9896, so peers name instances).
// hack/bench/promfleet measures a real Prometheus scraping them.
package main
