package sim

import (
	"flag"
	"testing"
	"time"
)

// benchSeedCount is the -seeds flag: how many seeds, from 1 on,
// BenchmarkAgainstChronyLike runs; 0 for the gates' seeds. More seeds
// judge a change that redraws the polls more fairly than the gates' three
// (go test -run xxx -bench AgainstChronyLike -benchtime 1x ./internal/sim
// -args -seeds 12).
var benchSeedCount = flag.Int("seeds", 0, "seeds 1..N for BenchmarkAgainstChronyLike (0: the gates' seeds)")

// benchSeeds returns the seeds BenchmarkAgainstChronyLike runs.
func benchSeeds() []uint64 {
	if *benchSeedCount <= 0 {
		return seeds
	}
	list := make([]uint64, *benchSeedCount)
	for i := range list {
		list[i] = uint64(i + 1)
	}
	return list
}

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

// BenchmarkAgainstChronyLike runs every scenario of the test catalogue on
// the seeds of the gates (or -seeds) beside the chrony-like reference and reports
// clockwatch's scores over the reference's, summed over the seeds: the
// median and p95 errors, the mean bound, the steady-state mean bound over
// the physical limit (for both clients), clockwatch's steady-state mean
// bound over the floor (Point.Floor) and the floor and its half width over
// the limit, the same three in holdover where
// the scenario has an outage and the p95 and largest error in the recovery
// after it, and both clients' coverage.
func BenchmarkAgainstChronyLike(b *testing.B) {
	for _, sc := range testCatalogue() {
		b.Run(sc.Name, func(b *testing.B) {
			var cw, ref Score
			var cwCovered, refCovered, cwScored, refScored int
			for b.Loop() {
				cw, ref, cwCovered, refCovered, cwScored, refScored = Score{}, Score{}, 0, 0, 0, 0
				for _, seed := range benchSeeds() {
					c, r, err := Compare(sc, seed)
					if err != nil {
						b.Fatal(err)
					}
					cw, ref = addScores(cw, c), addScores(ref, r)
					cwCovered, refCovered = cwCovered+c.Covered, refCovered+r.Covered
					cwScored, refScored = cwScored+c.Scored, refScored+r.Scored
				}
			}
			r := ratios(cw, ref)
			b.ReportMetric(r.median, "median/ref")
			b.ReportMetric(r.p95, "p95/ref")
			b.ReportMetric(r.bound, "bound/ref")
			b.ReportMetric(r.steady, "bound/limit")
			b.ReportMetric(ref.Steady.LimitRatio(), "ref-bound/limit")
			b.ReportMetric(cw.Steady.FloorRatio(), "bound/floor")
			b.ReportMetric(float64(cw.Steady.MeanFloor)/float64(cw.Steady.MeanLimit), "floor/limit")
			b.ReportMetric(float64(cw.Steady.MeanFloorHalfWidth)/float64(cw.Steady.MeanLimit), "half-floor/limit")
			if cw.Outage.Scored > 0 {
				b.ReportMetric(r.outageMedian, "outage-median/ref")
				b.ReportMetric(r.outageP95, "outage-p95/ref")
				b.ReportMetric(r.outageBound, "outage-bound/ref")
			}
			if cw.Recovery.Scored > 0 {
				b.ReportMetric(r.recoveryP95, "recovery-p95/ref")
				b.ReportMetric(r.recoveryMax, "recovery-max/ref")
			}
			b.ReportMetric(100*float64(cwCovered)/float64(cwScored), "coverage%")
			b.ReportMetric(100*float64(refCovered)/float64(refScored), "ref-coverage%")
		})
	}
}
