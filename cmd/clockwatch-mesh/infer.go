package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/alecthomas/kingpin/v2"
	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/clockwatch/clockwatch/internal/cli"
	"github.com/clockwatch/clockwatch/mesh"
)

// inferFlags are the flags of `clockwatch-mesh infer`.
type inferFlags struct {
	prometheusURL, selector, hostLabel string
	threshold                          time.Duration
	minEdges, paths                    int
	format, textfile                   string
	every, timeout                     time.Duration
}

// inferHelp introduces `clockwatch-mesh infer`.
const inferHelp = `Read the pairwise offsets the agents export (clockwatch_peer_offset_seconds and clockwatch_peer_offset_error_seconds of every reachable peer, with when each was taken and each agent's last step) from Prometheus, leave out the measurements taken before one of their hosts stepped, solve for every host's offset from the fleet's median host, and name the hosts that are provably off: most of their measurements, corrected by the other hosts' own offsets, put them beyond --threshold by more than their error. Hosts off by more than the threshold without proof (their paths are too slow or asymmetric) are listed as suspects; measurements whose residual is large, as asymmetric paths. With --every, each inference remembers each path's round trip from the ones before: a path whose round trip moves and stays (a route change) has its offset's move put on the route, not on the clocks, so a host that steps after its rack's route changed is still named.

A host is named by --prometheus.host-label without its port (the node's name on Kubernetes); a peer is the host whose agent exports its address in clockwatch_responder_address_info, or else its address without the port.`

// registerInfer adds `clockwatch-mesh infer`.
func registerInfer(app *kingpin.Application, commands map[string]cli.Runner) {
	cmd := app.Command("infer", inferHelp)
	f := &inferFlags{}
	cmd.Flag("prometheus.url", "Base URL of the Prometheus server that scrapes the agents.").Required().PlaceHolder("URL").StringVar(&f.prometheusURL)
	cmd.Flag("prometheus.selector", "Label matchers, without braces, that select the agents' series.").Default(`job="clockwatch"`).StringVar(&f.selector)
	cmd.Flag("prometheus.host-label", "The label that names an agent's host; a trailing :PORT of its value is dropped.").Default(mesh.DefaultHostLabel).StringVar(&f.hostLabel)
	cmd.Flag("threshold", "How far from the fleet's median host a clock must provably be to be named.").Default(mesh.DefaultThreshold.String()).DurationVar(&f.threshold)
	cmd.Flag("min-edges", "How many measurements of or by a host it takes to judge it.").Default(fmt.Sprint(mesh.DefaultMinEdges)).IntVar(&f.minEdges)
	cmd.Flag("paths", "List at most this many asymmetric paths.").Default("10").IntVar(&f.paths)
	cmd.Flag("format", "text or json (one object per inference).").Default("text").EnumVar(&f.format, "text", "json")
	cmd.Flag("textfile", "Also write each verdict as Prometheus metrics (clockwatch_mesh_*) to this file, atomically, for node_exporter's textfile collector: a FILE.prom in its --collector.textfile.directory. The mixin's ClockwatchMeshHostOff alert reads them.").PlaceHolder("FILE").StringVar(&f.textfile)
	cmd.Flag("every", "Infer again at this interval until interrupted; 0 infers once.").Default("0s").DurationVar(&f.every)
	cmd.Flag("timeout", "How long to wait for Prometheus.").Default("30s").DurationVar(&f.timeout)
	commands["infer"] = func(ctx context.Context, env *cli.Env) error { return runInfer(ctx, env, f) }
}

// runInfer infers once, or every f.every until ctx ends.
func runInfer(ctx context.Context, env *cli.Env, f *inferFlags) error {
	client, err := promapi.NewClient(promapi.Config{Address: f.prometheusURL})
	if err != nil {
		return fmt.Errorf("--prometheus.url %q: %w", f.prometheusURL, err)
	}
	api := promv1.NewAPI(client)
	history := mesh.NewHistory()
	for {
		if err := inferOnce(ctx, api, f, history, env.Stdout); err != nil {
			if f.every <= 0 || ctx.Err() != nil {
				return err
			}
			env.Logger.Error("inference failed; trying again at the next interval", "err", err)
		}
		if f.every <= 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(f.every):
		}
	}
}

// inferOnce reads the measurements, infers with the history of the
// inferences before (route changes told from clock steps), and writes the
// verdict.
func inferOnce(ctx context.Context, api promv1.API, f *inferFlags, history *mesh.History, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	at := time.Now()
	edges, err := mesh.QueryPrometheus(ctx, api, mesh.PrometheusQuery{Selector: f.selector, HostLabel: f.hostLabel, Time: at})
	if err != nil {
		return fmt.Errorf("%w (check --prometheus.url and that it scrapes the agents)", err)
	}
	if len(edges) == 0 {
		return errors.New("prometheus has no peer offsets: are the agents measuring peers (--peer, --peers.dns, --peers.srv) and does --prometheus.selector match them?")
	}
	r := history.Infer(edges, mesh.Config{Threshold: f.threshold, MinEdges: f.minEdges})
	v := newVerdict(at, len(edges), r, f.paths)
	if f.textfile != "" {
		if err := writeTextfile(f.textfile, v); err != nil {
			return fmt.Errorf("--textfile: %w (is its directory there and writable?)", err)
		}
	}
	if f.format == "json" {
		return json.NewEncoder(out).Encode(v)
	}
	v.print(out, f.threshold)
	return nil
}
