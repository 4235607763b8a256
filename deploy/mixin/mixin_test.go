package mixin

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"
)

// rule is a rule of a rendered rule file.
type rule struct {
	Record string            `yaml:"record"`
	Alert  string            `yaml:"alert"`
	Expr   string            `yaml:"expr"`
	Labels map[string]string `yaml:"labels"`
}

// name names a rule: its recorded series, or its alert and severity.
func (r rule) name() string {
	if r.Record != "" {
		return r.Record
	}
	return r.Alert + "/" + r.Labels["severity"]
}

// renderRules renders the mixin with config and returns its rules by name.
func renderRules(t *testing.T, config string) (map[string]rule, map[string][]byte) {
	t.Helper()
	files, err := Render(config)
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]rule{}
	for _, name := range []string{"prometheus/recording_rules.yml", "prometheus/alerting_rules.yml"} {
		var file struct {
			Groups []struct {
				Rules []rule `yaml:"rules"`
			} `yaml:"groups"`
		}
		if err := yaml.Unmarshal(files[name], &file); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, g := range file.Groups {
			for _, r := range g.Rules {
				rules[r.name()] = r
			}
		}
	}
	return rules, files
}

// numbers returns the number literals of a PromQL expression.
func numbers(t *testing.T, expr string) []float64 {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Fatalf("%q: %v", expr, err)
	}
	var out []float64
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if l, ok := n.(*parser.NumberLiteral); ok {
			out = append(out, l.Val)
		}
		return nil
	})
	return out
}

// TestThresholdsScaleWithSLO renders the mixin with another SLO and
// objective and checks that every threshold derived from them moves with
// them: the budget is one _config value, written nowhere else.
func TestThresholdsScaleWithSLO(t *testing.T) {
	defaults, _ := renderRules(t, "")
	scaled, files := renderRules(t, "{ sloOffsetSeconds: 0.001, sloObjective: 0.99 }")
	tests := []struct {
		rule          string
		before, after float64
	}{
		{"instance:clockwatch_offset_within_slo:bool", 0.0025, 0.001},
		{"instance:clockwatch_offset_provably_within_slo:bool", 0.0025, 0.001},
		{"ClockwatchFleetSkewHigh/critical", 0.005, 0.002},
		{"ClockwatchPeerSkewHigh/critical", 0.005, 0.002},
		{"ClockwatchClockSkewDetected/critical", 0.0075, 0.003},
		{"ClockwatchClockSkewDetected/warning", 0.0025, 0.001},
		{"ClockwatchErrorBoundOverBudget/warning", 0.01, 0.004},
		{"ClockwatchSLOBudgetBurnFast/critical", 14.4 * 0.001, 14.4 * 0.01},
		{"ClockwatchSLOBudgetBurnSlow/warning", 3 * 0.001, 3 * 0.01},
		{"job:clockwatch_slo_error_budget:remaining_ratio30d", 0.001, 0.01},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			before, after := numbers(t, defaults[tc.rule].Expr), numbers(t, scaled[tc.rule].Expr)
			if !containsClose(before, tc.before) {
				t.Errorf("default expression has no %g: %v in %q", tc.before, before, defaults[tc.rule].Expr)
			}
			if !containsClose(after, tc.after) || containsClose(after, tc.before) {
				t.Errorf("with the SLO changed, want %g and no %g: %v in %q", tc.after, tc.before, after, scaled[tc.rule].Expr)
			}
		})
	}
	// No number derived from the default SLO is left in any file.
	stale := regexp.MustCompile(`\b0\.0025\b|\b2\.5 ?ms\b|\b0\.005\b|\b5 ?ms\b|\b0\.0075\b`)
	for name, data := range files {
		if m := stale.Find(data); m != nil {
			t.Errorf("%s still says %q with the SLO at 1 ms", name, m)
		}
	}
}

// containsClose reports whether xs holds x, up to float rounding.
func containsClose(xs []float64, x float64) bool {
	return slices.ContainsFunc(xs, func(v float64) bool { return v > x*(1-1e-9) && v < x*(1+1e-9) })
}

// TestSelector renders the mixin with other selectors and checks every
// selector of a raw clockwatch series (and up) in the rules and the
// dashboards' variables carries clockwatchSelector, those of
// clockwatch-mesh's verdicts (clockwatch_mesh_*, which node_exporter
// serves) meshSelector, and that job="clockwatch" is gone.
func TestSelector(t *testing.T) {
	rules, files := renderRules(t, `{ clockwatchSelector: 'job="time", cluster="eu"', meshSelector: 'job="node", cluster="eu"' }`)
	want := []*labels.Matcher{
		labels.MustNewMatcher(labels.MatchEqual, "job", "time"),
		labels.MustNewMatcher(labels.MatchEqual, "cluster", "eu"),
	}
	meshWant := []*labels.Matcher{
		labels.MustNewMatcher(labels.MatchEqual, "job", "node"),
		labels.MustNewMatcher(labels.MatchEqual, "cluster", "eu"),
	}
	for name, r := range rules {
		checkSelectors(t, name, r.Expr, want, meshWant)
	}
	for name, data := range files {
		if strings.Contains(string(data), `job="clockwatch"`) || strings.Contains(string(data), `job=\"clockwatch\"`) {
			t.Errorf("%s still selects job=\"clockwatch\"", name)
		}
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		var d struct {
			Templating struct {
				List []struct {
					Name       string `json:"name"`
					Definition string `json:"definition"`
				} `json:"list"`
			} `json:"templating"`
		}
		if err := json.Unmarshal(data, &d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, v := range d.Templating.List {
			if v.Name == "job" {
				inner := strings.TrimSuffix(strings.TrimPrefix(v.Definition, "label_values("), ", job)")
				checkSelectors(t, name+" variable job", inner, want, meshWant)
			}
		}
	}
}

// checkSelectors checks that every selector of a raw series in expr (a
// name without the colons of a recorded one) has the matchers want, or
// meshWant for clockwatch-mesh's series.
func checkSelectors(t *testing.T, where, expr string, want, meshWant []*labels.Matcher) {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Fatalf("%s: %q: %v", where, expr, err)
	}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok || strings.Contains(vs.Name, ":") {
			return nil
		}
		matchers := want
		if strings.HasPrefix(vs.Name, "clockwatch_mesh_") {
			matchers = meshWant
		}
		for _, w := range matchers {
			if !slices.ContainsFunc(vs.LabelMatchers, func(m *labels.Matcher) bool { return m.String() == w.String() }) {
				t.Errorf("%s: %s lacks %s", where, vs, w)
			}
		}
		return nil
	})
}

// TestSeverities checks the severity contract: critical and warning by
// default, both used, and nothing else; and that _config renames them.
func TestSeverities(t *testing.T) {
	count := func(rules map[string]rule) map[string]int {
		n := map[string]int{}
		for _, r := range rules {
			if r.Alert != "" {
				n[r.Labels["severity"]]++
			}
		}
		return n
	}
	got := count(must(renderRules(t, "")))
	if len(got) != 2 || got["critical"] == 0 || got["warning"] == 0 {
		t.Errorf("severities %v, want critical and warning only", got)
	}
	renamed := count(must(renderRules(t, "{ criticalSeverity: 'page', warningSeverity: 'ticket' }")))
	if renamed["page"] != got["critical"] || renamed["ticket"] != got["warning"] {
		t.Errorf("renamed severities %v, want page %d and ticket %d", renamed, got["critical"], got["warning"])
	}
}

// must drops the files of renderRules.
func must(rules map[string]rule, _ map[string][]byte) map[string]rule { return rules }

// TestLoadConfig reads the defaults and an override.
func TestLoadConfig(t *testing.T) {
	c, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	if c.SLOOffsetSeconds != 0.0025 || c.SLOObjective != 0.999 || c.Selector != `job="clockwatch"` ||
		c.CriticalSeverity != "critical" || c.WarningSeverity != "warning" {
		t.Errorf("defaults %+v", c)
	}
	c, err = LoadConfig("{ sloOffsetSeconds: 0.001 }")
	if err != nil || c.SLOOffsetSeconds != 0.001 {
		t.Errorf("override: %+v, %v", c, err)
	}
}

// TestRenderErrors checks that a bad _config is an error naming the
// problem, not a panic.
func TestRenderErrors(t *testing.T) {
	for _, config := range []string{"{", "{ sloOffsetSeconds: 'fast' }", "42"} {
		if _, err := Render(config); err == nil {
			t.Errorf("Render(%q): no error", config)
		} else if !strings.Contains(err.Error(), "mixin:") {
			t.Errorf("Render(%q): %v", config, err)
		}
	}
}

// TestNumberFormat checks the literals format.libsonnet writes: no float
// noise, exponents without leading zeros.
func TestNumberFormat(t *testing.T) {
	rules, _ := renderRules(t, "{ sloOffsetSeconds: 0.00001 }")
	for name, r := range rules {
		for _, field := range regexp.MustCompile(`[0-9][0-9.e+-]*`).FindAllString(r.Expr, -1) {
			if _, err := strconv.ParseFloat(field, 64); err == nil && len(field) > 10 {
				t.Errorf("%s: literal %q is float noise", name, field)
			}
		}
	}
}
