package sim

import (
	"testing"
	"time"
)

// BenchmarkScenarios runs every scenario of the catalogue for 24 simulated
// hours and reports the estimator's accuracy: coverage in percent and the
// error percentiles, mean bound and mean offset interval half-width in
// microseconds.
func BenchmarkScenarios(b *testing.B) {
	for _, sc := range Catalogue(24 * time.Hour) {
		b.Run(sc.Name, func(b *testing.B) {
			var s Score
			for b.Loop() {
				var err error
				if s, err = Run(sc, 1, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(100*s.Coverage(), "coverage%")
			b.ReportMetric(micros(s.Median), "median-µs")
			b.ReportMetric(micros(s.P95), "p95-µs")
			b.ReportMetric(micros(s.Max), "max-µs")
			b.ReportMetric(micros(s.MeanBound), "bound-µs")
			b.ReportMetric(micros(s.MeanHalfWidth), "interval-µs")
			b.ReportMetric(float64(s.Steps), "steps")
		})
	}
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
