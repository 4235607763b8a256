// Command cputime compares the CPU cost per operation of logicaltime's
// clocks in two builds of its benchmarks (before and after a change), on a
// machine too loaded for wall-clock ns/op to mean much.
//
//	(cd logicaltime && go test -c -o /tmp/head.test .)
//	git worktree add /tmp/base BASE && (cd /tmp/base/logicaltime && go test -c -o /tmp/base.test .)
//	go run ./hack/bench/hlc/cputime -base /tmp/base.test -head /tmp/head.test -rounds 20
//
// Each run executes one benchmark of BenchmarkClocks (1 goroutine) for a
// fixed number of iterations, and its CPU time (user + system, from the
// kernel's accounting of the child process) less that of a 1-iteration
// run (the start-up) is divided by the iterations: time spent waiting for
// a CPU is not counted. Within a round every benchmark of both builds
// runs once, the builds' order alternating from round to round; the
// medians over rounds are printed, as ratios to time.Now in the same
// build and as head/base ratios paired by round.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"slices"
	"time"
)

// clocks are the benchmarks compared, time.Now first.
var clocks = []string{"time.Now", "HLC.Now", "HLC.Update", "BoundedClock.Now"}

func main() {
	base := flag.String("base", "", "test binary of logicaltime before the change")
	head := flag.String("head", "", "test binary of logicaltime after the change")
	rounds := flag.Int("rounds", 20, "rounds")
	n := flag.Int("n", 2_000_000, "iterations per run")
	flag.Parse()
	if *base == "" || *head == "" {
		flag.Usage()
		os.Exit(2)
	}
	builds := []string{*base, *head}
	// perOp[build][clock][round] is CPU nanoseconds per operation.
	perOp := [2]map[string][]float64{{}, {}}
	for r := range *rounds {
		order := []int{0, 1}
		if r%2 == 1 {
			order = []int{1, 0}
		}
		for _, b := range order {
			for _, clock := range clocks {
				cost := cpu(builds[b], clock, *n) - cpu(builds[b], clock, 1)
				perOp[b][clock] = append(perOp[b][clock], float64(cost)/float64(*n))
			}
		}
	}
	for b, name := range []string{"base", "head"} {
		for _, clock := range clocks {
			fmt.Printf("%s %-17s CPU %6.1f ns/op", name, clock, median(perOp[b][clock]))
			if clock != "time.Now" {
				fmt.Printf("   / time.Now %.3f", median(ratios(perOp[b][clock], perOp[b]["time.Now"])))
			}
			fmt.Println()
		}
	}
	for _, clock := range clocks {
		paired := ratios(perOp[1][clock], perOp[0][clock])
		slices.Sort(paired)
		fmt.Printf("head/base %-17s %.3f (quartiles %.3f..%.3f, %d rounds)\n", clock, median(paired),
			paired[len(paired)/4], paired[3*len(paired)/4], len(paired))
	}
}

// cpu runs benchmark clock of binary for n iterations and returns the
// process's CPU time.
func cpu(binary, clock string, n int) time.Duration {
	cmd := exec.Command(binary, "-test.run", "^$", "-test.bench", "^BenchmarkClocks/"+clock+"/goroutines=1$",
		"-test.benchtime", fmt.Sprintf("%dx", n))
	if out, err := cmd.CombinedOutput(); err != nil {
		log.Fatalf("%s: %v\n%s", binary, err, out)
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// ratios returns a[i]/b[i].
func ratios(a, b []float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = a[i] / b[i]
	}
	return out
}

// median returns the median of x.
func median(x []float64) float64 {
	s := slices.Sorted(slices.Values(x))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
