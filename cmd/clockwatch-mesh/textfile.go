package main

import (
	"github.com/prometheus/client_golang/prometheus"
)

// The verdict as Prometheus metrics, for node_exporter's textfile
// collector: what the mixin's ClockwatchMeshHostOff alert reads.
var (
	hostOffsetDesc = prometheus.NewDesc("clockwatch_mesh_host_offset_seconds",
		"A host's clock minus the fleet's median host's, as the mesh inference solved it, for each host it named (verdict=\"named\": most of its measurements put it provably beyond --threshold) or suspects (verdict=\"suspect\": beyond it, not provably).",
		[]string{"host", "verdict"}, nil)
	hostsDesc = prometheus.NewDesc("clockwatch_mesh_hosts",
		"Hosts measured or measuring in the last inference.", nil, nil)
	measurementsDesc = prometheus.NewDesc("clockwatch_mesh_measurements",
		"Pairwise measurements the last inference read from Prometheus.", nil, nil)
	staleDesc = prometheus.NewDesc("clockwatch_mesh_stale_measurements",
		"Pairwise measurements the last inference left out: taken before one of their hosts stepped (its agent's clockwatch_last_step_timestamp_seconds, or newer measurements of it that agree among themselves and contradict them).", nil, nil)
	namedDesc = prometheus.NewDesc("clockwatch_mesh_named_hosts",
		"Hosts the last inference named.", nil, nil)
	timestampDesc = prometheus.NewDesc("clockwatch_mesh_inference_timestamp_seconds",
		"When the last inference read Prometheus, in seconds since the epoch: the other series are stale once it is old.", nil, nil)
)

// verdictCollector exports one verdict.
type verdictCollector struct{ v verdict }

// Describe sends the descriptions of the verdict's metrics.
func (c verdictCollector) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(c, ch) }

// Collect sends the verdict's metrics.
func (c verdictCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, h := range c.v.Named {
		gauge(hostOffsetDesc, h.Offset, h.Host, "named")
	}
	for _, h := range c.v.Suspects {
		gauge(hostOffsetDesc, h.Offset, h.Host, "suspect")
	}
	gauge(hostsDesc, float64(c.v.Hosts))
	gauge(measurementsDesc, float64(c.v.Measurements))
	gauge(staleDesc, float64(c.v.Stale))
	gauge(namedDesc, float64(len(c.v.Named)))
	gauge(timestampDesc, float64(c.v.Time.UnixNano())/1e9)
}

// writeTextfile writes v as metrics to path, atomically (a temporary file
// renamed over it), so that node_exporter never reads half a verdict.
func writeTextfile(path string, v verdict) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(verdictCollector{v})
	return prometheus.WriteToTextfile(path, reg)
}
