package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestExpositionRendersOncePerAge: the served text is the gatherer's
// metrics in the text format, rendered again only once it is maxAge old.
func TestExpositionRendersOncePerAge(t *testing.T) {
	renders := 0
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "renders", Help: "Times rendered."}, func() float64 {
		renders++
		return float64(renders)
	}))
	x := newExposition(reg, 16*time.Second)
	start := time.Unix(1e9, 0)
	for _, tc := range []struct {
		after time.Duration
		want  float64
	}{
		{0, 1}, {time.Second, 1}, {15 * time.Second, 1}, {16 * time.Second, 2}, {20 * time.Second, 2}, {40 * time.Second, 3},
	} {
		text := x.current(start.Add(tc.after))
		parser := expfmt.NewTextParser(model.UTF8Validation)
		families, err := parser.TextToMetricFamilies(bytes.NewReader(text))
		if err != nil {
			t.Fatalf("after %v: %v in %q", tc.after, err, text)
		}
		if got := families["renders"].GetMetric()[0].GetGauge().GetValue(); got != tc.want {
			t.Errorf("after %v: rendered %v times, want %v", tc.after, got, tc.want)
		}
	}
}
