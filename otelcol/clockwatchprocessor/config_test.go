package clockwatchprocessor

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/clockwatch/clockwatch/tracecorrect"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id      component.ID
		want    *Config
		wantErr string
	}{{
		id: component.NewID(Type),
		want: func() *Config {
			c := createDefaultConfig()
			c.OffsetsFile = "/var/lib/clockwatch/offsets.json"
			return c
		}(),
	}, {
		id: component.NewIDWithName(Type, "all"),
		want: &Config{
			OffsetsFile:     "/var/lib/clockwatch/offsets.json",
			Prometheus:      PrometheusConfig{Endpoint: "http://prometheus:9090", HostLabel: "node", Step: 30 * time.Second},
			Agents:          []string{"http://web-1:9896", "http://db-1:9896"},
			HostAttributes:  []string{"host.name", "k8s.node.name"},
			RefreshInterval: time.Minute,
			Window:          30 * time.Minute,
			MaxAge:          5 * time.Minute,
			MinimalShifts:   true,
			Timeout:         5 * time.Second,
		},
	}, {
		id:      component.NewIDWithName(Type, "none"),
		wantErr: "no offsets source",
	}, {
		id:      component.NewIDWithName(Type, "bad_url"),
		wantErr: `agents: "web-1:9896": want an absolute URL`,
	}}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			if err != nil {
				t.Fatal(err)
			}
			if err := sub.Unmarshal(cfg); err != nil {
				t.Fatal(err)
			}
			err = confmap.Validate(cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Validate: %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.(*Config); !equalConfig(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// equalConfig compares two configurations field by field.
func equalConfig(a, b *Config) bool {
	return a.OffsetsFile == b.OffsetsFile && a.Prometheus == b.Prometheus &&
		strings.Join(a.Agents, " ") == strings.Join(b.Agents, " ") &&
		strings.Join(a.HostAttributes, " ") == strings.Join(b.HostAttributes, " ") &&
		a.RefreshInterval == b.RefreshInterval && a.Window == b.Window && a.MaxAge == b.MaxAge &&
		a.MinimalShifts == b.MinimalShifts && a.Timeout == b.Timeout
}

func TestConfigValidate(t *testing.T) {
	valid := func(change func(*Config)) *Config {
		c := createDefaultConfig()
		c.OffsetsFile = "offsets.json"
		change(c)
		return c
	}
	tests := []struct {
		name    string
		cfg     *Config
		wantErr string
	}{
		{"offsets file alone", valid(func(*Config) {}), ""},
		{"prometheus alone", valid(func(c *Config) { c.OffsetsFile, c.Prometheus.Endpoint = "", "https://prom:9090/prefix" }), ""},
		{"agents alone", valid(func(c *Config) { c.OffsetsFile, c.Agents = "", []string{"http://[::1]:9896"} }), ""},
		{"no source", valid(func(c *Config) { c.OffsetsFile = "" }), "no offsets source"},
		{"zero refresh", valid(func(c *Config) { c.RefreshInterval = 0 }), "refresh_interval 0s"},
		{"negative window", valid(func(c *Config) { c.Window = -time.Second }), "window -1s"},
		{"zero timeout", valid(func(c *Config) { c.Timeout = 0 }), "timeout 0s"},
		{"negative max age", valid(func(c *Config) { c.MaxAge = -time.Second }), "max_age -1s"},
		{"no host attributes", valid(func(c *Config) { c.HostAttributes = nil }), "host_attributes is empty"},
		{"empty host attribute", valid(func(c *Config) { c.HostAttributes = []string{"host.name", ""} }), "an empty name"},
		{"prometheus not a URL", valid(func(c *Config) { c.Prometheus.Endpoint = "prometheus:9090" }), "prometheus.endpoint"},
		{"prometheus bad label", valid(func(c *Config) { c.Prometheus.Endpoint, c.Prometheus.HostLabel = "http://p", "host-name" }), "prometheus.host_label"},
		{"prometheus zero step", valid(func(c *Config) { c.Prometheus.Endpoint, c.Prometheus.Step = "http://p", 0 }), "prometheus.step"},
		{"agent ftp", valid(func(c *Config) { c.Agents = []string{"ftp://web-1"} }), "agents"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Validate: %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfigStruct(t *testing.T) {
	if err := componenttest.CheckConfigStruct(createDefaultConfig()); err != nil {
		t.Fatal(err)
	}
	if got := createDefaultConfig().HostAttributes; strings.Join(got, ",") != strings.Join(tracecorrect.DefaultHostAttributes, ",") {
		t.Errorf("default host_attributes %q, want %q", got, tracecorrect.DefaultHostAttributes)
	}
}
