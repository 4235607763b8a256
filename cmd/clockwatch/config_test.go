package main

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/internal/agent"
	"github.com/clockwatch/clockwatch/ntp"
)

// parseSourceFlags parses args as `clockwatch run` would.
func parseSourceFlags(t *testing.T, args ...string) *sourceFlags {
	t.Helper()
	app := kingpin.New("test", "")
	f := addSourceFlags(app.Command("run", ""))
	if _, err := app.Parse(append([]string{"run"}, args...)); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return f
}

// loadTestConfig loads the configuration as `clockwatch run args...` would,
// with file (when not empty) as its --config.file.
func loadTestConfig(t *testing.T, file string, args ...string) (agent.Config, error) {
	t.Helper()
	if file != "" {
		path := filepath.Join(t.TempDir(), "c.yml")
		if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(slices.Clone(args), "--config.file="+path)
	}
	return parseSourceFlags(t, args...).load()
}

// loadTestCase loads a configuration like loadTestConfig and checks the
// error: errText empty wants none, else one containing it. ok is false when
// the case ended with its expected error.
func loadTestCase(t *testing.T, file, errText string, args ...string) (cfg agent.Config, ok bool) {
	t.Helper()
	cfg, err := loadTestConfig(t, file, args...)
	if errText != "" {
		if err == nil || !strings.Contains(err.Error(), errText) {
			t.Fatalf("err %v, want one containing %q", err, errText)
		}
		return cfg, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return cfg, true
}

func TestSourceFlagsLoad(t *testing.T) {
	tests := []struct {
		name     string
		file     string // YAML; empty: no --config.file
		args     []string
		servers  []string
		interval time.Duration
		errText  string
	}{
		{
			name:     "flags only",
			args:     []string{"--ntp.server=a", "--ntp.server=b:124"},
			servers:  []string{"a", "b:124"},
			interval: 16 * time.Second,
		},
		{
			name:     "file, flags add servers, file interval kept",
			file:     "ntp:\n  servers: [x, y]\npoll:\n  interval: 2s\n",
			args:     []string{"--ntp.server=z"},
			servers:  []string{"x", "y", "z"},
			interval: 2 * time.Second,
		},
		{
			name:     "flag interval overrides file",
			file:     "ntp:\n  servers: [x]\npoll:\n  interval: 2s\n",
			args:     []string{"--poll.interval=5s"},
			servers:  []string{"x"},
			interval: 5 * time.Second,
		},
		{name: "no sources", errText: "no sources"},
		{name: "unknown key", file: "ntp:\n  server: [x]\n", errText: `line 2: unknown key "server" under ntp; known keys: max-delay, max-distance, servers`},
		{name: "second document", file: "ntp:\n  servers: [x]\n---\nholdover:\n  max: 1m\n", errText: "line 3: a second YAML document"},
		{name: "holdover.max 0s in the file", file: "ntp:\n  servers: [x]\nholdover:\n  max: 0s\n", errText: ".yml line 4: holdover.max: 0s must be positive"},
		{name: "holdover.max negative in the file", file: "ntp:\n  servers: [x]\nholdover:\n  max: -5m\n", errText: `.yml line 4: holdover.max: want a duration such as 90s, 30m or 1h30m, never negative, got "-5m"`},
		{name: "holdover.max negative flag", args: []string{"--ntp.server=a", "--holdover.max=-5m"}, errText: "config: --holdover.max=-5m0s must be positive"},
		{name: "peers.sample 0 in the file", file: "peers:\n  static: [p]\n  sample: 0\n", errText: ".yml line 3: peers.sample: 0 must be at least 1"},
		{name: "peers.sample negative in the file", file: "ntp:\n  servers: [x]\npeers:\n  sample: -3\n", errText: ".yml line 4: peers.sample: -3 must be at least 1"},
		{name: "peers.sample flag over the file", file: "ntp:\n  servers: [x]\npeers:\n  sample: 4\n", args: []string{"--peers.sample=-3"}, errText: "config: --peers.sample=-3 must be at least 1"},
		{name: "poll.interval 0s flag", args: []string{"--ntp.server=a", "--poll.interval=0s"}, errText: "config: --poll.interval=0s is outside 100ms..36h"},
		{name: "poll.interval in the file", file: "ntp:\n  servers: [x]\npoll:\n  interval: 40h\n", errText: ".yml line 4: poll.interval: 40h0m0s is outside 100ms..36h"},
		{name: "max-falsetickers flag", args: []string{"--ntp.server=a", "--selection.max-falsetickers=-1"}, errText: "config: --selection.max-falsetickers=-1 must not be negative"},
		{name: "bad yaml", file: "ntp: [", errText: "config:"},
		{name: "bad duration", file: "ntp:\n  servers: [x]\npoll:\n  interval: soon\n", errText: "soon"},
		{name: "duplicate", args: []string{"--ntp.server=a", "--ntp.server=a:123"}, errText: "listed twice"},
		{name: "bad port", args: []string{"--ntp.server=a:99999"}, errText: "port"},
		{name: "interval too short", args: []string{"--ntp.server=a", "--poll.interval=1ms"}, errText: "--poll.interval=1ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, ok := loadTestCase(t, tc.file, tc.errText, tc.args...)
			if !ok {
				return
			}
			if !slices.Equal(cfg.NTPServers, tc.servers) || cfg.PollInterval != tc.interval {
				t.Errorf("got servers %v interval %v", cfg.NTPServers, cfg.PollInterval)
			}
		})
	}
}

func TestMissingConfigFile(t *testing.T) {
	f := parseSourceFlags(t, "--config.file="+filepath.Join(t.TempDir(), "absent.yml"))
	if _, err := f.load(); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
}

// TestREADMEConfigExample keeps the README's configuration example valid.
func TestREADMEConfigExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "```yaml\n")
	if start < 0 {
		t.Fatal("README has no YAML example")
	}
	body := text[start+len("```yaml\n"):]
	body = body[:strings.Index(body, "```")]
	path := filepath.Join(t.TempDir(), "clockwatch.yml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseSourceFlags(t, "--config.file="+path).load()
	if err != nil {
		t.Fatalf("the README's example does not load: %v", err)
	}
	if len(cfg.NTPServers) != 3 {
		t.Errorf("servers %v", cfg.NTPServers)
	}
}

func TestMaxFalsetickersFlag(t *testing.T) {
	tests := []struct {
		arg  string
		want int // agent.Config.MaxFalsetickers
	}{
		{"", 0}, // NTP: trust the sources that agree
		{"--selection.max-falsetickers=1", 1},
		{"--selection.max-falsetickers=2", 2},
	}
	for _, tc := range tests {
		args := []string{"--ntp.server=a"}
		if tc.arg != "" {
			args = append(args, tc.arg)
		}
		cfg, err := parseSourceFlags(t, args...).load()
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.MaxFalsetickers; got != tc.want {
			t.Errorf("%q: MaxFalsetickers %d, want %d", tc.arg, got, tc.want)
		}
	}
	if _, err := parseSourceFlags(t, "--ntp.server=a", "--selection.max-falsetickers=-1").load(); err == nil {
		t.Error("a negative count was accepted")
	}
}

// TestWanderConfig reads the wander allowance from the flag and the file,
// chrony's 1 ppm by default, and refuses what no clock does.
func TestWanderConfig(t *testing.T) {
	tests := []struct {
		name, file string
		args       []string
		want       float64
		wantErr    bool
	}{
		{name: "default", want: 1e-6},
		{name: "flag", args: []string{"--holdover.wander-ppm=2.5"}, want: 2.5e-6},
		{name: "file", file: "holdover:\n  wander-ppm: 3\n", want: 3e-6},
		{name: "flag over file", file: "holdover:\n  wander-ppm: 3\n", args: []string{"--holdover.wander-ppm=2"}, want: 2e-6},
		{name: "negative", args: []string{"--holdover.wander-ppm=-1"}, wantErr: true},
		{name: "beyond any clock", args: []string{"--holdover.wander-ppm=600"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--ntp.server=a"}, tc.args...)
			if tc.file != "" {
				path := filepath.Join(t.TempDir(), "clockwatch.yaml")
				if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
					t.Fatal(err)
				}
				args = append(args, "--config.file="+path)
			}
			cfg, err := parseSourceFlags(t, args...).load()
			if tc.wantErr {
				if err == nil {
					t.Fatalf("wander %g ppm accepted", cfg.Wander*1e6)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(cfg.Wander-tc.want) > 1e-15 {
				t.Errorf("wander %g, want %g", cfg.Wander, tc.want)
			}
		})
	}
}

// TestNTPLimitsConfig reads the sanity limits of NTP replies from flags
// and the file, chrony's 3 s by default.
func TestNTPLimitsConfig(t *testing.T) {
	tests := []struct {
		name    string
		file    string // YAML; empty: no --config.file
		args    []string
		want    ntp.Limits
		errText string
	}{
		{name: "chrony's defaults", args: []string{"--ntp.server=a"}, want: ntp.Limits{MaxDelay: 3 * time.Second, MaxDistance: 3 * time.Second}},
		{name: "from the file", file: "ntp:\n  servers: [a]\n  max-delay: 300ms\n  max-distance: 16s\n",
			want: ntp.Limits{MaxDelay: 300 * time.Millisecond, MaxDistance: 16 * time.Second}},
		{name: "flags override the file", file: "ntp:\n  servers: [a]\n  max-delay: 300ms\n", args: []string{"--ntp.max-delay=1s", "--ntp.max-distance=5s"},
			want: ntp.Limits{MaxDelay: time.Second, MaxDistance: 5 * time.Second}},
		{name: "0s in the file", file: "ntp:\n  servers: [a]\n  max-delay: 0s\n", errText: ".yml line 3: ntp.max-delay: 0s is outside"},
		{name: "past chrony's largest", args: []string{"--ntp.server=a", "--ntp.max-distance=1001s"}, errText: "--ntp.max-distance=16m41s is outside (0s, 16m40s]"},
		{name: "negative", args: []string{"--ntp.server=a", "--ntp.max-delay=-1s"}, errText: "--ntp.max-delay=-1s is outside"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, ok := loadTestCase(t, tc.file, tc.errText, tc.args...)
			if ok && cfg.Limits != tc.want {
				t.Errorf("limits %+v, want %+v", cfg.Limits, tc.want)
			}
		})
	}
}
