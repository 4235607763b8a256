// Command footprint measures the agent's cost beside chronyd's: it runs
// `clockwatch run` and `chronyd -x` (measure only) side by side against the
// same three chronyd servers on loopback (127.0.0.1, .2 and .3: chronyd
// takes one server per address), both polling each every second, and
// samples the resident memory and the CPU time of each every 10 s. It
// prints every sample and, last, the ratios clockwatch/chronyd and whether
// the agent is within its budget: 12 MiB of peak resident memory and twice
// chronyd's CPU time.
//
//	go run ./hack/bench/footprint                        # as root, from the repository root; 10 minutes
//	go run ./hack/bench/footprint -duration 2m           # shorter
//	go run ./hack/bench/footprint -clockwatch ./old-bin  # measure another build
//	go run ./hack/bench/footprint -scrape 15s            # and fetch clockwatch's /metrics every 15 s, as Prometheus would
//
// Without -clockwatch it builds clockwatch as a release does: static
// (CGO_ENABLED=0), stripped, -trimpath.
//
// It needs chronyd (Debian: chrony) and root (chronyd -u root).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"
)

// Budget of the agent (issue 21): peak RSS and CPU time relative to chronyd.
const (
	rssBudget = 12 << 20
	cpuBudget = 2.0
)

// options are the command line.
type options struct {
	duration, every time.Duration
	servers         int
	clockwatch      string
	// scrape is the time between two fetches of clockwatch's /metrics;
	// 0: none.
	scrape time.Duration
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Minute, "how long both clients run")
	flag.DurationVar(&o.every, "every", 10*time.Second, "time between samples")
	flag.IntVar(&o.servers, "servers", 3, "chronyd servers on loopback that both clients poll every second")
	flag.StringVar(&o.clockwatch, "clockwatch", "", "clockwatch binary to measure (default: build ./cmd/clockwatch as a release does)")
	flag.DurationVar(&o.scrape, "scrape", 0, "fetch clockwatch's /metrics this often, as a Prometheus server would (0: never; chronyd has no counterpart)")
	flag.Parse()
	if o.servers < 1 || o.servers > 254 {
		fmt.Fprintf(os.Stderr, "footprint: -servers %d: want 1 to 254 (one loopback address each)\n", o.servers)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "footprint:", err)
		os.Exit(1)
	}
}

// run starts the servers and both clients, samples them until the
// duration is over, and prints the result.
func run(ctx context.Context, o options) error {
	l, err := newLab(ctx, o.clockwatch)
	if err != nil {
		return err
	}
	defer l.close()
	servers, err := l.startServers(o.servers)
	if err != nil {
		return err
	}
	clients, err := l.startClients(servers)
	if err != nil {
		return err
	}
	fmt.Printf("clockwatch %s and chronyd -x, %d servers on loopback, 1 s polling, %v, a sample every %v",
		l.clockwatch, len(servers), o.duration, o.every)
	if o.scrape > 0 {
		fmt.Printf(", clockwatch's /metrics fetched every %v", o.scrape)
		go scrape(ctx, "http://"+l.webAddress+"/metrics", o.scrape)
	}
	fmt.Print("\n\n")
	series, err := sample(ctx, clients, o.duration, o.every)
	if err != nil {
		return err
	}
	report(os.Stdout, series)
	return nil
}
