package main

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/internal/agent"
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
	cmd.GetFlag("web.listen-address").Help("Address to serve /metrics, the API and the page on; repeatable. The default is every interface: bind loopback or a management address.")
	cmd.Flag("web.max-connections", "HTTP connections held at once; past it, a new connection closes the one idle longest.").
		Default(strconv.Itoa(defaultMaxConnections)).SetValue(&intFlag{name: "web.max-connections", target: &f.limits.maxConnections, min: 1, max: 1 << 20})
	return f
}

// serve is how the agent serves its handler: on the listen addresses of
// f, within its limits, with TLS and authentication as --web.config.file
// says, until ctx ends.
func (f *webFlags) serve(logger *slog.Logger) agent.Serve {
	return func(ctx context.Context, handler http.Handler) (<-chan error, error) {
		_, done, err := serveHTTP(ctx, f, handler, logger)
		return done, err
	}
}
