//go:build linux

// Command responder benchmarks clockwatch's peer responder on loopback.
//
//	go run ./hack/bench/responder              # all three, from the repository root
//	go run ./hack/bench/responder -run=compare # one of compare, flood, stamps
//
// compare: replies per second, CPU per reply and latency of `clockwatch
// run --responder.listen-address` against chronyd serving NTP on the same
// machine, the two measured in alternating rounds with the same load
// generator, printed as ratios (clockwatch / chronyd).
//
// flood: 100k requests/s at an agent with the default rate limit, while a
// legitimate peer (127.0.0.1) queries once a second: the peer's samples
// against the truth (offset 0: one kernel clock), the agent's CPU and its
// bytes out per byte in, without a flood, with a flood from another address
// (127.0.0.2) and with one spoofing the peer's own address (127.0.0.1,
// another port), which only the rate limit's leak lets the peer through.
//
// stamps: delay and jitter of loopback exchanges with kernel and with
// user-space timestamps at the client and at the responder.
//
// It needs root only for chronyd, and the Debian package chrony.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	run := flag.String("run", "compare,flood,stamps", "Comma-separated parts to run: compare, flood, stamps.")
	binary := flag.String("clockwatch", "", "clockwatch binary (default: go build ./cmd/clockwatch into a temporary directory).")
	rounds := flag.Int("rounds", 5, "compare: alternating rounds per server.")
	length := flag.Duration("length", 3*time.Second, "compare: length of each throughput run.")
	floodRate := flag.Int("flood.rate", 100000, "flood: requests per second from the flooding source.")
	floodLength := flag.Int("flood.seconds", 20, "flood: seconds (and peer queries) with and without the flood.")
	stampCount := flag.Int("stamps.count", 2000, "stamps: exchanges per combination.")
	flag.BoolVar(&pinning, "pin", true, "Run the servers on CPU 1 and the load generator on the others (taskset), so each server gets a core of its own.")
	flag.Parse()
	if pinning {
		if err := pinSelf(true); err != nil {
			fmt.Fprintln(os.Stderr, "responder benchmark: cannot pin (use -pin=false):", err)
			os.Exit(1)
		}
	}
	if err := bench(strings.Split(*run, ","), *binary, *rounds, *length, *floodRate, *floodLength, *stampCount); err != nil {
		fmt.Fprintln(os.Stderr, "responder benchmark:", err)
		os.Exit(1)
	}
}

// bench runs the chosen parts.
func bench(parts []string, binary string, rounds int, length time.Duration, floodRate, floodSeconds, stampCount int) error {
	dir, err := os.MkdirTemp("", "clockwatch-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if binary == "" && (slices.Contains(parts, "compare") || slices.Contains(parts, "flood")) {
		binary = filepath.Join(dir, "clockwatch")
		build := exec.Command("go", "build", "-o", binary, "./cmd/clockwatch")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build ./cmd/clockwatch (run from the repository root, or give -clockwatch): %w", err)
		}
	}
	for _, part := range parts {
		var err error
		switch part {
		case "compare":
			err = compare(dir, binary, rounds, length)
		case "flood":
			err = floodTest(dir, binary, floodRate, floodSeconds)
		case "stamps":
			err = stamps(stampCount)
		default:
			err = fmt.Errorf("unknown part %q (want compare, flood or stamps)", part)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// serverRun is one server's numbers in one round of compare.
type serverRun struct {
	rate      float64
	cpuShare  float64 // of one core
	cpuPerReq time.Duration
	p50, p99  time.Duration
	pingP50   time.Duration
	pingP99   time.Duration
	stalls    int
}

// compare measures chronyd and the clockwatch responder in alternating
// rounds and prints each one's median and the ratios.
func compare(dir, binary string, rounds int, length time.Duration) error {
	chronydAddr, err := freeUDPPort("127.0.0.1")
	if err != nil {
		return err
	}
	chronyd, err := startChronyd(dir, chronydAddr)
	if err != nil {
		return err
	}
	defer chronyd.stop()
	agentAddr, err := freeUDPPort("127.0.0.1")
	if err != nil {
		return err
	}
	agent, err := startAgent(binary, agentAddr, chronydAddr, "0")
	if err != nil {
		return err
	}
	defer agent.stop()
	servers := []*server{chronyd, agent}
	results := map[string][]serverRun{}
	for round := range rounds {
		for _, s := range servers {
			r, err := measureServer(s, length)
			if err != nil {
				return err
			}
			results[s.name] = append(results[s.name], r)
			fmt.Printf("round %d %-10s %9.0f replies/s  CPU %5.1f%% of a core (%v per reply)  loaded p50 %v p99 %v  ping-pong p50 %v p99 %v  stalls %d\n",
				round+1, s.name, r.rate, 100*r.cpuShare, r.cpuPerReq, r.p50, r.p99, r.pingP50, r.pingP99, r.stalls)
		}
	}
	c, a := medianRun(results["chronyd"]), medianRun(results["clockwatch"])
	fmt.Printf("\nmedian of %d rounds     %12s %12s %10s\n", rounds, "chronyd", "clockwatch", "ratio")
	fmt.Printf("replies/s               %12.0f %12.0f %9.2fx\n", c.rate, a.rate, a.rate/c.rate)
	fmt.Printf("CPU per reply           %12v %12v %9.2fx\n", c.cpuPerReq, a.cpuPerReq, float64(a.cpuPerReq)/float64(c.cpuPerReq))
	fmt.Printf("CPU share (one core)    %11.1f%% %11.1f%% %9.2fx\n", 100*c.cpuShare, 100*a.cpuShare, a.cpuShare/c.cpuShare)
	fmt.Printf("ping-pong latency p50   %12v %12v %9.2fx\n", c.pingP50, a.pingP50, float64(a.pingP50)/float64(c.pingP50))
	fmt.Printf("ping-pong latency p99   %12v %12v %9.2fx\n\n", c.pingP99, a.pingP99, float64(a.pingP99)/float64(c.pingP99))
	return nil
}

// measureServer runs the throughput load (CPU measured over it) and then
// the ping-pong latency load against s.
func measureServer(s *server, length time.Duration) (serverRun, error) {
	before, err := s.cpuTime()
	if err != nil {
		return serverRun{}, err
	}
	load, err := runLoad(loadConfig{server: s.addr, source: netip.MustParseAddr("127.0.0.1"), workers: 2, window: 64, length: length})
	if err != nil {
		return serverRun{}, err
	}
	after, err := s.cpuTime()
	if err != nil {
		return serverRun{}, err
	}
	ping, err := runLoad(loadConfig{server: s.addr, source: netip.MustParseAddr("127.0.0.1"), workers: 1, window: 1, length: time.Second})
	if err != nil {
		return serverRun{}, err
	}
	cpu := after - before
	return serverRun{
		rate: load.rate(), cpuShare: cpu.Seconds() / length.Seconds(), cpuPerReq: cpu / time.Duration(max(load.replies, 1)),
		p50: load.percentile(0.5), p99: load.percentile(0.99), pingP50: ping.percentile(0.5), pingP99: ping.percentile(0.99),
		stalls: load.stalls,
	}, nil
}

// medianRun takes the median of each number over the rounds.
func medianRun(runs []serverRun) serverRun {
	pick := func(f func(serverRun) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return serverRun{
		rate:      pick(func(r serverRun) float64 { return r.rate }),
		cpuShare:  pick(func(r serverRun) float64 { return r.cpuShare }),
		cpuPerReq: time.Duration(pick(func(r serverRun) float64 { return float64(r.cpuPerReq) })),
		pingP50:   time.Duration(pick(func(r serverRun) float64 { return float64(r.pingP50) })),
		pingP99:   time.Duration(pick(func(r serverRun) float64 { return float64(r.pingP99) })),
	}
}

// floodTest measures a legitimate peer's samples and the agent's CPU
// without and with a flood from another source address.
func floodTest(dir, binary string, rate, seconds int) error {
	upstream, err := freeUDPPort("127.0.0.1")
	if err != nil {
		return err
	}
	chronyd, err := startChronyd(dir, upstream)
	if err != nil {
		return err
	}
	defer chronyd.stop()
	addr, err := freeUDPPort("127.0.0.1")
	if err != nil {
		return err
	}
	agent, err := startAgent(binary, addr, upstream, "2")
	if err != nil {
		return err
	}
	defer agent.stop()
	ctx := context.Background()
	for _, from := range []string{"", "127.0.0.2", "127.0.0.1"} {
		floodCtx, stopFlood := context.WithCancel(ctx)
		sent := make(chan int, 1)
		if from != "" {
			go func() {
				n, _ := flood(floodCtx, netip.MustParseAddr(from), addr, rate)
				sent <- n
			}()
		}
		before, err := agent.cpuTime()
		if err != nil {
			stopFlood()
			return err
		}
		bytesBefore := agent.responderBytes()
		start := time.Now()
		peer := measurePeer(ctx, addr, seconds)
		elapsed := time.Since(start)
		after, _ := agent.cpuTime()
		stopFlood()
		label := "no flood"
		if from != "" {
			label = fmt.Sprintf("flood %.0f req/s from %s", float64(<-sent)/elapsed.Seconds(), from)
		}
		bytesAfter := agent.responderBytes()
		fmt.Printf("%-36s peer answered %d/%d (KoD %d), offset max |%v| median %v jitter %v, delay median %v max %v, bound covers truth %d/%d, kernel stamps %d; agent CPU %.1f%% of a core, bytes out/in %s\n",
			label, peer.answered, peer.queries, peer.kod, maxAbs(peer.offsets), median(peer.offsets), stddev(peer.offsets),
			median(peer.delays), maxAbs(peer.delays), peer.boundsCoverTruth, peer.answered, peer.timestampingKernels,
			100*(after-before).Seconds()/elapsed.Seconds(), bytesAfter.ratioSince(bytesBefore))
	}
	fmt.Printf("agent counters: %s\n\n", strings.Join(agent.scrape("clockwatch_responder_requests_total"), "; "))
	return nil
}

// stamps prints delay and jitter for each combination of kernel and user
// timestamps at the client and the responder. Client and responder run in
// this process, on every CPU: pinning would make them queue for one.
func stamps(count int) error {
	if err := pinSelf(false); err != nil {
		return err
	}
	fmt.Printf("%-8s %-10s %12s %12s %12s %14s\n", "client", "responder", "delay p50", "delay mean", "jitter (sd)", "max |offset|")
	for _, c := range []struct{ client, responder bool }{{true, true}, {true, false}, {false, true}, {false, false}} {
		r, err := measureStamps(context.Background(), c.client, c.responder, count, time.Millisecond)
		if err != nil {
			return err
		}
		fmt.Printf("%-8s %-10s %12v %12v %12v %14v\n", r.client, r.responder, median(r.delays), mean(r.delays), stddev(r.offsets), maxAbs(r.offsets))
	}
	fmt.Println()
	return nil
}

// mean returns the average.
func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}
