package configfile

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// testConfig has the shapes a configuration file uses.
type testConfig struct {
	NTP struct {
		Servers []string `yaml:"servers"`
	} `yaml:"ntp"`
	Holdover struct {
		Max *model.Duration `yaml:"max"`
	} `yaml:"holdover"`
	Peers struct {
		Sample    int            `yaml:"sample"`
		MaxOffset model.Duration `yaml:"max-offset"`
	} `yaml:"peers"`
	Labels map[string]string `yaml:"labels"`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, yaml string
		// wantErr are the parts the error must say; none: no error.
		wantErr []string
		check   func(testConfig) bool
	}{
		{name: "empty file", yaml: ""},
		{name: "only comments", yaml: "# nothing yet\n"},
		{name: "valid", yaml: "ntp:\n  servers: [a, b]\nholdover:\n  max: 10m\npeers:\n  sample: 4\n",
			check: func(c testConfig) bool {
				return len(c.NTP.Servers) == 2 && c.Holdover.Max != nil && time.Duration(*c.Holdover.Max) == 10*time.Minute && c.Peers.Sample == 4
			}},
		{name: "a zero duration is present, not silent", yaml: "holdover:\n  max: 0s\n",
			check: func(c testConfig) bool { return c.Holdover.Max != nil && *c.Holdover.Max == 0 }},
		{name: "anchors and aliases", yaml: "x: &s [a]\nntp:\n  servers: *s\n", wantErr: []string{"line 1", `unknown key "x"`}},
		{name: "typo at the top", yaml: "ntpp:\n  servers: [a]\n", wantErr: []string{"line 1", `unknown key "ntpp"`, "known keys: holdover, labels, ntp, peers"}},
		{name: "typo inside a section", yaml: "ntp:\n  server: [a]\n", wantErr: []string{"line 2", `unknown key "server" under ntp`, "known keys: servers"}},
		{name: "a list where a mapping belongs", yaml: "ntp: [a, b]\n", wantErr: []string{"line 1", "ntp: want a mapping of keys (servers), got a list"}},
		{name: "a single value where a list belongs", yaml: "ntp:\n  servers: a\n", wantErr: []string{"line 2", "ntp.servers: want a list"}},
		{name: "not a number", yaml: "peers:\n  sample: many\n", wantErr: []string{"line 2", `peers.sample: want a whole number, got "many"`}},
		{name: "not a duration", yaml: "peers:\n  max-offset: soon\n", wantErr: []string{"line 2", "peers.max-offset", "soon"}},
		{name: "a negative duration", yaml: "holdover:\n  max: -5m\n", wantErr: []string{"line 2", `holdover.max: want a duration such as 90s, 30m or 1h30m, never negative, got "-5m"`}},
		{name: "a list item of the wrong shape", yaml: "ntp:\n  servers:\n    - a\n    - {b: c}\n", wantErr: []string{"line 4", "ntp.servers[1]: want a single value, got a mapping"}},
		{name: "a map's value", yaml: "labels:\n  rack: [1]\n", wantErr: []string{"line 2", "labels.rack: want a single value, got a list"}},
		{name: "second document", yaml: "ntp:\n  servers: [a]\n---\nntp:\n  servers: [b]\n", wantErr: []string{"line 3", "second YAML document"}},
		{name: "syntax", yaml: "ntp: [\n", wantErr: []string{"config: test.yml", "line"}},
		{name: "duplicate key", yaml: "ntp: {}\nntp: {}\n", wantErr: []string{"already defined"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c testConfig
			_, err := Decode("test.yml", []byte(tc.yaml), &c)
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if tc.check != nil && !tc.check(c) {
					t.Errorf("decoded %+v", c)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one saying %q", tc.wantErr)
			}
			for _, part := range tc.wantErr {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not say %q", err, part)
				}
			}
			if strings.Contains(err.Error(), "struct {") || strings.Contains(err.Error(), "[]string") {
				t.Errorf("error %q names a Go type", err)
			}
		})
	}
}

// FuzzDecode: any input either decodes or gives an error; it never panics.
// TestDecodeLines: Decode gives the line of every key by its dotted name,
// so that a value found out of range later can be pointed at.
func TestDecodeLines(t *testing.T) {
	var c testConfig
	lines, err := Decode("test.yml", []byte("# servers\nntp:\n  servers:\n    - a\n\npeers: {sample: -3}\nlabels:\n  rack: r1\n"), &c)
	if err != nil {
		t.Fatal(err)
	}
	want := Lines{"ntp": 2, "ntp.servers": 3, "peers": 6, "peers.sample": 6, "labels": 7, "labels.rack": 8}
	if !maps.Equal(lines, want) {
		t.Errorf("lines %v, want %v", lines, want)
	}
}

func FuzzDecode(f *testing.F) {
	for _, seed := range []string{"ntp:\n  servers: [a]\n", "x: &a [*a]\n", "---\n---\n", "holdover: {max: 1s}\n", "labels: {a: b}\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data string) {
		var c testConfig
		_, _ = Decode("fuzz.yml", []byte(data), &c)
	})
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name, path, wantErr string
	}{
		{name: "valid", path: write("ok.yml", "ntp:\n  servers: [a]\n")},
		{name: "missing", path: filepath.Join(dir, "absent.yml"), wantErr: "no such file"},
		{name: "oversized", path: write("big.yml", "#"+strings.Repeat("x", MaxSize)+"\n"), wantErr: "larger than 1 MiB"},
		{name: "a directory", path: dir, wantErr: "is a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c testConfig
			_, err := Read(tc.path, &c)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
}
