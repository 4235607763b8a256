package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/clockwatch/clockwatch/hack/bench/procstat"
	dto "github.com/prometheus/client_model/go"
)

// sample is Prometheus at one instant of the run.
type sample struct {
	At time.Duration `json:"at_seconds"`
	// Groups are the rule groups' last evaluation times, by name.
	Groups map[string]float64 `json:"group_evaluation_seconds"`
	// Intervals are the rule groups' intervals, by name.
	Intervals map[string]float64 `json:"group_interval_seconds"`
	// Missed counts each group's missed iterations so far.
	Missed map[string]float64 `json:"group_missed_iterations"`
	// Rules are each rule's last evaluation time, by "GROUP/RULE".
	Rules map[string]float64 `json:"rule_evaluation_seconds"`
	// CPU is the CPU time Prometheus has used, in seconds; Cores what it
	// used since the sample before, in cores.
	CPU   float64 `json:"cpu_seconds"`
	Cores float64 `json:"cores"`
	// RSS and HeapInUse are Prometheus' memory, in bytes.
	RSS       float64 `json:"rss_bytes"`
	HeapInUse float64 `json:"heap_inuse_bytes"`
	// HeadSeries are the series in the head block; Up the agents
	// scraped successfully; Samples those appended per second.
	HeadSeries float64 `json:"head_series"`
	Up         float64 `json:"targets_up"`
	Scraped    float64 `json:"samples_per_scrape_round"`
	// ScrapeP99 is the 99th percentile of the intervals between scrapes of
	// a target, which grows past 15 s when Prometheus falls behind.
	ScrapeP99 float64 `json:"scrape_interval_p99_seconds"`
	// Load1 is the machine's load average over the last minute; FleetCPU
	// the CPU time the served fleet has used, in seconds.
	Load1    float64 `json:"load1"`
	FleetCPU float64 `json:"fleet_cpu_seconds"`
}

// sampleWhile samples Prometheus every every for duration, printing a
// line for each.
func sampleWhile(ctx context.Context, prom *promClient, fleet int, duration, every time.Duration, out io.Writer) ([]sample, error) {
	start := time.Now()
	var samples []sample
	for {
		select {
		case <-ctx.Done():
			return samples, ctx.Err()
		case <-time.After(every):
		}
		s, err := takeSample(ctx, prom)
		if err != nil {
			fmt.Fprintf(out, "promfleet: sample failed: %v\n", err)
			continue
		}
		s.At = time.Since(start).Round(time.Second)
		s.Load1, s.FleetCPU = loadAverage(), cpuSeconds(fleet)
		if n := len(samples); n > 0 {
			s.Cores = (s.CPU - samples[n-1].CPU) / (s.At - samples[n-1].At).Seconds()
		}
		samples = append(samples, s)
		fmt.Fprintf(out, "  %6v  load %5.2f  up %5.0f  head series %9.0f  RSS %6.0f MiB  heap %6.0f MiB  CPU %4.2f cores  scrape p99 %5.1fs  groups %s\n",
			s.At, s.Load1, s.Up, s.HeadSeries, s.RSS/(1<<20), s.HeapInUse/(1<<20), s.Cores, s.ScrapeP99, formatGroups(s.Groups))
		if time.Since(start) >= duration {
			return samples, nil
		}
	}
}

// takeSample reads the rule groups and Prometheus' own metrics.
func takeSample(ctx context.Context, prom *promClient) (sample, error) {
	s := sample{Groups: map[string]float64{}, Intervals: map[string]float64{}, Missed: map[string]float64{}, Rules: map[string]float64{}}
	var rules struct {
		Groups []struct {
			Name           string  `json:"name"`
			Interval       float64 `json:"interval"`
			EvaluationTime float64 `json:"evaluationTime"`
			Rules          []struct {
				Name           string  `json:"name"`
				EvaluationTime float64 `json:"evaluationTime"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := prom.get(ctx, "/api/v1/rules", nil, &rules); err != nil {
		return s, err
	}
	for _, g := range rules.Groups {
		s.Groups[g.Name], s.Intervals[g.Name] = g.EvaluationTime, g.Interval
		for _, r := range g.Rules {
			// A group may hold one alert's rules twice (warning and
			// critical): keep the slower.
			key := g.Name + "/" + r.Name
			s.Rules[key] = max(s.Rules[key], r.EvaluationTime)
		}
	}
	families, err := prom.metrics(ctx)
	if err != nil {
		return s, err
	}
	s.RSS = gauge(families, "process_resident_memory_bytes")
	s.CPU = counter(families, "process_cpu_seconds_total")
	s.HeapInUse = gauge(families, "go_memstats_heap_inuse_bytes")
	s.HeadSeries = gauge(families, "prometheus_tsdb_head_series")
	for _, m := range families["prometheus_rule_group_iterations_missed_total"].GetMetric() {
		s.Missed[groupOf(m)] = m.GetCounter().GetValue()
	}
	for _, m := range families["prometheus_target_interval_length_seconds"].GetMetric() {
		for _, q := range m.GetSummary().GetQuantile() {
			if q.GetQuantile() == 0.99 {
				s.ScrapeP99 = max(s.ScrapeP99, q.GetValue())
			}
		}
	}
	s.Up = scalar(ctx, prom, `count(up{job="clockwatch"} == 1)`)
	s.Scraped = scalar(ctx, prom, `sum(scrape_samples_scraped{job="clockwatch"})`)
	return s, nil
}

// gauge is the value of an unlabelled gauge, or 0.
func gauge(families map[string]*dto.MetricFamily, name string) float64 {
	for _, m := range families[name].GetMetric() {
		return m.GetGauge().GetValue()
	}
	return 0
}

// counter is the value of an unlabelled counter, or 0.
func counter(families map[string]*dto.MetricFamily, name string) float64 {
	for _, m := range families[name].GetMetric() {
		return m.GetCounter().GetValue()
	}
	return 0
}

// groupOf names a rule group metric's group: its rule_group label ends
// with ";NAME".
func groupOf(m *dto.Metric) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == "rule_group" {
			v := l.GetValue()
			for i := len(v) - 1; i >= 0; i-- {
				if v[i] == ';' {
					return v[i+1:]
				}
			}
			return v
		}
	}
	return ""
}

// scalar runs an instant query of one value; NaN when it fails.
func scalar(ctx context.Context, prom *promClient, expr string) float64 {
	var r struct {
		Result []struct {
			Value [2]json.RawMessage `json:"value"`
		} `json:"result"`
	}
	if err := prom.get(ctx, "/api/v1/query", url.Values{"query": {expr}}, &r); err != nil || len(r.Result) == 0 {
		return 0
	}
	var text string
	if json.Unmarshal(r.Result[0].Value[1], &text) != nil {
		return 0
	}
	v, _ := strconv.ParseFloat(text, 64)
	return v
}

// formatGroups prints evaluation times in milliseconds.
func formatGroups(groups map[string]float64) string {
	var out string
	for _, name := range sortedKeys(groups) {
		out += fmt.Sprintf(" %s=%.0fms", name, groups[name]*1000)
	}
	return out
}

// loadAverage is the machine's load average over the last minute, or 0.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(fields[0], 64)
	return v
}

// cpuSeconds is the CPU time process pid has used (user and system), in
// seconds; 0 if it cannot be read.
func cpuSeconds(pid int) float64 {
	d, err := procstat.CPU(pid)
	if err != nil {
		return 0
	}
	return d.Seconds()
}
