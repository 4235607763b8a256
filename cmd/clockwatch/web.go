package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

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
}

func addWebFlags(cmd *kingpin.CmdClause) *webFlags {
	return &webFlags{toolkit: kingpinflag.AddFlags(cmd, defaultListenAddress)}
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
	if *f.toolkit.WebConfigFile != "" {
		if err := web.Validate(*f.toolkit.WebConfigFile); err != nil {
			return nil, fmt.Errorf("--web.config.file: %w", err)
		}
	}
	server := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	context.AfterFunc(ctx, func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdown)
	})
	if f.toolkit.WebSystemdSocket != nil && *f.toolkit.WebSystemdSocket {
		go func() { done <- ignoreClosed(web.ListenAndServe(server, f.toolkit, logger)) }()
		return done, nil
	}
	var listeners []net.Listener
	for _, addr := range *f.toolkit.WebListenAddresses {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			for _, l := range listeners {
				l.Close()
			}
			return nil, fmt.Errorf("listen on %s: %w (use --web.listen-address to pick another address)", addr, err)
		}
		logger.Info("serving metrics and API", "address", l.Addr().String())
		listeners = append(listeners, l)
	}
	go func() { done <- ignoreClosed(web.ServeMultiple(listeners, server, f.toolkit, logger)) }()
	return done, nil
}

// ignoreClosed hides the error of a server shut down on purpose.
func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
