package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/exporters"
)

func TestPrintStatus(t *testing.T) {
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		interval *exporters.OffsetInterval
		want     []string
		absent   string
	}{
		{
			name:     "synchronized",
			interval: &exporters.OffsetInterval{MinSeconds: 0.00125, MaxSeconds: 0.0018},
			want:     []string{"State       : synchronized", "Offset      : +1.5ms ± 300µs", "Interval    : +1.25ms .. +1.8ms"},
		},
		{name: "nothing known", absent: "Interval"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			printStatus(&out, exporters.Status{
				Time: at, State: "synchronized", OffsetSeconds: 0.0015, ErrorBoundSeconds: 0.0003,
				OffsetInterval: tc.interval,
			})
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if tc.absent != "" && strings.Contains(out.String(), tc.absent) {
				t.Errorf("output has %q:\n%s", tc.absent, out.String())
			}
		})
	}
}

// TestPrintSources checks the columns chronyc sources users look for: the
// poll interval, the reach register in octal, the reference and the leap
// status, with "-" for what a source does not have.
func TestPrintSources(t *testing.T) {
	var out bytes.Buffer
	printSources(&out, exporters.Status{Sources: []exporters.Source{
		{Name: "alpha", Kind: "ntp", Status: "selected", Stratum: 2, PollSeconds: 64, Reach: 0o377, Leap: "normal", Reference: "192.0.2.1", Timestamping: "kernel", Authentication: "nts"},
		{Name: "bravo", Kind: "ntp", Status: "unreachable", PollSeconds: 1024, Reach: 0o370},
		{Name: "phc:/dev/ptp0", Kind: "phc", Status: "init"},
	}})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := [][]string{
		{"SOURCE", "KIND", "STATUS", "STRATUM", "POLL", "REACH", "OFFSET", "BOUND", "DELAY", "LAST", "REFID", "LEAP", "STAMPS", "AUTH"},
		{"alpha", "ntp", "selected", "2", "1m4s", "377", "+0s", "±0s", "0s", "-", "192.0.2.1", "normal", "kernel", "nts"},
		{"bravo", "ntp", "unreachable", "0", "17m4s", "370", "+0s", "±0s", "0s", "-", "-", "-", "-", "-"},
		{"phc:/dev/ptp0", "phc", "init", "0", "-", "0", "+0s", "±0s", "0s", "-", "-", "-", "-", "-"},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, w := range want {
		if got := strings.Fields(lines[i]); !slices.Equal(got, w) {
			t.Errorf("line %d: %q, want %q", i, got, w)
		}
	}
}

// TestPrintAuthentication checks the table of authenticated sources, as
// chronyc authdata shows them, and that it is absent without any.
func TestPrintAuthentication(t *testing.T) {
	var out bytes.Buffer
	printAuthentication(&out, exporters.Status{Sources: []exporters.Source{
		{Name: "time.example.com:4460", Authentication: "nts", Auth: &exporters.SourceAuth{KeyExchanges: 2, KeyExchangeFailures: 1, BadMACs: 3, CookieRefreshes: 40, NAKs: 1, Cookies: 8}},
		{Name: "plain", Authentication: "none"},
		{Name: "peer:9123", Authentication: "symmetric", Auth: &exporters.SourceAuth{BadMACs: 12}},
	}})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		"SOURCE AUTH KEY EXCHANGES KE FAILURES BAD MACS COOKIE REFRESHES NAKS COOKIES",
		"time.example.com:4460 nts 2 1 3 40 1 8",
		"peer:9123 symmetric 0 0 12 0 0 0",
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, w := range want {
		if got := strings.Join(strings.Fields(lines[i]), " "); got != w {
			t.Errorf("line %d: %q, want %q", i, got, w)
		}
	}
	out.Reset()
	printAuthentication(&out, exporters.Status{Sources: []exporters.Source{{Name: "plain", Authentication: "none"}}})
	if out.Len() != 0 {
		t.Errorf("no authenticated source, yet: %q", out.String())
	}
}

// TestPrintStatusBeyondDurations: values past what a time.Duration holds
// (about 292 years), which an agent's JSON may carry, print as such, never
// as a wrapped duration of the other sign.
func TestPrintStatusBeyondDurations(t *testing.T) {
	tests := []struct {
		name   string
		format func(float64) string
		v      float64
		want   string
	}{
		{"offset 1e308", signedSeconds, 1e308, ">+292y"},
		{"offset -1e308", signedSeconds, -1e308, "<-292y"},
		{"offset 300 years", signedSeconds, 300 * 365.25 * 86400, ">+292y"},
		{"offset at the edge", signedSeconds, 9.2e9, "+2555555h33m20s"},
		{"offset small", signedSeconds, -0.0015, "-1.5ms"},
		{"bound negative", seconds, -1e300, "<-292y"},
		{"bound unknown", seconds, 1e308, "unknown"},
		{"poll huge", pollInterval, 1e300, ">292y"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.format(tc.v); got != tc.want {
				t.Errorf("%g seconds: %q, want %q", tc.v, got, tc.want)
			}
		})
	}
	var out bytes.Buffer
	printStatus(&out, exporters.Status{State: "synchronized", OffsetSeconds: 1e308, ErrorBoundSeconds: 0.0003})
	if !strings.Contains(out.String(), "Offset      : >+292y ± 300µs") {
		t.Errorf("status of an offset of 1e308 s:\n%s", out.String())
	}
}
