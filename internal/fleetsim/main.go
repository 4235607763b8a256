package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}

// execute runs the simulator with args and returns the exit status.
func execute(args []string, stdout, stderr io.Writer) int {
	sc, serve, progress, err := parseFlags(args, stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		fmt.Fprintln(stderr, err)
		return 2
	}
	began := time.Now()
	var r Result
	if serve == "" {
		w := newWorld(sc)
		w.progress, w.progressOut = progress, stderr
		r = w.run()
	} else {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if r, err = newWorld(sc).serve(ctx, serve, stdout); err != nil && ctx.Err() == nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	simulated := time.Duration(sc.Rounds) * sc.Poll
	fmt.Fprintf(stdout, "fleetsim: %d hosts, %v simulated (%d rounds of %v) in %v\n", sc.Hosts, simulated, sc.Rounds, sc.Poll, time.Since(began).Round(time.Millisecond))
	fmt.Fprintf(stdout, "mesh inference: named %d of %d faulty hosts, at most %d rounds after they were %v off; %d healthy hosts named\n",
		r.Detected, r.Faulty, r.MaxDetectionRounds, offBy, r.FalsePositives)
	fmt.Fprintf(stdout, "agents' own outlier rule: flagged %d of %d faulty hosts; %d healthy hosts flagged themselves\n",
		r.OutlierRuleDetected, r.Faulty, r.OutlierRuleFalsePositives)
	line, _ := json.Marshal(r)
	fmt.Fprintf(stdout, "%s\n", line)
	return 0
}

// parseFlags reads the scenario from the command line, the address to
// serve the agents' metrics at (empty: run in virtual time), and how much
// simulated time passes between the scores printed on the way (zero:
// none).
func parseFlags(args []string, stderr io.Writer) (sc Scenario, serve string, progress time.Duration, err error) {
	sc = DefaultScenario()
	fs := flag.NewFlagSet("fleetsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: go run ./internal/fleetsim [flags]\n\n%s\n\nFlags:\n", usage)
		fs.PrintDefaults()
	}
	f, t := &sc.Faults, &sc.Topology
	fs.IntVar(&sc.Hosts, "hosts", sc.Hosts, "hosts in the fleet, each running an agent")
	fs.Uint64Var(&sc.Seed, "seed", sc.Seed, "seed of every random draw: the same seed gives the same run")
	fs.IntVar(&sc.Rounds, "rounds", sc.Rounds, "poll rounds to simulate; the agents are scraped and the mesh inferred after each")
	fs.DurationVar(&sc.Poll, "poll", sc.Poll, "the agents' poll interval: one round")
	fs.IntVar(&sc.Peers, "peers", sc.Peers, "peers each agent measures at once (--peers.sample)")
	fs.DurationVar(&sc.Rotate, "rotate", sc.Rotate, "how often each agent swaps a quarter of its peers (--peers.rotate-interval)")
	fs.DurationVar(&sc.Threshold, "threshold", sc.Threshold, "the agents' --peers.max-offset and the inference's threshold")
	fs.IntVar(&f.Round, "fault-round", f.Round, "the round in whose middle every fault begins")
	fs.IntVar(&f.Stagger, "fault-stagger", f.Stagger, "begin each faulty, drifting or stopped host, each bad or rerouted rack and the bad upstream server in the middle of its own round, drawn from --fault-round to --fault-round plus this (0: every fault at once)")
	fs.IntVar(&f.Hosts, "faulty-hosts", f.Hosts, "hosts whose clock steps by --fault-offset, ahead or behind")
	fs.DurationVar(&f.Offset, "fault-offset", f.Offset, "how far the faulty hosts step")
	fs.IntVar(&f.DriftingHosts, "drifting-hosts", f.DriftingHosts, "hosts whose clock starts drifting by --fault-drift")
	fs.Float64Var(&f.Drift, "fault-drift", f.Drift, "the drifting hosts' frequency error, as a ratio (50e-6: 50 ppm)")
	fs.IntVar(&f.Racks, "bad-racks", f.Racks, "racks whose PTP grandmaster goes bad: every host of them steps by --rack-offset")
	fs.DurationVar(&f.RackOffset, "rack-offset", f.RackOffset, "how far a bad rack steps")
	fs.DurationVar(&f.Upstream, "bad-upstream", f.Upstream, "error of one upstream NTP server: the hosts whose time daemon follows it step by it")
	fs.IntVar(&f.RouteRacks, "route-change-racks", f.RouteRacks, "racks whose uplinks detour by --detour one way: every path out of them turns asymmetric")
	fs.DurationVar(&f.Detour, "detour", f.Detour, "the one-way detour of a rerouted rack")
	fs.Float64Var(&f.PeersDown, "peers-down", f.PeersDown, "share of the agents that stop answering and exporting")
	fs.IntVar(&t.RackSize, "rack-size", t.RackSize, "hosts per rack")
	fs.IntVar(&t.Spines, "spines", t.Spines, "spine switches")
	fs.IntVar(&t.Upstreams, "upstreams", t.Upstreams, "upstream NTP servers; each host's time daemon follows one")
	fs.IntVar(&t.Servers, "servers", t.Servers, "upstream servers each agent polls")
	fs.Float64Var(&t.Loss, "loss", t.Loss, "share of exchanges lost")
	fs.DurationVar(&progress, "progress", 0, "print the score so far to stderr, as a JSON line, every this much simulated time (a long run cut short still shows how far it got)")
	fs.StringVar(&serve, "serve", "", "run in real time and serve every agent's metrics at this address (HOST:PORT), as /agents/HOST/metrics, with Prometheus targets at /targets.json")
	if err := fs.Parse(args); err != nil {
		return sc, "", 0, err
	}
	if fs.NArg() > 0 {
		return sc, "", 0, fmt.Errorf("fleetsim: unexpected argument %q (flags only; --help lists them)", fs.Arg(0))
	}
	if progress < 0 {
		return sc, "", 0, fmt.Errorf("fleetsim: --progress %v must not be negative", progress)
	}
	return sc, serve, progress, sc.Validate()
}

const usage = `Simulates a fleet of clockwatch agents in virtual time on the agent's own
code (peer sampling and rotation, the NTP exchange, the estimator, the
outlier rule), injects faults, infers from the pairwise offsets the agents
export which hosts are off (package mesh), and prints, last, one JSON line:
{"hosts":N,"faulty":F,"detected":D,"max_detection_rounds":R,"false_positives":P,"peers_per_host":K,...}`
