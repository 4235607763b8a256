package sim

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// Point is one scored estimate.
type Point struct {
	// At is the true time since the start of the run.
	At time.Duration
	// Truth is the true offset (local clock − reference) at At.
	Truth time.Duration
	// Estimate is what the estimator said at that instant.
	Estimate estimator.Estimate
	// Blind is set when the truth jumped and no exchange started after the
	// jump has completed yet: no client can know of the jump, so the
	// estimate is not scored.
	Blind bool
}

// Error is the estimate's offset minus the truth.
func (p Point) Error() time.Duration { return p.Estimate.Offset - p.Truth }

// Covered reports whether the estimate's bound holds.
func (p Point) Covered() bool { return p.Error().Abs() <= p.Estimate.ErrorBound }

// InInterval reports whether the truth lies in the estimate's offset
// interval.
func (p Point) InInterval() bool {
	return p.Estimate.OffsetMin <= p.Truth && p.Truth <= p.Estimate.OffsetMax
}

// Score summarizes a run.
type Score struct {
	// Scored counts estimates with an offset, outside blind spans.
	Scored int
	// Unknown counts estimates without an offset (nothing measured yet).
	Unknown int
	// Blind counts estimates right after a jump of the truth that no
	// completed exchange could have seen.
	Blind int
	// Unsynchronized counts scored estimates not reported synchronized.
	Unsynchronized int
	// Covered counts scored estimates whose bound holds.
	Covered int
	// InInterval counts scored estimates whose offset interval holds the
	// truth.
	InInterval int
	// Median, P95 and Max are of the absolute error of scored estimates.
	Median, P95, Max time.Duration
	// MeanBound is the mean error bound of scored estimates.
	MeanBound time.Duration
	// MeanHalfWidth is the mean half-width of their offset intervals.
	MeanHalfWidth time.Duration
	// FirstCovered is the true time of the first synchronized estimate
	// whose bound holds; -1 if there was none.
	FirstCovered time.Duration
	// Steps is the estimator's step count at the end.
	Steps uint64
	// StepLatencies holds, per jump of the truth, how long the estimator
	// took to count it; -1 if it never did.
	StepLatencies []time.Duration
}

// Coverage is the share of scored estimates whose bound holds.
func (s Score) Coverage() float64 {
	if s.Scored == 0 {
		return math.NaN()
	}
	return float64(s.Covered) / float64(s.Scored)
}

// String is a one-line summary.
func (s Score) String() string {
	return fmt.Sprintf("median %v p95 %v max %v mean bound %v coverage %.4f%% interval half-width %v (%d scored, %d outside the interval, %d blind, %d unknown) steps %d",
		s.Median, s.P95, s.Max, s.MeanBound, 100*s.Coverage(), s.MeanHalfWidth, s.Scored, s.Scored-s.InInterval, s.Blind, s.Unknown, s.Steps)
}

// scorer accumulates points into a Score.
type scorer struct {
	score     Score
	errs      []float64
	boundSum  float64
	widthSum  float64
	jumps     []time.Duration
	lastSteps uint64
}

func newScorer(jumps []time.Duration) *scorer {
	sc := &scorer{score: Score{FirstCovered: -1}, jumps: jumps}
	sc.score.StepLatencies = make([]time.Duration, len(jumps))
	for i := range sc.score.StepLatencies {
		sc.score.StepLatencies[i] = -1
	}
	return sc
}

// add scores one point.
func (sc *scorer) add(p Point) {
	sc.noteSteps(p)
	switch {
	case p.Blind:
		sc.score.Blind++
		return
	case !p.Estimate.HasOffset():
		sc.score.Unknown++
		return
	}
	s := &sc.score
	s.Scored++
	if !p.Estimate.Synchronized {
		s.Unsynchronized++
	}
	if p.Covered() {
		s.Covered++
		if s.FirstCovered < 0 && p.Estimate.Synchronized {
			s.FirstCovered = p.At
		}
	}
	sc.errs = append(sc.errs, math.Abs(float64(p.Error())))
	if p.InInterval() {
		s.InInterval++
	}
	sc.boundSum += float64(p.Estimate.ErrorBound)
	sc.widthSum += float64(p.Estimate.OffsetMax - p.Estimate.OffsetMin)
}

// noteSteps attributes each increase of the step counter to the oldest
// jump of the truth not yet counted.
func (sc *scorer) noteSteps(p Point) {
	for ; sc.lastSteps < p.Estimate.Steps; sc.lastSteps++ {
		for i, at := range sc.jumps {
			if at <= p.At && sc.score.StepLatencies[i] < 0 {
				sc.score.StepLatencies[i] = p.At - at
				break
			}
		}
	}
	sc.score.Steps = p.Estimate.Steps
}

// result finishes the score.
func (sc *scorer) result() Score {
	s := sc.score
	if len(sc.errs) == 0 {
		return s
	}
	slices.Sort(sc.errs)
	s.Median = time.Duration(quantile(sc.errs, 0.5))
	s.P95 = time.Duration(quantile(sc.errs, 0.95))
	s.Max = time.Duration(sc.errs[len(sc.errs)-1])
	s.MeanBound = time.Duration(sc.boundSum / float64(s.Scored))
	s.MeanHalfWidth = time.Duration(sc.widthSum / 2 / float64(s.Scored))
	return s
}

// quantile returns the q-quantile of sorted values by nearest rank.
func quantile(sorted []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}
