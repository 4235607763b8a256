// Command promfleet measures the Prometheus fleet view at fleet size: a
// real Prometheus (Debian's) scrapes the simulated agents of
// internal/fleetsim (one target per agent, each serving the series the
// agent's own collectors make, rendered once a round so that serving
// 10,000 of them takes little of the machine: the sampled CPU of the
// served fleet shows how little), loads the project's recording and
// alerting rules
// (deploy/prometheus), and is measured while it runs: each rule group's
// evaluation time against its interval, Prometheus' memory and series,
// then the query time of every panel of the dashboards (deploy/grafana),
// run as Grafana runs them, and last clockwatch-mesh's inference from the
// pairwise offsets in Prometheus (it should name the simulated fleet's
// hosts that are 10 ms off: one in 1,000).
//
//	go run ./hack/bench/promfleet --hosts 10000 --duration 30m
//
// The served fleet runs at nice 19 (--fleet-nice): a real fleet's
// exporters run on their own machines and take none of Prometheus' CPU, so
// here the fleet gets only what Prometheus leaves. The report's targets up,
// samples a scrape round and scrape interval p99 show whether it still
// keeps up. The run is a session of its own whose scheduler autogroup has
// nice -10 (--autogroup-nice; root), so that other sessions' nice 19 work,
// which autogroups would otherwise share the machine with as equals, yields
// to it.
//
// With --metric-relabel, Prometheus applies the metric_relabel_configs of
// deploy/prometheus/prometheus.yml's clockwatch job, as recommended there.
//
// Run it from the repository's root. It takes --duration plus a few
// minutes, and at 10,000 agents about two cores and several GB of memory:
// run it deliberately. It prints a report; --json writes it as JSON too.
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

	"github.com/clockwatch/clockwatch/ntp"
)

// options are the command line.
type options struct {
	hosts      int
	duration   time.Duration
	every      time.Duration
	prometheus string
	jsonPath   string
	keep       bool
	repeat     int
	rotate     time.Duration
	relabel    bool
	down       time.Duration
	fleetNice  int
	groupNice  int
}

func main() {
	var o options
	flag.IntVar(&o.hosts, "hosts", 10000, "simulated agents Prometheus scrapes")
	flag.DurationVar(&o.duration, "duration", 30*time.Minute, "how long Prometheus scrapes and evaluates before the dashboards are queried")
	flag.DurationVar(&o.every, "every", 30*time.Second, "how often the rule groups and Prometheus' memory are sampled")
	flag.StringVar(&o.prometheus, "prometheus", "prometheus", "the Prometheus binary (Debian package prometheus)")
	flag.StringVar(&o.jsonPath, "json", "", "also write the report to this file as JSON")
	flag.BoolVar(&o.keep, "keep", false, "keep the working directory (Prometheus' TSDB and configuration)")
	flag.IntVar(&o.repeat, "repeat", 3, "times each panel query runs; the report gives the median")
	flag.DurationVar(&o.rotate, "rotate", ntp.DefaultPeerRotate, "how often each simulated agent swaps a quarter of its peers (--peers.rotate-interval), which renews their series")
	flag.BoolVar(&o.relabel, "metric-relabel", false, "apply the metric_relabel_configs of deploy/prometheus/prometheus.yml's clockwatch job (the series no rule or dashboard reads are dropped)")
	flag.IntVar(&o.fleetNice, "fleet-nice", 19, "the served fleet's nice value: a real fleet's exporters run on their own machines, so the served fleet gets only the CPU Prometheus leaves (0: it competes with Prometheus as an equal, as in the runs before 7 December 2026's second session)")
	flag.IntVar(&o.groupNice, "autogroup-nice", -10, "run in a session of its own whose scheduler autogroup has this nice value, so that other sessions' nice 19 work yields to the measured Prometheus as nice 19 means (0: stay in the caller's session)")
	flag.DurationVar(&o.down, "down", 0, "after the dashboards, stop the served fleet and sample this long with every agent down (0: not at all), to measure the rules when every agent's ClockwatchAgentDown is pending")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.groupNice != 0 {
		if err := ownAutogroup(o.groupNice); err != nil {
			fmt.Fprintln(os.Stderr, "promfleet:", err)
		}
	}
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "promfleet:", err)
		os.Exit(1)
	}
}

// run measures and reports.
func run(ctx context.Context, o options, out io.Writer) error {
	lab, err := startLab(ctx, o)
	if err != nil {
		return err
	}
	defer lab.close()
	fmt.Fprintf(out, "promfleet: %d agents at %s, Prometheus %s at %s; scraping for %v\n", o.hosts, lab.fleetURL, lab.version, lab.promURL, o.duration)
	samples, err := sampleWhile(ctx, lab.prom, lab.fleet.Process.Pid, o.duration, o.every, out)
	if err != nil {
		return err
	}
	panels, err := queryPanels(ctx, lab.prom, o.repeat)
	if err != nil {
		return err
	}
	m := inferFromPrometheus(ctx, lab.promURL)
	var down []sample
	if o.down > 0 {
		fmt.Fprintf(out, "promfleet: the served fleet stopped; every agent is down for %v\n", o.down)
		stop(lab.fleet)
		if down, err = sampleWhile(ctx, lab.prom, lab.fleet.Process.Pid, o.down, o.every, out); err != nil {
			return err
		}
	}
	r := newReport(o, lab, samples, panels, m, down)
	r.print(out)
	if o.jsonPath != "" {
		b, _ := json.MarshalIndent(r, "", "  ")
		if err := os.WriteFile(o.jsonPath, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
