package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/clockwatch/clockwatch/internal/connlimit"
	"github.com/coreos/go-systemd/v22/activation"
	"github.com/prometheus/exporter-toolkit/web"
)

// defaultMaxConnections is --web.max-connections: enough for Prometheus
// servers, browsers and `clockwatch status` at once, small enough that
// held connections cost a few MiB.
const defaultMaxConnections = 64

// httpLimits bound what HTTP clients can hold of the agent: the time a
// connection may take to send its request and to take the reply, how long
// an idle keep-alive connection stays open, the size of a request's
// header, and how many connections are served at once, over all listen
// addresses together.
type httpLimits struct {
	readHeader, read, write, idle time.Duration
	maxHeaderBytes                int
	maxConnections                int
}

// defaultHTTPLimits are the agent's. No endpoint streams or long-polls,
// so a request is read in 30 s and its reply (six hours of history at
// most) written in a minute. An idle connection lasts two minutes, longer
// than a one-minute scrape interval, so Prometheus keeps its connection.
var defaultHTTPLimits = httpLimits{
	readHeader:     10 * time.Second,
	read:           30 * time.Second,
	write:          time.Minute,
	idle:           2 * time.Minute,
	maxHeaderBytes: 64 << 10,
	maxConnections: defaultMaxConnections,
}

// server returns an HTTP server of handler within the limits.
func (l httpLimits) server(handler http.Handler) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: l.readHeader,
		ReadTimeout:       l.read,
		WriteTimeout:      l.write,
		IdleTimeout:       l.idle,
		MaxHeaderBytes:    l.maxHeaderBytes,
	}
}

// listen opens the HTTP listeners of f, their connections counted by
// limiter.
func (l httpLimits) listen(f *webFlags, limiter *connlimit.Limiter, logger *slog.Logger) ([]net.Listener, error) {
	listeners, err := openListeners(f)
	if err != nil {
		return nil, err
	}
	for i, ln := range listeners {
		logger.Info("serving metrics and API", "address", ln.Addr().String(), "max_connections", l.maxConnections)
		listeners[i] = limiter.Listener(ln)
	}
	return listeners, nil
}

// openListeners returns systemd's sockets with --web.systemd-socket, else
// a listener on each --web.listen-address.
func openListeners(f *webFlags) ([]net.Listener, error) {
	if f.toolkit.WebSystemdSocket != nil && *f.toolkit.WebSystemdSocket {
		return systemdListeners()
	}
	var listeners []net.Listener
	for _, addr := range *f.toolkit.WebListenAddresses {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			for _, ln := range listeners {
				ln.Close()
			}
			return nil, fmt.Errorf("listen on %s: %w (use --web.listen-address to pick another address)", addr, err)
		}
		listeners = append(listeners, ln)
	}
	return listeners, nil
}

// systemdListeners returns the listening sockets systemd passed.
func systemdListeners() ([]net.Listener, error) {
	activated, err := activation.Listeners()
	if err != nil {
		return nil, fmt.Errorf("--web.systemd-socket: %w", err)
	}
	var listeners []net.Listener
	for _, ln := range activated {
		if ln != nil {
			listeners = append(listeners, ln)
		}
	}
	if len(listeners) == 0 {
		return nil, errors.New("--web.systemd-socket: systemd passed no listening socket (start clockwatch from its .socket unit)")
	}
	return listeners, nil
}

// serveHTTP serves handler on the listen addresses of f, within its
// limits, with TLS and authentication as --web.config.file says, until ctx
// ends. It returns the addresses served; a listen error is returned at
// once, so a taken port stops the command before it runs.
func serveHTTP(ctx context.Context, f *webFlags, handler http.Handler, logger *slog.Logger) ([]net.Addr, <-chan error, error) {
	if *f.toolkit.WebConfigFile != "" {
		if err := web.Validate(*f.toolkit.WebConfigFile); err != nil {
			return nil, nil, fmt.Errorf("--web.config.file: %w", err)
		}
	}
	// At most maxConnections at once: past it, a new connection evicts the
	// one idle (or silent) longest, so held connections cannot lock a
	// scrape out.
	limiter := connlimit.New(f.limits.maxConnections)
	listeners, err := f.limits.listen(f, limiter, logger)
	if err != nil {
		return nil, nil, err
	}
	server := f.limits.server(handler)
	server.ConnState = limiter.ConnState
	context.AfterFunc(ctx, func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdown)
	})
	addrs := make([]net.Addr, len(listeners))
	for i, ln := range listeners {
		addrs[i] = ln.Addr()
	}
	done := make(chan error, 1)
	go func() { done <- ignoreClosed(web.ServeMultiple(listeners, server, f.toolkit, logger)) }()
	return addrs, done, nil
}

// ignoreClosed hides the error of a server shut down on purpose.
func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
