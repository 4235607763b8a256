package clockwatchprocessor

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/prometheus/common/model"

	"github.com/clockwatch/clockwatch/tracecorrect"
)

// Config is the processor's configuration: where the hosts' offsets come
// from, how spans name their host, and how the correction runs.
type Config struct {
	// OffsetsFile is an offsets file as `clockwatch trace correct
	// --offsets` reads it, read again at every refresh.
	OffsetsFile string `mapstructure:"offsets_file"`
	// Prometheus reads the agents' clockwatch_offset_seconds and
	// clockwatch_error_bound_seconds from a Prometheus server.
	Prometheus PrometheusConfig `mapstructure:"prometheus"`
	// Agents are base URLs of clockwatch agents, whose offset history is
	// read from GET /api/v1/history.
	Agents []string `mapstructure:"agents"`
	// HostAttributes are the resource attributes that name a span's host,
	// tried in turn: the first that names a host with offsets wins.
	HostAttributes []string `mapstructure:"host_attributes"`
	// RefreshInterval is how often every source is read again, in the
	// background; spans are corrected with what the last read gave.
	RefreshInterval time.Duration `mapstructure:"refresh_interval"`
	// Window is how much offset history is read from Prometheus and the
	// agents at each refresh: spans older than Window when they reach the
	// processor are corrected by causality alone.
	Window time.Duration `mapstructure:"window"`
	// MaxAge is how far from its nearest measurement a host still counts
	// as measured (the CLI's --max-age).
	MaxAge time.Duration `mapstructure:"max_age"`
	// MinimalShifts only removes causality violations (the CLI's
	// --minimal-shifts).
	MinimalShifts bool `mapstructure:"minimal_shifts"`
	// Timeout bounds each read of Prometheus, an agent or the file.
	Timeout time.Duration `mapstructure:"timeout"`
}

// PrometheusConfig says which Prometheus server to read offsets from.
type PrometheusConfig struct {
	// Endpoint is the server's base URL, such as http://prometheus:9090.
	Endpoint string `mapstructure:"endpoint"`
	// HostLabel is the label that names the host; a trailing :PORT of its
	// value is dropped.
	HostLabel string `mapstructure:"host_label"`
	// Step is the resolution of the range queries; use the scrape
	// interval.
	Step time.Duration `mapstructure:"step"`
}

// Defaults of Config.
const (
	defaultRefreshInterval = 30 * time.Second
	defaultWindow          = 15 * time.Minute
	defaultTimeout         = 10 * time.Second
	defaultPrometheusStep  = 15 * time.Second
)

// createDefaultConfig is the configuration a user's settings are laid on.
func createDefaultConfig() *Config {
	return &Config{
		Prometheus:      PrometheusConfig{HostLabel: tracecorrect.DefaultPrometheusHostLabel, Step: defaultPrometheusStep},
		HostAttributes:  append([]string(nil), tracecorrect.DefaultHostAttributes...),
		RefreshInterval: defaultRefreshInterval,
		Window:          defaultWindow,
		MaxAge:          tracecorrect.DefaultMaxAge,
		Timeout:         defaultTimeout,
	}
}

// Validate reports the first setting that cannot work.
func (c *Config) Validate() error {
	if c.OffsetsFile == "" && c.Prometheus.Endpoint == "" && len(c.Agents) == 0 {
		return errors.New("no offsets source: set offsets_file, prometheus.endpoint or agents, or the processor can only guess from causality")
	}
	for _, d := range []struct {
		name  string
		value time.Duration
	}{{"refresh_interval", c.RefreshInterval}, {"window", c.Window}, {"timeout", c.Timeout}} {
		if d.value <= 0 {
			return fmt.Errorf("%s %v: want a positive duration such as 30s", d.name, d.value)
		}
	}
	if c.MaxAge < 0 {
		return fmt.Errorf("max_age %v: want a positive duration, or 0 for the default %v", c.MaxAge, tracecorrect.DefaultMaxAge)
	}
	if len(c.HostAttributes) == 0 {
		return fmt.Errorf("host_attributes is empty: want resource attribute names such as %q", tracecorrect.DefaultHostAttributes)
	}
	for _, attr := range c.HostAttributes {
		if attr == "" {
			return fmt.Errorf("host_attributes %q: an empty name", c.HostAttributes)
		}
	}
	if err := c.Prometheus.validate(); err != nil {
		return err
	}
	for _, agent := range c.Agents {
		if err := checkURL(agent); err != nil {
			return fmt.Errorf("agents: %w", err)
		}
	}
	return nil
}

// validate checks the Prometheus settings when an endpoint is set.
func (p PrometheusConfig) validate() error {
	if p.Endpoint == "" {
		return nil
	}
	if err := checkURL(p.Endpoint); err != nil {
		return fmt.Errorf("prometheus.endpoint: %w", err)
	}
	if !model.LabelName(p.HostLabel).IsValidLegacy() {
		return fmt.Errorf("prometheus.host_label %q: want a label name such as instance", p.HostLabel)
	}
	if p.Step <= 0 {
		return fmt.Errorf("prometheus.step %v: want a positive duration, the scrape interval", p.Step)
	}
	return nil
}

// checkURL accepts absolute http and https URLs.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q: want an absolute URL such as http://host:port", raw)
	}
	return nil
}
