package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// series is the samples of every client, in the order of the clients.
type series struct {
	clients []client
	at      []time.Duration
	usage   [][]usage
}

// sample reads every client's usage every interval until duration has
// passed, printing each row as it goes; the first row is one interval
// after the start, once both clients run.
func sample(ctx context.Context, clients []client, duration, every time.Duration) (*series, error) {
	s := &series{clients: clients, usage: make([][]usage, len(clients))}
	fmt.Printf("%6s", "t")
	for _, c := range clients {
		fmt.Printf("  %-10s %8s %8s %8s %8s %8s", c.name, "RSS MiB", "anon", "file", "PSS", "CPU s")
	}
	fmt.Println()
	start := time.Now()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return s, nil
		case <-tick.C:
		}
		at := time.Since(start).Round(time.Second)
		fmt.Printf("%6v", at)
		for i, c := range clients {
			u, err := readUsage(c.pid)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.name, err)
			}
			s.usage[i] = append(s.usage[i], u)
			fmt.Printf("  %-10s %8.2f %8.2f %8.2f %8.2f %8.2f", "", mib(u.rss), mib(u.anon), mib(u.file), mib(u.pss), u.cpu.Seconds())
		}
		fmt.Println()
		s.at = append(s.at, at)
		if at >= duration {
			return s, nil
		}
	}
}

// steadyAfter is when a client counts as running steadily: its start,
// and whatever it does once after it, is over.
const steadyAfter = time.Minute

// summary is one client's totals over a run.
type summary struct {
	// peak is the largest resident memory from the start, start-up
	// included; steadyMax the largest sample from steadyAfter on (the
	// whole run if it is shorter).
	peak, steadyMax                      float64 // bytes
	meanRSS, meanAnon, meanFile, meanPss float64 // bytes
	cpu                                  time.Duration
}

// summarize sums up client i's samples: the peak resident memory (the
// kernel's high-water mark, which it updates lazily, or the largest sample),
// the largest sample once steady, the mean of the samples, and the CPU time
// used from the start to the last sample.
func (s *series) summarize(i int) summary {
	u := s.usage[i]
	var sum summary
	steady := s.at[len(s.at)-1] < steadyAfter
	for j, x := range u {
		sum.peak = max(sum.peak, float64(x.rss), float64(x.peak))
		if steady || s.at[j] >= steadyAfter {
			sum.steadyMax = max(sum.steadyMax, float64(x.rss))
		}
		sum.meanRSS += float64(x.rss)
		sum.meanAnon += float64(x.anon)
		sum.meanFile += float64(x.file)
		sum.meanPss += float64(x.pss)
	}
	n := float64(len(u))
	sum.meanRSS, sum.meanAnon, sum.meanFile, sum.meanPss = sum.meanRSS/n, sum.meanAnon/n, sum.meanFile/n, sum.meanPss/n
	sum.cpu = u[len(u)-1].cpu
	return sum
}

// report prints each client's totals, the ratios of the first client to
// the second, and whether the first is within the budget.
func report(w io.Writer, s *series) {
	if len(s.at) == 0 {
		fmt.Fprintln(w, "no samples: the run ended before the first")
		return
	}
	elapsed := s.at[len(s.at)-1]
	sums := make([]summary, len(s.clients))
	fmt.Fprintln(w)
	for i, c := range s.clients {
		sums[i] = s.summarize(i)
		x := sums[i]
		fmt.Fprintf(w, "%-10s peak RSS %6.2f MiB, from %v on at most %6.2f MiB, mean RSS %6.2f MiB (anon %5.2f, file %5.2f), mean PSS %6.2f MiB, CPU %6.2f s over %v (%.3f%% of a core)\n",
			c.name, mib(int64(x.peak)), steadyAfter, mib(int64(x.steadyMax)), mib(int64(x.meanRSS)), mib(int64(x.meanAnon)), mib(int64(x.meanFile)),
			mib(int64(x.meanPss)), x.cpu.Seconds(), elapsed, 100*x.cpu.Seconds()/elapsed.Seconds())
	}
	a, b := sums[0], sums[1]
	cpuRatio := a.cpu.Seconds() / b.cpu.Seconds()
	fmt.Fprintf(w, "\nratios %s/%s: peak RSS %.2f×, mean RSS %.2f×, CPU %.2f×\n",
		s.clients[0].name, s.clients[1].name, a.peak/b.peak, a.meanRSS/b.meanRSS, cpuRatio)
	fmt.Fprintf(w, "budget: peak RSS ≤ %d MiB: %s (%.2f MiB); CPU ≤ %g× chronyd's: %s\n",
		rssBudget>>20, verdict(a.peak <= rssBudget), mib(int64(a.peak)), cpuBudget, verdict(cpuRatio <= cpuBudget))
}

// verdict says yes or NO.
func verdict(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

// mib converts bytes to MiB.
func mib(b int64) float64 { return float64(b) / (1 << 20) }
