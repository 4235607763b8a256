//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// soakWarmUp is how long the agent may grow before its footprint must be
// flat: the history ring and the sources' sample windows fill in minutes.
const soakWarmUp = 3 * time.Minute

// soakSample is one reading of the agent's footprint.
type soakSample struct {
	at         time.Duration
	usage      usage
	goroutines int
}

// soak runs an agent for d against three servers at 1 s polling, with its
// responder answering a peer and clients reading its HTTP API, samples its
// RSS, open files and goroutines every interval, prints them and fails if
// any grows after the warm-up by more than a little.
func soak(binary string, d, interval time.Duration) error {
	srv, args, err := servers(3)
	if err != nil {
		return err
	}
	defer closeAll(srv)
	responder := fmt.Sprintf("127.0.0.1:%d", freeUDPPort())
	ctx, cancel := context.WithTimeout(context.Background(), d+time.Minute)
	defer cancel()
	a, err := startAgent(ctx, binary, append(args, "--poll.interval=1s", "--state.dir", os.TempDir(), "--shm.path=", "--responder.listen-address", responder)...)
	if err != nil {
		return err
	}
	defer a.stop()
	go keepBusy(ctx, a.url, responder)
	var samples []soakSample
	start := time.Now()
	for tick := time.NewTicker(interval); time.Since(start) < d; <-tick.C {
		u, err := a.usage()
		if err != nil {
			return fmt.Errorf("the agent is gone: %v", err)
		}
		g, err := goroutines(ctx, a)
		if err != nil {
			return err
		}
		s := soakSample{at: time.Since(start).Round(time.Second), usage: u, goroutines: g}
		samples = append(samples, s)
		fmt.Fprintf(os.Stderr, "soak: %v: %v, %d goroutines\n", s.at, s.usage, s.goroutines)
	}
	printSoak(samples)
	return flatAfterWarmUp(samples)
}

// keepBusy plays the agent's clients until ctx ends: a scrape of /metrics
// and reads of the status and the page every second, and a peer asking the
// responder for the time every second.
func keepBusy(ctx context.Context, url, responder string) {
	peer, _ := net.Dial("udp4", responder)
	client := &http.Client{Timeout: 5 * time.Second}
	for tick := time.NewTicker(time.Second); ; {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, path := range []string{"/metrics", "/api/v1/status", "/", "/api/v1/history"} {
			if resp, err := client.Get(url + path); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		if peer != nil {
			peer.Write(ntpRequest())
		}
	}
}

// goroutines reads go_goroutines from the agent's /metrics.
func goroutines(ctx context.Context, a *agent) (int, error) {
	body, err := a.get(ctx, "/metrics")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(body), "\n") {
		if value, ok := strings.CutPrefix(line, "go_goroutines "); ok {
			return strconv.Atoi(strings.TrimSpace(value))
		}
	}
	return 0, fmt.Errorf("no go_goroutines in /metrics")
}

// printSoak prints the samples as a table.
func printSoak(samples []soakSample) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TIME\tRSS MiB\tFDS\tGOROUTINES\t")
	for _, s := range samples {
		fmt.Fprintf(tw, "%v\t%.1f\t%d\t%d\t\n", s.at, float64(s.usage.rssKiB)/1024, s.usage.fds, s.goroutines)
	}
	tw.Flush()
}

// flatAfterWarmUp fails if, after soakWarmUp, RSS grew by more than 10%
// (and 2 MiB) over its first value then, or files or goroutines by more
// than 5.
func flatAfterWarmUp(samples []soakSample) error {
	var base *soakSample
	for i := range samples {
		s := &samples[i]
		if s.at < soakWarmUp {
			continue
		}
		if base == nil {
			base = s
			continue
		}
		switch {
		case s.usage.rssKiB > base.usage.rssKiB*11/10 && s.usage.rssKiB > base.usage.rssKiB+2<<10:
			return fmt.Errorf("RSS grew from %v at %v to %v at %v", base.usage, base.at, s.usage, s.at)
		case s.usage.fds > base.usage.fds+5:
			return fmt.Errorf("open files grew from %d at %v to %d at %v", base.usage.fds, base.at, s.usage.fds, s.at)
		case s.goroutines > base.goroutines+5:
			return fmt.Errorf("goroutines grew from %d at %v to %d at %v", base.goroutines, base.at, s.goroutines, s.at)
		}
	}
	if base == nil {
		return fmt.Errorf("the soak ended before the %v warm-up", soakWarmUp)
	}
	fmt.Printf("flat after the %v warm-up: RSS, files and goroutines within bounds of their values at %v\n", soakWarmUp, base.at)
	return nil
}
