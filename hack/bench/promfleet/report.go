package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"
)

// report is what promfleet measured.
type report struct {
	Hosts  int           `json:"hosts"`
	Rotate time.Duration `json:"rotate_ns"`
	// Relabel says whether deploy/prometheus/prometheus.yml's
	// metric_relabel_configs were applied.
	Relabel bool `json:"metric_relabel"`
	// FleetNice is the served fleet's nice value, AutogroupNice that of
	// the run's scheduler autogroup (0: the caller's).
	FleetNice     int           `json:"fleet_nice"`
	AutogroupNice int           `json:"autogroup_nice"`
	Duration      time.Duration `json:"duration_ns"`
	Prometheus    string        `json:"prometheus_version"`
	// LoadAverage is the machine's when the report was made: the numbers
	// are only as quiet as the machine.
	LoadAverage string       `json:"load_average"`
	Samples     []sample     `json:"samples"`
	Groups      []groupStats `json:"groups"`
	Rules       []groupStats `json:"rules"`
	Panels      []panelQuery `json:"panels"`
	Mesh        meshRun      `json:"mesh"`
	// Down are the samples taken with every agent down (--down), and
	// DownRules the slowest rules then.
	Down      []sample     `json:"down_samples,omitempty"`
	DownRules []groupStats `json:"down_rules,omitempty"`
}

// groupStats sums up one rule group over the second half of the run,
// when the fleet is fully scraped.
type groupStats struct {
	Name     string  `json:"name"`
	Interval float64 `json:"interval_seconds"`
	Mean     float64 `json:"mean_seconds"`
	Max      float64 `json:"max_seconds"`
	Missed   float64 `json:"missed_iterations"`
}

func newReport(o options, l *lab, samples []sample, panels []panelQuery, m meshRun, down []sample) report {
	load, _ := os.ReadFile("/proc/loadavg")
	r := report{Hosts: o.hosts, Rotate: o.rotate, Relabel: o.relabel, FleetNice: o.fleetNice, AutogroupNice: o.groupNice, Duration: o.duration, Prometheus: l.version, LoadAverage: strings.TrimSpace(string(load)), Samples: samples, Panels: panels, Mesh: m, Down: down}
	steady := samples[len(samples)/2:]
	if len(steady) == 0 {
		return r
	}
	for _, name := range sortedKeys(steady[0].Groups) {
		g := summarize(name, steady, func(s sample) float64 { return s.Groups[name] })
		g.Interval, g.Missed = steady[0].Intervals[name], samples[len(samples)-1].Missed[name]
		r.Groups = append(r.Groups, g)
	}
	for _, name := range sortedKeys(steady[0].Rules) {
		r.Rules = append(r.Rules, summarize(name, steady, func(s sample) float64 { return s.Rules[name] }))
	}
	slices.SortStableFunc(r.Rules, func(a, b groupStats) int { return cmp.Compare(b.Mean, a.Mean) })
	if len(down) > 1 {
		// The first sample may predate the first evaluation without the
		// agents.
		for _, name := range sortedKeys(down[0].Rules) {
			r.DownRules = append(r.DownRules, summarize(name, down[1:], func(s sample) float64 { return s.Rules[name] }))
		}
		slices.SortStableFunc(r.DownRules, func(a, b groupStats) int { return cmp.Compare(b.Mean, a.Mean) })
	}
	return r
}

// cores is the CPU Prometheus (cpu of a sample: s.CPU) or the served
// fleet (s.FleetCPU) used over the second half of the run, in cores.
func (r report) cores(cpu func(sample) float64) float64 {
	steady := r.Samples[len(r.Samples)/2:]
	first, last := steady[0], steady[len(steady)-1]
	if last.At <= first.At {
		return 0
	}
	return (cpu(last) - cpu(first)) / (last.At - first.At).Seconds()
}

// loadRange is the lowest and highest one-minute load average sampled
// during the run.
func (r report) loadRange() (lowest, highest float64) {
	lowest = r.Samples[0].Load1
	for _, s := range r.Samples {
		lowest, highest = min(lowest, s.Load1), max(highest, s.Load1)
	}
	return lowest, highest
}

// summarize is the mean and the largest of value over samples.
func summarize(name string, samples []sample, value func(sample) float64) groupStats {
	g := groupStats{Name: name}
	for _, s := range samples {
		g.Mean += value(s) / float64(len(samples))
		g.Max = max(g.Max, value(s))
	}
	return g
}

// print writes the report as tables.
func (r report) print(out io.Writer) {
	last := r.Samples[len(r.Samples)-1]
	peak := slices.MaxFunc(r.Samples, func(a, b sample) int { return cmp.Compare(a.RSS, b.RSS) })
	fmt.Fprintf(out, "\nPrometheus %s, %d agents (peers rotated every %v) scraped every 15s for %v, metric relabelling %v, served fleet at nice %d, autogroup nice %d (load average %s)\n", r.Prometheus, r.Hosts, r.Rotate, r.Duration, r.Relabel, r.FleetNice, r.AutogroupNice, r.LoadAverage)
	lowest, highest := r.loadRange()
	fmt.Fprintf(out, "memory: RSS %.0f MiB at the end, %.0f MiB at most; Go heap in use %.0f MiB; %.0f head series; %.0f agents up; %.0f samples a scrape round; scrape interval p99 %.1fs; CPU %.2f cores over the second half, the served fleet %.2f; load average %.2f to %.2f while scraping\n",
		last.RSS/(1<<20), peak.RSS/(1<<20), last.HeapInUse/(1<<20), last.HeadSeries, last.Up, last.Scraped, last.ScrapeP99,
		r.cores(func(s sample) float64 { return s.CPU }), r.cores(func(s sample) float64 { return s.FleetCPU }), lowest, highest)
	fmt.Fprintf(out, "\n| rule group | interval | evaluation, mean | evaluation, max | missed iterations |\n|---|---|---|---|---|\n")
	for _, g := range r.Groups {
		fmt.Fprintf(out, "| %s | %gs | %s | %s | %.0f |\n", g.Name, g.Interval, seconds(g.Mean), seconds(g.Max), g.Missed)
	}
	fmt.Fprintf(out, "\n| rule (slowest first) | evaluation, mean | evaluation, max |\n|---|---|---|\n")
	for _, g := range r.Rules {
		fmt.Fprintf(out, "| %s | %s | %s |\n", g.Name, seconds(g.Mean), seconds(g.Max))
	}
	fmt.Fprintf(out, "\n| dashboard | panel | query | kind | median | max | Prometheus exec | series | samples read |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, p := range r.Panels {
		kind := "range 6h/20s"
		if p.Instant {
			kind = "instant"
		}
		if p.Err != "" {
			fmt.Fprintf(out, "| %s | %s | `%s` | %s | error: %s |||||\n", p.Dashboard, p.Panel, p.Expr, kind, p.Err)
			continue
		}
		fmt.Fprintf(out, "| %s | %s | `%s` | %s | %s | %s | %s | %d | %d |\n", p.Dashboard, p.Panel, oneLine(p.Expr), kind,
			seconds(p.Median.Seconds()), seconds(p.Max.Seconds()), seconds(p.Exec), p.Series, p.Samples)
	}
	if len(r.DownRules) > 0 {
		fmt.Fprintf(out, "\nWith every agent down (%d samples, %.0f agents up at the end):\n\n| rule (slowest first) | evaluation, mean | evaluation, max |\n|---|---|---|\n", len(r.Down)-1, r.Down[len(r.Down)-1].Up)
		for _, g := range r.DownRules[:min(8, len(r.DownRules))] {
			fmt.Fprintf(out, "| %s | %s | %s |\n", g.Name, seconds(g.Mean), seconds(g.Max))
		}
	}
	if m := r.Mesh; m.Err != "" {
		fmt.Fprintf(out, "\nclockwatch-mesh inference failed: %s\n", m.Err)
	} else {
		fmt.Fprintf(out, "\nclockwatch-mesh inference: %d measurements of %d hosts read in %v, inferred in %v; named %d: %v\n",
			m.Measurements, m.Hosts, m.Read.Round(time.Millisecond), m.Inferred.Round(time.Millisecond), len(m.Named), m.Named)
	}
}

// seconds formats a time in seconds readably.
func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(100 * time.Microsecond).String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
