package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/exporters"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"
)

// defaultListenAddress is clockwatch's HTTP port, free in Prometheus'
// default port allocations (github.com/prometheus/prometheus/wiki/Default-port-allocations).
const defaultListenAddress = ":9896"

// webFlags are the HTTP server flags of run and demo.
type webFlags struct {
	toolkit *web.FlagConfig
	limits  httpLimits
}

// addWebFlags registers exporter-toolkit's flags (--web.listen-address,
// --web.config.file, --web.systemd-socket) and the connection cap on cmd.
func addWebFlags(cmd *kingpin.CmdClause) *webFlags {
	f := &webFlags{toolkit: kingpinflag.AddFlags(cmd, defaultListenAddress), limits: defaultHTTPLimits}
	cmd.GetFlag("web.listen-address").Help("Address to serve /metrics, the API and the page on; repeatable. The default, " + defaultListenAddress + ", is every interface of this host: anyone who can reach the port reads the host's clock state. Bind a management or loopback address (e.g. 127.0.0.1:9896 for local clockwatch status only, or the address Prometheus scrapes), or require TLS and passwords with --web.config.file.")
	cmd.Flag("web.max-connections", fmt.Sprintf("HTTP connections held at once. Past it, a new connection closes the one idle longest (idle keep-alive connections also close after %v, and a client has %v to send its request headers), so held connections cannot lock out a scrape.", defaultHTTPLimits.idle, defaultHTTPLimits.readHeader)).
		Default(strconv.Itoa(defaultMaxConnections)).SetValue(&intFlag{name: "web.max-connections", target: &f.limits.maxConnections, min: 1, max: 1 << 20})
	return f
}

// healthChecker is an extra collector that also judges the agent's
// health (the peer outlier check): /healthz fails with its error.
type healthChecker interface{ Health() error }

// serveAPI registers the agent's metrics and serves the HTTP API on every
// listen address until ctx ends. Listening errors are returned at once, so
// a taken port stops the command before it runs.
func serveAPI(ctx context.Context, f *webFlags, a *agent, logger *slog.Logger, extra ...prometheus.Collector) (<-chan error, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		exporters.NewCollector(a.current), versioncollector.NewCollector("clockwatch"), a,
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector(),
	)
	for _, c := range extra {
		reg.MustRegister(c)
	}
	host, _ := os.Hostname()
	api := &exporters.API{Current: a.current, History: a.history, Host: host, Gatherer: reg, Logger: logger}
	for _, c := range extra {
		if h, ok := c.(healthChecker); ok {
			api.Health = h.Health
		}
	}
	handler, err := api.Handler()
	if err != nil {
		return nil, err
	}
	_, done, err := serveHTTP(ctx, f, handler, logger)
	return done, err
}
