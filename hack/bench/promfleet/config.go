package main

import (
	"fmt"
	"os"

	"gopkg.in/yaml.v3"
)

// exampleConfig is the project's example Prometheus configuration, whose
// clockwatch job's metric_relabel_configs --metric-relabel applies.
const exampleConfig = "deploy/prometheus/prometheus.yml"

// promConfig is the Prometheus configuration of the run.
type promConfig struct {
	Global        map[string]string `yaml:"global"`
	RuleFiles     []string          `yaml:"rule_files"`
	ScrapeConfigs []scrapeConfig    `yaml:"scrape_configs"`
}

// scrapeConfig is one scrape job; the relabelling is carried as it is.
type scrapeConfig struct {
	JobName       string           `yaml:"job_name"`
	FileSDConfigs []map[string]any `yaml:"file_sd_configs,omitempty"`
	MetricRelabel []map[string]any `yaml:"metric_relabel_configs,omitempty"`
}

// newPromConfig scrapes the targets in targetsFile every 15 s as job
// "clockwatch" with the rule files, and with the example configuration's
// metric_relabel_configs for that job when relabel is set.
func newPromConfig(rules []string, targetsFile string, relabel bool) ([]byte, error) {
	job := scrapeConfig{JobName: job, FileSDConfigs: []map[string]any{{"files": []string{targetsFile}}}}
	if relabel {
		example, err := exampleRelabelling()
		if err != nil {
			return nil, err
		}
		job.MetricRelabel = example
	}
	return yaml.Marshal(promConfig{
		Global:        map[string]string{"scrape_interval": "15s", "evaluation_interval": "15s"},
		RuleFiles:     rules,
		ScrapeConfigs: []scrapeConfig{job},
	})
}

// exampleRelabelling reads the clockwatch job's metric_relabel_configs
// from the example configuration.
func exampleRelabelling() ([]map[string]any, error) {
	b, err := os.ReadFile(exampleConfig)
	if err != nil {
		return nil, fmt.Errorf("%w (run promfleet from the repository's root)", err)
	}
	var example promConfig
	if err := yaml.Unmarshal(b, &example); err != nil {
		return nil, fmt.Errorf("%s: %w", exampleConfig, err)
	}
	for _, s := range example.ScrapeConfigs {
		if s.JobName == job && len(s.MetricRelabel) > 0 {
			return s.MetricRelabel, nil
		}
	}
	return nil, fmt.Errorf("%s: job %q has no metric_relabel_configs to apply", exampleConfig, job)
}
