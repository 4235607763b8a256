package clockwatchprocessor

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/clockwatch/clockwatch/tracecorrect"
)

// offsetsSource is one place offsets come from, with what it last gave.
type offsetsSource struct {
	// name says where, for logs and metrics: "offsets_file", "prometheus"
	// or "agent".
	kind, where string
	fetch       func(ctx context.Context, now time.Time) (tracecorrect.Offsets, error)
	last        tracecorrect.Offsets
}

// newOffsetsSources makes one source per configured file, server and
// agent.
func newOffsetsSources(cfg *Config) ([]*offsetsSource, error) {
	var sources []*offsetsSource
	if cfg.OffsetsFile != "" {
		path := cfg.OffsetsFile
		sources = append(sources, &offsetsSource{kind: "offsets_file", where: path,
			fetch: func(context.Context, time.Time) (tracecorrect.Offsets, error) { return readOffsetsFile(path) }})
	}
	if cfg.Prometheus.Endpoint != "" {
		client, err := promapi.NewClient(promapi.Config{Address: cfg.Prometheus.Endpoint})
		if err != nil {
			return nil, fmt.Errorf("prometheus.endpoint %q: %w", cfg.Prometheus.Endpoint, err)
		}
		api, prom, window := promv1.NewAPI(client), cfg.Prometheus, cfg.Window
		sources = append(sources, &offsetsSource{kind: "prometheus", where: prom.Endpoint,
			fetch: func(ctx context.Context, now time.Time) (tracecorrect.Offsets, error) {
				return tracecorrect.QueryPrometheus(ctx, api, tracecorrect.PrometheusQuery{
					HostLabel: prom.HostLabel, Start: now.Add(-window), End: now, Step: prom.Step,
				})
			}})
	}
	httpClient := &http.Client{Timeout: cfg.Timeout}
	for _, agent := range cfg.Agents {
		base, window := agent, cfg.Window
		sources = append(sources, &offsetsSource{kind: "agent", where: base,
			fetch: func(ctx context.Context, now time.Time) (tracecorrect.Offsets, error) {
				return tracecorrect.FetchAgentHistory(ctx, httpClient, base, now.Add(-window))
			}})
	}
	return sources, nil
}

// readOffsetsFile decodes the offsets file at path.
func readOffsetsFile(path string) (tracecorrect.Offsets, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return tracecorrect.DecodeOffsetsFile(f)
}
