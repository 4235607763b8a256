package mesh

import (
	"context"
	"fmt"
	"math"
	"net"
	"strings"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// The metrics an agent exports of its peers, by peer (label peer) and as
// sources of kind peer (label source), and of its own clock.
const (
	offsetMetric    = "clockwatch_peer_offset_seconds"
	errorMetric     = "clockwatch_peer_offset_error_seconds"
	delayMetric     = "clockwatch_source_delay_seconds"
	reachableMetric = "clockwatch_source_reachable"
	takenMetric     = "clockwatch_source_last_sample_timestamp_seconds"
	addressMetric   = "clockwatch_responder_address_info"
	lastStepMetric  = "clockwatch_last_step_timestamp_seconds"
)

// DefaultHostLabel is the label that names an agent's host: instance,
// which Prometheus sets to the scraped HOST:PORT.
const DefaultHostLabel = "instance"

// PrometheusQuery says which agents' measurements to read.
type PrometheusQuery struct {
	// Selector restricts the series, as label matchers without braces
	// (`job="clockwatch"`); empty reads every agent.
	Selector string
	// HostLabel is the label that names an agent's host; a trailing
	// ":PORT" of its value is dropped. A peer is the host whose agent
	// exports its address in clockwatch_responder_address_info (an
	// address more than one agent claims, as 127.0.0.1, names no one);
	// failing that, the host of the peer's address without its port
	// (instance="198.18.0.8:9896" is the peer 198.18.0.8:9123).
	HostLabel string
	// Time is the instant read; zero is now.
	Time time.Time
}

// QueryPrometheus reads the pairwise measurements the agents export at one
// instant: every reachable peer's clockwatch_peer_offset_seconds with its
// clockwatch_peer_offset_error_seconds (or, from agents too old to export
// the error, half of clockwatch_source_delay_seconds), as edges between
// the hosts named by HostLabel, each with when it was taken (the peer's
// clockwatch_source_last_sample_timestamp_seconds) and the last step the
// measured host's agent counted (clockwatch_last_step_timestamp_seconds),
// which Infer needs to leave out measurements taken before a step, and
// the measurement's round trip (clockwatch_source_delay_seconds), which
// History follows to tell a route change from a clock step. A
// measurement whose error is not finite is left out: an agent exports +Inf
// for one that is not current.
func QueryPrometheus(ctx context.Context, api promv1.API, q PrometheusQuery) ([]Edge, error) {
	if q.HostLabel == "" {
		q.HostLabel = DefaultHostLabel
	}
	if !model.LabelName(q.HostLabel).IsValidLegacy() {
		return nil, fmt.Errorf("prometheus host label %q is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)", q.HostLabel)
	}
	if strings.ContainsAny(q.Selector, "{}") {
		return nil, fmt.Errorf("prometheus selector %q: give label matchers without braces, such as job=\"clockwatch\"", q.Selector)
	}
	if q.Time.IsZero() {
		q.Time = time.Now()
	}
	read := func(metric, peerLabel, extra string) (map[pair]float64, error) {
		return queryPairs(ctx, api, selector(metric, q.Selector, extra), q.HostLabel, peerLabel, q.Time)
	}
	offsets, err := read(offsetMetric, "peer", "")
	if err != nil {
		return nil, err
	}
	errs, err := read(errorMetric, "peer", "")
	if err != nil {
		return nil, err
	}
	delays, err := read(delayMetric, "source", `kind="peer"`)
	if err != nil {
		return nil, err
	}
	reachable, err := read(reachableMetric, "source", `kind="peer"`)
	if err != nil {
		return nil, err
	}
	taken, err := read(takenMetric, "source", `kind="peer"`)
	if err != nil {
		return nil, err
	}
	addresses, err := read(addressMetric, "address", "")
	if err != nil {
		return nil, err
	}
	lastSteps, err := read(lastStepMetric, "", "")
	if err != nil {
		return nil, err
	}
	hostAt := addressBook(addresses)
	var edges []Edge
	for p, offset := range offsets {
		e, ok := errs[p]
		if !ok {
			e, ok = delays[p]/2, delays[p] > 0
		}
		if !ok || reachable[p] != 1 || !finite(offset) || !finite(e) {
			continue
		}
		to := hostAt(p.peer)
		edges = append(edges, Edge{From: p.host, To: to, Offset: seconds(offset), Error: seconds(e),
			Taken: unixTime(taken[p]), ToStep: unixTime(lastSteps[pair{host: to}]), Delay: seconds(delays[p])})
	}
	return edges, nil
}

// addressBook returns who answers at a peer's address: the host whose
// agent alone claims it, else the address's own host.
func addressBook(claims map[pair]float64) func(peer string) string {
	owner := map[string]string{}
	for c := range claims {
		if prev, claimed := owner[c.peer]; claimed && prev != c.host {
			owner[c.peer] = ""
			continue
		}
		owner[c.peer] = c.host
	}
	return func(peer string) string {
		if host := owner[peer]; host != "" {
			return host
		}
		return hostOf(peer)
	}
}

// pair is one agent's series about one peer: the agent's host and the
// peer's address; peer is empty for a series about the agent's own clock.
type pair struct{ host, peer string }

// selector writes metric{matchers}.
func selector(metric string, matchers ...string) string {
	var parts []string
	for _, m := range matchers {
		if m != "" {
			parts = append(parts, m)
		}
	}
	return metric + "{" + strings.Join(parts, ",") + "}"
}

// queryPairs runs an instant query and indexes its values by host and
// peer, or by host alone when peerLabel is empty.
func queryPairs(ctx context.Context, api promv1.API, query, hostLabel, peerLabel string, at time.Time) (map[pair]float64, error) {
	value, _, _, err := api.Query(ctx, query, at)
	if err != nil {
		return nil, fmt.Errorf("prometheus query %q: %w", query, err)
	}
	vector, ok := value.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("prometheus query %q: got a %s, want an instant vector", query, value.Type())
	}
	out := make(map[pair]float64, len(vector))
	for _, s := range vector {
		host, peer := hostOf(string(s.Metric[model.LabelName(hostLabel)])), string(s.Metric[model.LabelName(peerLabel)])
		if host != "" && (peer != "" || peerLabel == "") {
			out[pair{host, peer}] = float64(s.Value)
		}
	}
	return out, nil
}

// hostOf drops a trailing ":PORT" from an address or a label value such as
// instance="web-1:9896".
func hostOf(v string) string {
	if host, _, err := net.SplitHostPort(v); err == nil {
		return host
	}
	return strings.Trim(v, "[]")
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// unixTime converts seconds since the Unix epoch to a time; zero (absent)
// and values that are not finite are the zero time.
func unixTime(s float64) time.Time {
	if s == 0 || !finite(s) {
		return time.Time{}
	}
	return time.Unix(0, int64(math.Round(s*1e9))).UTC()
}

// seconds converts seconds to a Duration.
func seconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }
