package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// scrape fetches url every interval until ctx ends, as a Prometheus
// server scrapes an exporter: the agent's cost includes serving it. A
// failed fetch is reported and the next one tried.
func scrape(ctx context.Context, url string, interval time.Duration) {
	client := &http.Client{Timeout: 10 * time.Second}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := fetch(ctx, client, url); err != nil {
			fmt.Fprintf(os.Stderr, "footprint: scrape %s: %v\n", url, err)
		}
	}
}

// fetch gets url and reads the body whole.
func fetch(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}
