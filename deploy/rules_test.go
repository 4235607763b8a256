package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/deploy/mixin"
	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"
)

// ruleGroup is a rule group of a Prometheus rule file, as far as these
// tests read it (promtool checks the rest).
type ruleGroup struct {
	Name  string `yaml:"name"`
	Rules []rule `yaml:"rules"`
}

// rule is a recording or alerting rule.
type rule struct {
	Record      string            `yaml:"record"`
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// loadRules returns every rule of ruleFiles.
func loadRules(t *testing.T) []rule {
	t.Helper()
	var rules []rule
	for _, f := range ruleFiles {
		var file struct {
			Groups []ruleGroup `yaml:"groups"`
		}
		readYAML(t, f, &file)
		for _, g := range file.Groups {
			rules = append(rules, g.Rules...)
		}
	}
	return rules
}

// countRules returns how many rules ruleFiles define.
func countRules(t *testing.T) int { return len(loadRules(t)) }

// recordedNames returns the names of the series the recording rules define.
func recordedNames(t *testing.T) []string {
	var names []string
	for _, r := range loadRules(t) {
		if r.Record != "" {
			names = append(names, r.Record)
		}
	}
	return names
}

// readYAML decodes the YAML file path into v.
func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// alertTests summarizes the promtool unit tests of prometheus/tests: per
// alert, whether some test expects it firing and some expects it silent.
func alertTests(t *testing.T) (firing, silent map[string]bool) {
	t.Helper()
	files, err := filepath.Glob("prometheus/tests/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	firing, silent = map[string]bool{}, map[string]bool{}
	for _, f := range files {
		var suite struct {
			Tests []struct {
				AlertRuleTest []struct {
					Alertname string           `yaml:"alertname"`
					ExpAlerts []map[string]any `yaml:"exp_alerts"`
				} `yaml:"alert_rule_test"`
			} `yaml:"tests"`
		}
		readYAML(t, f, &suite)
		for _, test := range suite.Tests {
			for _, a := range test.AlertRuleTest {
				if len(a.ExpAlerts) > 0 {
					firing[a.Alertname] = true
				} else {
					silent[a.Alertname] = true
				}
			}
		}
	}
	return firing, silent
}

// TestAlertConventions checks every alert: a severity of the mixin's
// critical or warning (the contract), a hold-down, the annotations a notification shows, a section in the runbook
// its runbook_url points to, and promtool tests that see it fire and see it
// stay silent.
func TestAlertConventions(t *testing.T) {
	runbook, err := os.ReadFile("../docs/runbook.md")
	if err != nil {
		t.Fatal(err)
	}
	firing, silent := alertTests(t)
	config, err := mixin.LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	if config.CriticalSeverity != "critical" || config.WarningSeverity != "warning" {
		t.Fatalf("severities %q and %q, want critical and warning (a contract: Alertmanager routes match them)", config.CriticalSeverity, config.WarningSeverity)
	}
	const runbookURL = "https://github.com/clockwatch/clockwatch/blob/main/docs/runbook.md#"
	for _, r := range loadRules(t) {
		if r.Alert == "" {
			continue
		}
		t.Run(r.Alert, func(t *testing.T) {
			if s := r.Labels["severity"]; s != config.CriticalSeverity && s != config.WarningSeverity {
				t.Errorf("severity %q, want %s or %s", s, config.CriticalSeverity, config.WarningSeverity)
			}
			if d, err := model.ParseDuration(r.For); err != nil || time.Duration(d) < time.Minute {
				t.Errorf("for: %q, want a hold-down of at least 1m", r.For)
			}
			for _, a := range []string{"summary", "description", "runbook_url"} {
				if r.Annotations[a] == "" {
					t.Errorf("no %s annotation", a)
				}
			}
			if want := runbookURL + strings.ToLower(r.Alert); r.Annotations["runbook_url"] != want {
				t.Errorf("runbook_url %q, want %q", r.Annotations["runbook_url"], want)
			}
			if !regexp.MustCompile(`(?m)^## ` + r.Alert + `$`).Match(runbook) {
				t.Errorf("docs/runbook.md has no section %q", "## "+r.Alert)
			}
			if !firing[r.Alert] {
				t.Error("no promtool test expects it to fire")
			}
			if !silent[r.Alert] {
				t.Error("no promtool test expects it to stay silent")
			}
		})
	}
}

// TestRecordingRuleNames checks the level:metric:operations naming of
// recorded series (the level: per job, per instance, or per source of an
// instance) and that each is defined once.
func TestRecordingRuleNames(t *testing.T) {
	valid := regexp.MustCompile(`^(instance|instance_source|job):clockwatch_[a-z0-9_]+:[a-z0-9_]+$`)
	seen := map[string]bool{}
	for _, name := range recordedNames(t) {
		if !valid.MatchString(name) {
			t.Errorf("recorded series %q is not level:clockwatch_metric:operations", name)
		}
		if seen[name] {
			t.Errorf("recorded series %q is defined twice", name)
		}
		seen[name] = true
	}
}

// TestRecordingRulesReadOneEvaluation checks that a recording rule reading
// another recorded series' current value (an instant selector, not a range)
// comes after it in the same group. Groups are evaluated independently: a
// reader in another group sees the producer's previous evaluation, and
// nothing at all until the producer's group first runs.
func TestRecordingRulesReadOneEvaluation(t *testing.T) {
	var file struct {
		Groups []ruleGroup `yaml:"groups"`
	}
	readYAML(t, "prometheus/recording_rules.yml", &file)
	producer := map[string]string{} // recorded name -> its group
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			producer[r.Record] = g.Name
		}
	}
	for _, g := range file.Groups {
		earlier := map[string]bool{}
		for _, r := range g.Rules {
			for _, name := range instantSelectors(r.Expr, producer) {
				if !earlier[name] {
					t.Errorf("group %s, rule %s reads %s (group %s) as an instant vector: "+
						"put it after %s in the same group, or read a range of it",
						g.Name, r.Record, name, producer[name], name)
				}
			}
			earlier[r.Record] = true
		}
	}
}

// instantSelectors returns the names of known that expr selects as instant
// vectors: not followed, after an optional label matcher, by a range.
func instantSelectors(expr string, known map[string]string) []string {
	var names []string
	for name := range known {
		selector := regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\b(\{[^}]*\})?\s*(\[)?`)
		for _, m := range selector.FindAllStringSubmatchIndex(expr, -1) {
			if m[4] < 0 { // no "[": an instant selector
				names = append(names, name)
				break
			}
		}
	}
	return names
}
