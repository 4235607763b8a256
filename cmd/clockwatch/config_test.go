package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSourceFlagsLoad(t *testing.T) {
	tests := []struct {
		name     string
		file     string // YAML; empty: no --config.file
		flags    sourceFlags
		servers  []string
		interval time.Duration
		errText  string
	}{
		{
			name:     "flags only",
			flags:    sourceFlags{servers: []string{"a", "b:124"}, pollInterval: 16 * time.Second, holdoverMax: time.Hour},
			servers:  []string{"a", "b:124"},
			interval: 16 * time.Second,
		},
		{
			name:     "file, flags add servers, file interval kept",
			file:     "ntp:\n  servers: [x, y]\npoll:\n  interval: 2s\n",
			flags:    sourceFlags{servers: []string{"z"}, pollInterval: 16 * time.Second, holdoverMax: time.Hour},
			servers:  []string{"x", "y", "z"},
			interval: 2 * time.Second,
		},
		{
			name:     "flag interval overrides file",
			file:     "ntp:\n  servers: [x]\npoll:\n  interval: 2s\n",
			flags:    sourceFlags{pollInterval: 5 * time.Second, pollIntervalSet: true, holdoverMax: time.Hour},
			servers:  []string{"x"},
			interval: 5 * time.Second,
		},
		{name: "no sources", flags: sourceFlags{pollInterval: time.Second, holdoverMax: time.Hour}, errText: "no sources"},
		{name: "unknown key", file: "ntp:\n  server: [x]\n", flags: sourceFlags{pollInterval: time.Second, holdoverMax: time.Hour}, errText: "field server not found"},
		{name: "bad yaml", file: "ntp: [", flags: sourceFlags{pollInterval: time.Second, holdoverMax: time.Hour}, errText: "config:"},
		{name: "bad duration", file: "ntp:\n  servers: [x]\npoll:\n  interval: soon\n", flags: sourceFlags{pollInterval: time.Second, holdoverMax: time.Hour}, errText: "soon"},
		{name: "duplicate", flags: sourceFlags{servers: []string{"a", "a:123"}, pollInterval: time.Second, holdoverMax: time.Hour}, errText: "listed twice"},
		{name: "bad port", flags: sourceFlags{servers: []string{"a:99999"}, pollInterval: time.Second, holdoverMax: time.Hour}, errText: "port"},
		{name: "interval too short", flags: sourceFlags{servers: []string{"a"}, pollInterval: time.Millisecond, holdoverMax: time.Hour}, errText: "poll interval"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.flags
			if tc.file != "" {
				f.configFile = filepath.Join(t.TempDir(), "c.yml")
				if err := os.WriteFile(f.configFile, []byte(tc.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cfg, err := f.load()
			if tc.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("err %v, want one containing %q", err, tc.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cfg.servers, tc.servers) || cfg.pollInterval != tc.interval {
				t.Errorf("got servers %v interval %v", cfg.servers, cfg.pollInterval)
			}
		})
	}
}

func TestMissingConfigFile(t *testing.T) {
	f := sourceFlags{configFile: filepath.Join(t.TempDir(), "absent.yml"), pollInterval: time.Second, holdoverMax: time.Hour}
	if _, err := f.load(); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
}
