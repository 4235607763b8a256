package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/ntp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
)

// metricsPort is the agent's default --web.listen-address port, which the
// served targets claim as their instance's.
const metricsPort = 9896

// exported is what the agents show Prometheus while a run is served: each
// agent's estimate as of its last scrape, and its responder's answers.
type exported struct {
	estimates []atomic.Pointer[estimator.Estimate]
	answered  []atomic.Uint64
	// start is the wall time of true time zero.
	start time.Time
}

// publish makes e agent h's estimate.
func (x *exported) publish(h int, e estimator.Estimate) {
	if x != nil {
		x.estimates[h].Store(&e)
	}
}

// answer counts a request agent h's responder answered.
func (x *exported) answer(h int) {
	if x != nil {
		x.answered[h].Add(1)
	}
}

// serve runs the world in real time, one simulated second a second, and
// serves each agent's metrics, made by the agent's own collectors, at
// /agents/HOST/metrics, and the Prometheus file_sd targets of them all at
// /targets.json: the fleet as Prometheus sees it. It returns the score
// once the last round has run.
func (w *world) serve(ctx context.Context, addr string, stdout io.Writer) (Result, error) {
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return Result{}, fmt.Errorf("fleetsim: --serve %s: %w (pick a free address)", addr, err)
	}
	return w.serveOn(ctx, listener, stdout)
}

// serveOn is serve on a listener.
func (w *world) serveOn(ctx context.Context, listener net.Listener, stdout io.Writer) (Result, error) {
	w.exported = &exported{estimates: make([]atomic.Pointer[estimator.Estimate], w.sc.Hosts), answered: make([]atomic.Uint64, w.sc.Hosts), start: time.Now()}
	srv := &http.Server{Handler: w.handler(listener.Addr().String()), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(listener) }()
	defer srv.Close()
	fmt.Fprintf(stdout, "fleetsim: serving %d agents at http://%s/agents/HOST/metrics, targets at http://%s/targets.json\n", w.sc.Hosts, listener.Addr(), listener.Addr())
	end := time.Duration(w.sc.Rounds) * w.sc.Poll
	for {
		at, e, ok := w.events.Pop()
		if !ok || at > end {
			return w.result(), nil
		}
		if wait := time.Until(w.exported.start.Add(at)); wait > 0 {
			select {
			case <-ctx.Done():
				return w.result(), ctx.Err()
			case <-time.After(wait):
			}
		}
		w.handle(at, e)
	}
}

// handler serves the agents' metrics and the targets. Each agent's metrics
// are made by the agent's own collectors (the ones a real agent registers),
// rendered once a round (w.sc.Poll) and served as rendered until the next:
// the values Prometheus scrapes move once a round, as the agents'
// estimates do. The process's and Go runtime's series, which a real agent
// exports too, are this process's, rendered once a round for all agents.
func (w *world) handler(addr string) http.Handler {
	runtime := prometheus.NewRegistry()
	runtime.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector(),
		versioncollector.NewCollector("clockwatch"))
	shared := newExposition(runtime, w.sc.Poll)
	agents := make([]*exposition, w.sc.Hosts)
	for h := range agents {
		agents[h] = newExposition(agentRegistry(h, w.current(h), w.sc.Threshold, w.responderStats(h)), w.sc.Poll)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /agents/{host}/metrics", func(rw http.ResponseWriter, r *http.Request) {
		h, err := strconv.Atoi(r.PathValue("host"))
		if err != nil || h < 0 || h >= len(agents) {
			http.Error(rw, "no such agent", http.StatusNotFound)
			return
		}
		now := time.Now()
		rw.Header().Set("Content-Type", textFormat)
		_, _ = rw.Write(agents[h].current(now))
		_, _ = rw.Write(shared.current(now))
	})
	mux.HandleFunc("GET /targets.json", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(rw).Encode(w.targets(addr))
	})
	return mux
}

// current returns agent h's estimate as the agent's Current does: the last
// one carried to now on its clock.
func (w *world) current(h int) func() estimator.Estimate {
	return func() estimator.Estimate {
		e := w.exported.estimates[h].Load()
		if e == nil {
			return estimator.Estimate{ErrorBound: estimator.UnknownBound}
		}
		return e.At(w.agents[h].clock.read(time.Since(w.exported.start)))
	}
}

// responderStats returns agent h's responder counters.
func (w *world) responderStats(h int) func() ntp.ResponderStats {
	return func() ntp.ResponderStats {
		n := w.exported.answered[h].Load()
		return ntp.ResponderStats{Answered: n, BytesIn: 48 * n, BytesOut: 48 * n, KernelTimestamps: true}
	}
}

// target is a Prometheus file_sd target group.
type target struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels"`
}

// targets lists every agent as a target at addr whose instance is the
// agent's own address on the agent's metrics port, so that a peer's
// address names the instance that answers at it.
func (w *world) targets(addr string) []target {
	out := make([]target, w.sc.Hosts)
	for h := range out {
		instance := net.JoinHostPort(hostAddress(h).Addr().String(), strconv.Itoa(metricsPort))
		out[h] = target{Targets: []string{addr}, Labels: map[string]string{"instance": instance, "__metrics_path__": fmt.Sprintf("/agents/%d/metrics", h)}}
	}
	return out
}
