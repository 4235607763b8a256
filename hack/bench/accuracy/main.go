// Command accuracy runs clockwatch and chronyd side by side against the same
// real NTP servers over the same emulated network, and prints how close
// each client's offset is to the truth, how often its error bound holds,
// and how far that bound is from the physical limit (half the width of the
// region the honest servers' minimum delays leave: the narrowest bound any
// client can prove).
// For clockwatch it scores its offset interval (offset_interval in
// /api/v1/status: the region the sources agree holds the truth, narrower
// than offset ± bound when the estimate sits off its centre) as a bound of
// its own too: coverage and mean half-width.
//
// The reference servers are chronyd processes (local stratum 1) whose clocks
// libfaketime shifts by a known offset and rate. A shim from hack/netem/shim
// makes them stamp packets on that shifted clock too: by default it moves
// the kernel's timestamps onto it, so the servers keep kernel accuracy;
// with -server-stamps=user it refuses kernel timestamps instead and chronyd
// stamps in user space, which makes every measurement of every client a few
// tens of microseconds off.
// Between the clients and each server sits a hack/netem relay with the
// scenario's delay, jitter, asymmetry and loss (taken from the simulator's
// catalogue, so the two mean the same thing). What happens in a scenario
// happens for real (events.go): outages make every relay drop everything,
// route changes change a relay's delays, a step of the local clock's
// frequency or a server whose frequency walks away restarts the servers'
// chronyd with the next rate. The clients are chronyd -x, which measures
// without touching the clock (its `chronyc tracking` System time is its
// offset estimate, its bound root delay/2 + root dispersion), and
// `clockwatch run`, read from GET /api/v1/status. Both poll as the
// scenario says (every second; 64 s in the long outages) with the same
// wander allowance; both are read every second; the true offset follows
// from the servers' configured shift.
//
// Run as root (chronyd wants it), from the repository root:
//
//	go run ./hack/bench/accuracy                       # every scenario, 10 min each (the long outages 2 h 30 min)
//	go run ./hack/bench/accuracy -duration 3m lan      # one scenario
//	go run ./hack/bench/accuracy -outage-after 40m outage-64s   # a long outage after 40 min of polls, not 2 h
//	go run ./hack/bench/accuracy -check                # servers only: does chronyd measure the shift?
//
// It needs chronyd, chronyc, gcc and libfaketime (Debian: chrony,
// build-essential, libfaketime). The relay holds packets with real-time
// priority when it may (root), which keeps its delays accurate on a busy
// machine; it adds -floor to each direction of every path, because a
// datagram reaches it up to a few hundred microseconds after the kernel
// stamped its arrival, more so towards the server than back, and only a
// hold longer than that is exact both ways.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	opts := options{}
	flag.DurationVar(&opts.duration, "duration", 10*time.Minute, "how long each scenario runs")
	flag.DurationVar(&opts.outageAfter, "outage-after", 0, "how long the long-outage scenarios (outage-64s, thermal-step) poll before their outage; 0: two hours, as in the simulator")
	flag.DurationVar(&opts.warmup, "warmup", time.Minute, "how long after the start readings are not scored (both clients converge)")
	flag.StringVar(&opts.clockwatch, "clockwatch", "", "clockwatch binary (default: go build ./cmd/clockwatch)")
	flag.StringVar(&opts.faketime, "libfaketime", "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1", "libfaketime shared object")
	flag.Uint64Var(&opts.seed, "seed", 1, "seed of the emulated network")
	flag.DurationVar(&opts.floor, "floor", 300*time.Microsecond, "delay added to each direction of every path: the relay forwards exactly on time, and the same both ways, only when it holds a datagram longer than the kernel takes to hand it over")
	flag.BoolVar(&opts.check, "check", false, "only check that a chronyd client measures the servers' configured shift")
	flag.StringVar(&opts.serverStamps, "server-stamps", "kernel", "how the servers stamp packets: kernel (kernel timestamps moved onto the shifted clock) or user (kernel timestamps refused, chronyd stamps in user space, a few tens of µs late)")
	flag.BoolVar(&opts.keep, "keep", false, "keep the work directory (configurations, logs, readings)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: accuracy [flags] [scenario...]\n\nscenarios: %s\n\n", scenarioNames())
		flag.PrintDefaults()
	}
	flag.Parse()
	opts.scenarios = flag.Args()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "accuracy:", err)
		os.Exit(1)
	}
}
