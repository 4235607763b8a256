package agent

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/clockwatch/clockwatch/exporters"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
)

// Serve serves the agent's HTTP handler (metrics, API, page) until ctx
// ends; the channel gets the server's error when it stops. A listen error
// is returned at once, so a taken port stops the agent before it runs.
type Serve func(ctx context.Context, handler http.Handler) (<-chan error, error)

// serveAPI serves the agent's metrics (its own, the process's and extra)
// and HTTP API with serve until ctx ends.
func serveAPI(ctx context.Context, serve Serve, a *Agent, history *exporters.History, logger *slog.Logger, extra ...prometheus.Collector) (<-chan error, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		exporters.NewCollector(a.Current), versioncollector.NewCollector("clockwatch"), a,
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector(),
	)
	for _, c := range extra {
		reg.MustRegister(c)
	}
	host, _ := os.Hostname()
	api := &exporters.API{Current: a.Current, History: history, Host: host, Gatherer: reg, Health: a.Healthy, Logger: logger}
	handler, err := api.Handler()
	if err != nil {
		return nil, err
	}
	return serve(ctx, handler)
}
