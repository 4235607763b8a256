package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/exporters"
	"github.com/clockwatch/clockwatch/ntp"
	"github.com/clockwatch/clockwatch/ptp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
)

// dashboard is a Grafana dashboard as far as the test reads it.
type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []struct {
			Name string `json:"name"`
			Expr string `json:"expr"`
		} `json:"list"`
	} `json:"annotations"`
}

// panel is a dashboard panel; rows nest panels.
type panel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

// query is one PromQL expression of a dashboard and where it is.
type query struct {
	where, expr string
}

// queries returns every PromQL expression of the dashboard: panel targets,
// template variable queries (label_values(SELECTOR, label)) and annotations.
func (d dashboard) queries() []query {
	var qs []query
	var walk func([]panel)
	walk = func(panels []panel) {
		for _, p := range panels {
			for _, t := range p.Targets {
				qs = append(qs, query{"panel " + p.Title + " " + t.RefID, t.Expr})
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	labelValues := regexp.MustCompile(`^label_values\((.*),\s*\w+\)$`)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if json.Unmarshal(v.Query, &q) != nil {
			_ = json.Unmarshal(v.Query, &q.Query)
		}
		if m := labelValues.FindStringSubmatch(q.Query); m != nil {
			qs = append(qs, query{"variable " + v.Name, m[1]})
		} else {
			qs = append(qs, query{"variable " + v.Name, q.Query})
		}
	}
	for _, a := range d.Annotations.List {
		if a.Expr != "" {
			qs = append(qs, query{"annotation " + a.Name, a.Expr})
		}
	}
	return qs
}

// grafanaVariables are replaced by a value of their type before parsing.
var grafanaVariables = strings.NewReplacer(
	"$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h",
	"${job}", "clockwatch", "$job", "clockwatch",
	"${instance}", "host:9896", "$instance", "host:9896",
)

// promql is Prometheus' PromQL parser with its default options.
var promql = parser.NewParser(parser.Options{})

// metricNames returns the metric names a PromQL expression selects.
func metricNames(expr string) ([]string, error) {
	e, err := promql.ParseExpr(grafanaVariables.Replace(expr))
	if err != nil {
		return nil, err
	}
	var names []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			name := vs.Name
			for _, m := range vs.LabelMatchers {
				if m.Name == model.MetricNameLabel {
					name = m.Value
				}
			}
			names = append(names, name)
		}
		return nil
	})
	return names, nil
}

// knownMetrics returns every metric name a dashboard may use: what a live
// demo agent serves, what the optional collectors (peers, responder,
// chronyd, ptp4l) describe, what the recording rules record, and the series
// Prometheus itself makes.
func knownMetrics(t *testing.T) map[string]bool {
	t.Helper()
	known := map[string]bool{"up": true, "ALERTS": true, "ALERTS_FOR_STATE": true}

	agent := startDemo(t, 1)
	agent.waitSynchronized(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	body, err := agent.metrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	textParser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := textParser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	for name := range families {
		known[name] = true
	}

	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	for _, c := range []prometheus.Collector{
		exporters.NewCollector(nil),
		exporters.NewPeerCollector(nil, 0),
		exporters.NewResponderCollector(nil, nil),
		&ntp.ChronySource{},
		&ptp.Ptp4lSource{},
	} {
		descs := make(chan *prometheus.Desc)
		go func() { c.Describe(descs); close(descs) }()
		for d := range descs {
			if m := fqName.FindStringSubmatch(d.String()); m != nil {
				known[m[1]] = true
			}
		}
	}

	for _, name := range recordedNames(t) {
		known[name] = true
	}
	return known
}

// TestDashboards parses every panel query, variable and annotation of every
// dashboard with Prometheus' own PromQL parser and checks that each metric
// it selects is one the agent exports or the recording rules record, and
// that the dashboards are well formed: unique uid, unique panel ids, the
// datasource variable on every panel.
func TestDashboards(t *testing.T) {
	files, err := filepath.Glob("grafana/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("want the executive, on-call and debug dashboards in grafana/, found %v", files)
	}
	known := knownMetrics(t)
	uids := map[string]string{}
	used := map[string]bool{}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var d dashboard
			dec := json.NewDecoder(bytes.NewReader(data))
			if err := dec.Decode(&d); err != nil {
				t.Fatalf("not a dashboard: %v", err)
			}
			if d.UID == "" || d.Title == "" {
				t.Errorf("uid %q title %q: both are needed", d.UID, d.Title)
			}
			if other, dup := uids[d.UID]; dup {
				t.Errorf("uid %q is also the uid of %s", d.UID, other)
			}
			uids[d.UID] = f
			checkPanels(t, d.Panels, map[int]bool{})
			qs := d.queries()
			if len(qs) == 0 {
				t.Fatal("no queries")
			}
			for _, q := range qs {
				names, err := metricNames(q.expr)
				if err != nil {
					t.Errorf("%s: %q: %v", q.where, q.expr, err)
					continue
				}
				for _, name := range names {
					used[name] = true
					if !known[name] {
						t.Errorf("%s: %q selects %s, which clockwatch does not export and no rule records", q.where, q.expr, name)
					}
				}
			}
		})
	}
	// Every fleet SLI recorded is on some dashboard.
	for _, name := range recordedNames(t) {
		if !used[name] && !strings.HasPrefix(name, "instance:") {
			t.Errorf("recorded series %s is on no dashboard", name)
		}
	}
}

// checkPanels checks that panels (and the panels of rows) have unique ids,
// titles, and use the dashboard's datasource variable.
func checkPanels(t *testing.T, panels []panel, ids map[int]bool) {
	t.Helper()
	for _, p := range panels {
		if ids[p.ID] {
			t.Errorf("panel id %d appears twice", p.ID)
		}
		ids[p.ID] = true
		if p.Title == "" {
			t.Errorf("panel %d has no title", p.ID)
		}
		if p.Type != "row" && (p.Datasource == nil || p.Datasource.UID != "${datasource}") {
			t.Errorf("panel %q does not use the ${datasource} variable", p.Title)
		}
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		checkPanels(t, p.Panels, ids)
	}
}

// TestMetricNames checks that the PromQL metric extraction used above sees
// through functions, aggregations, binary operators and {__name__=...}.
func TestMetricNames(t *testing.T) {
	tests := []struct {
		expr string
		want []string
	}{
		{`clockwatch_offset_seconds{job="$job"}`, []string{"clockwatch_offset_seconds"}},
		{`topk(10, abs(clockwatch_offset_seconds))`, []string{"clockwatch_offset_seconds"}},
		{`sum by (source) (rate(clockwatch_source_samples_total[$__rate_interval]))`, []string{"clockwatch_source_samples_total"}},
		{`a_metric + on (instance) b_metric / 0.001`, []string{"a_metric", "b_metric"}},
		{`{__name__="clockwatch_holdover"} == 1`, []string{"clockwatch_holdover"}},
		{`time() - clockwatch_last_sample_timestamp_seconds{instance="$instance"}`, []string{"clockwatch_last_sample_timestamp_seconds"}},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := metricNames(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := metricNames(`clockwatch_offset_seconds{`); err == nil {
		t.Error("a broken query parsed")
	}
}
