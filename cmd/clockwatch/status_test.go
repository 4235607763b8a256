package main

import (
	"bytes"
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
