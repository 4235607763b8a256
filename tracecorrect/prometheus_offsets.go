package tracecorrect

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

// The metrics a clockwatch agent exports for its offset and bound.
const (
	offsetMetric = "clockwatch_offset_seconds"
	boundMetric  = "clockwatch_error_bound_seconds"
)

// DefaultPrometheusHostLabel is the label that names the host in
// Prometheus: instance, which Prometheus sets to the scraped host:port.
const DefaultPrometheusHostLabel = "instance"

// maxPrometheusPoints is the most points per series a Prometheus range
// query returns.
const maxPrometheusPoints = 11000

// PrometheusQuery says which stretch of the agents' metrics to read.
type PrometheusQuery struct {
	// HostLabel is the label whose value names the host, as the spans'
	// host attribute does. A trailing ":PORT" of the value is dropped, so
	// instance="web-1:PORT" matches host web-1.
	HostLabel string
	// Start and End bound the query.
	Start, End time.Time
	// Step is the resolution; it is raised when the range would need more
	// points than Prometheus returns.
	Step time.Duration
}

// QueryPrometheus reads clockwatch_offset_seconds (averaged per host) and
// clockwatch_error_bound_seconds (the largest per host) with range queries
// and joins them into offsets. Samples carry Prometheus' evaluation time,
// not the host's clock; the difference is the offset itself, which moves
// an interpolated offset by a negligible drift × offset.
func QueryPrometheus(ctx context.Context, api promv1.API, q PrometheusQuery) (Offsets, error) {
	if !model.LabelName(q.HostLabel).IsValidLegacy() {
		return nil, fmt.Errorf("prometheus host label %q is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)", q.HostLabel)
	}
	if !q.End.After(q.Start) || q.Step <= 0 {
		return nil, fmt.Errorf("prometheus query: empty range %v to %v or step %v; want start < end and a positive step", q.Start, q.End, q.Step)
	}
	r := promv1.Range{Start: q.Start, End: q.End, Step: max(q.Step, q.End.Sub(q.Start)/maxPrometheusPoints+time.Second)}
	offsets, err := queryPerHost(ctx, api, fmt.Sprintf("avg by (%s) (%s)", q.HostLabel, offsetMetric), q.HostLabel, r)
	if err != nil {
		return nil, err
	}
	bounds, err := queryPerHost(ctx, api, fmt.Sprintf("max by (%s) (%s)", q.HostLabel, boundMetric), q.HostLabel, r)
	if err != nil {
		return nil, err
	}
	return joinOffsetsAndBounds(offsets, bounds)
}

// seriesByHost holds one value per host and evaluation time.
type seriesByHost map[string]map[model.Time]float64

// queryPerHost runs one range query and indexes its samples by host.
func queryPerHost(ctx context.Context, api promv1.API, query, hostLabel string, r promv1.Range) (seriesByHost, error) {
	value, _, _, err := api.QueryRange(ctx, query, r)
	if err != nil {
		return nil, fmt.Errorf("prometheus query %q: %w", query, err)
	}
	matrix, ok := value.(model.Matrix)
	if !ok {
		return nil, fmt.Errorf("prometheus query %q: got a %s, want a range vector (matrix)", query, value.Type())
	}
	series := seriesByHost{}
	for _, stream := range matrix {
		host := hostFromLabel(string(stream.Metric[model.LabelName(hostLabel)]))
		if host == "" {
			continue
		}
		if series[host] == nil {
			series[host] = map[model.Time]float64{}
		}
		for _, s := range stream.Values {
			series[host][s.Timestamp] = float64(s.Value)
		}
	}
	return series, nil
}

// hostFromLabel drops a trailing ":PORT" from a label value such as
// instance="web-1:9100".
func hostFromLabel(v string) string {
	if host, _, err := net.SplitHostPort(v); err == nil {
		return host
	}
	return strings.Trim(v, "[]")
}

// joinOffsetsAndBounds pairs each host's offset and bound samples taken at
// the same instant. Samples without a finite offset and bound (what an
// unsynchronized agent may export) are left out.
func joinOffsetsAndBounds(offsets, bounds seriesByHost) (Offsets, error) {
	joined := Offsets{}
	for host, byTime := range offsets {
		for ts, offset := range byTime {
			bound, ok := bounds[host][ts]
			if !ok || !isFinite(offset) || !isFinite(bound) {
				continue
			}
			m, err := newMeasurement(ts.Time(), offset, bound)
			if err != nil {
				return nil, fmt.Errorf("prometheus: host %q at %v: %w", host, ts.Time(), err)
			}
			joined[host] = append(joined[host], m)
		}
	}
	return joined, nil
}

// isFinite reports whether v is neither NaN nor infinite.
func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
