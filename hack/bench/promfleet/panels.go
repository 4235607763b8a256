package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// How Grafana runs a dashboard's queries here: over the dashboards' default
// range of 6 hours, at the step Grafana picks for a panel about 1,000
// pixels wide (6h/1000, rounded to 20 s), with $__rate_interval four
// scrape intervals.
const (
	dashboardRange = 6 * time.Hour
	dashboardStep  = 20 * time.Second
	rateInterval   = "1m"
	job            = "clockwatch"
)

// panelQuery is one query of a dashboard and how long it took.
type panelQuery struct {
	Dashboard string `json:"dashboard"`
	Panel     string `json:"panel"`
	Expr      string `json:"expr"`
	Instant   bool   `json:"instant"`
	// Median and Max are the wall times of its runs; Exec is Prometheus'
	// own execution time of the median run.
	Median time.Duration `json:"median_ns"`
	Max    time.Duration `json:"max_ns"`
	Exec   float64       `json:"exec_seconds"`
	// Series and Samples are what it returned and what it read.
	Series  int    `json:"series"`
	Samples int64  `json:"samples"`
	Err     string `json:"error,omitempty"`
}

// dashboard is what is read of a Grafana dashboard.
type dashboard struct {
	Title  string  `json:"title"`
	Panels []panel `json:"panels"`
}

type panel struct {
	Title   string  `json:"title"`
	Panels  []panel `json:"panels"`
	Targets []struct {
		Expr    string `json:"expr"`
		Instant bool   `json:"instant"`
	} `json:"targets"`
}

// queryPanels runs every query of every dashboard in deploy/grafana as
// Grafana would, repeat times each, after the dashboards' variable queries
// (the instance list among them).
func queryPanels(ctx context.Context, prom *promClient, repeat int) ([]panelQuery, error) {
	files, err := filepath.Glob("deploy/grafana/*.json")
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no dashboards in deploy/grafana (run promfleet from the repository's root)")
	}
	instance, variables, err := queryVariables(ctx, prom, repeat)
	if err != nil {
		return nil, err
	}
	out := variables
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var d dashboard
		if err := json.Unmarshal(b, &d); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, p := range flatten(d.Panels) {
			for _, t := range p.Targets {
				expr := strings.NewReplacer("$job", job, "$instance", instance, "$__rate_interval", rateInterval).Replace(t.Expr)
				q := panelQuery{Dashboard: d.Title, Panel: p.Title, Expr: expr, Instant: t.Instant}
				timeQuery(ctx, prom, &q, repeat)
				out = append(out, q)
			}
		}
	}
	return out, nil
}

// flatten lists the panels inside rows too.
func flatten(panels []panel) []panel {
	var out []panel
	for _, p := range panels {
		out = append(out, p)
		out = append(out, flatten(p.Panels)...)
	}
	return out
}

// queryVariables runs the dashboards' variable queries (label_values,
// which Grafana sends as label values requests) and returns the first
// instance, which the debug dashboard's panels are then drawn for.
func queryVariables(ctx context.Context, prom *promClient, repeat int) (string, []panelQuery, error) {
	var out []panelQuery
	var instances []string
	for _, v := range []struct{ label, match string }{
		{"job", `clockwatch_synchronized{job="clockwatch"}`},
		{"instance", `clockwatch_synchronized{job="clockwatch"}`},
	} {
		q := panelQuery{Dashboard: "(variables)", Panel: "label_values(" + v.match + ", " + v.label + ")", Expr: v.match, Instant: true}
		var runs []time.Duration
		for range repeat {
			var values []string
			began := time.Now()
			if err := prom.get(ctx, "/api/v1/label/"+v.label+"/values", url.Values{"match[]": {v.match}}, &values); err != nil {
				return "", nil, err
			}
			runs = append(runs, time.Since(began))
			q.Series = len(values)
			if v.label == "instance" {
				instances = values
			}
		}
		q.Median, q.Max = median(runs), slices.Max(runs)
		out = append(out, q)
	}
	if len(instances) == 0 {
		return "", nil, fmt.Errorf("no instance has clockwatch_synchronized: is Prometheus scraping the fleet?")
	}
	return instances[0], out, nil
}

// timeQuery runs q repeat times and records its times and result.
func timeQuery(ctx context.Context, prom *promClient, q *panelQuery, repeat int) {
	rangeOf := dashboardRange
	if q.Instant {
		rangeOf = 0
	}
	var runs []time.Duration
	var execs []float64
	for range repeat {
		r, took, err := prom.query(ctx, q.Expr, time.Now(), rangeOf, dashboardStep)
		if err != nil {
			q.Err = err.Error()
			return
		}
		runs, execs = append(runs, took), append(execs, r.Stats.Timings.ExecTotalTime)
		q.Series, q.Samples = len(r.Result), r.Stats.Samples.TotalQueryableSamples
	}
	q.Median, q.Max = median(runs), slices.Max(runs)
	slices.Sort(execs)
	q.Exec = execs[len(execs)/2]
}

// median returns the median of runs.
func median(runs []time.Duration) time.Duration {
	s := slices.Clone(runs)
	slices.Sort(s)
	return s[len(s)/2]
}
