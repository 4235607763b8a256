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
	// Limit is the physical limit at At (Scenario.Limit).
	Limit time.Duration
	// Floor is the bound a client whose offset were true would need at
	// At, knowing the drift exactly, with the samples delivered so far
	// and the estimator's wander allowance; FloorWidth is the width of
	// the region they prove, half of which is the narrowest bound any
	// client could prove (see floor). Zero before the first sample.
	Floor, FloorWidth time.Duration
	// Outage is set while every server is silent.
	Outage bool
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
	// Steady summarizes the synchronized estimates outside outages once
	// the first steadyPolls polls are over, Outage the estimates while
	// every server is silent (holdover), and Recovery those after an
	// outage (see Scenario.recoveries).
	Steady, Outage, Recovery Summary
}

// Summary is the error and bound of some of the scored estimates.
type Summary struct {
	// Scored counts them.
	Scored int
	// Median, P95 and Max are of their absolute error.
	Median, P95, Max time.Duration
	// MeanBound is their mean error bound, and MeanLimit the mean
	// physical limit at their instants.
	MeanBound, MeanLimit time.Duration
	// MeanFloor and MeanFloorHalfWidth are the means of their Point.Floor
	// and half their Point.FloorWidth.
	MeanFloor, MeanFloorHalfWidth time.Duration
}

// LimitRatio is the mean bound over the mean physical limit: how far the
// bound is from the narrowest one any client can prove.
func (s Summary) LimitRatio() float64 { return float64(s.MeanBound) / float64(s.MeanLimit) }

// FloorRatio is the mean bound over the mean floor (Point.Floor): how far
// the bound is from the one a client whose offset were true would need
// under the same wander allowance.
func (s Summary) FloorRatio() float64 { return float64(s.MeanBound) / float64(s.MeanFloor) }

// summer accumulates a Summary.
type summer struct {
	errs                    []float64
	boundSum, limitSum      float64
	floorSum, floorWidthSum float64
}

func (m *summer) add(p Point) {
	m.errs = append(m.errs, math.Abs(float64(p.Error())))
	m.boundSum += float64(p.Estimate.ErrorBound)
	m.limitSum += float64(p.Limit)
	m.floorSum += float64(p.Floor)
	m.floorWidthSum += float64(p.FloorWidth)
}

func (m *summer) result() Summary {
	n := len(m.errs)
	if n == 0 {
		return Summary{}
	}
	slices.Sort(m.errs)
	return Summary{
		Scored: n, Median: time.Duration(quantile(m.errs, 0.5)), P95: time.Duration(quantile(m.errs, 0.95)), Max: time.Duration(m.errs[n-1]),
		MeanBound: time.Duration(m.boundSum / float64(n)), MeanLimit: time.Duration(m.limitSum / float64(n)),
		MeanFloor: time.Duration(m.floorSum / float64(n)), MeanFloorHalfWidth: time.Duration(m.floorWidthSum / 2 / float64(n)),
	}
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
// steadyPolls is how many polls a client may take to converge before its
// estimates count as steady state: as many as a source's probation.
const steadyPolls = 32

type scorer struct {
	score                         Score
	all, steady, outage, recovery summer
	widthSum                      float64
	jumps                         []time.Duration
	steadyFrom                    time.Duration
	recoveries                    []Window
	lastSteps                     uint64
}

// newScorer scores a run in which the truth jumps at jumps, steady from
// steadyFrom on, and recovering from outages in recoveries.
func newScorer(jumps []time.Duration, steadyFrom time.Duration, recoveries []Window) *scorer {
	sc := &scorer{score: Score{FirstCovered: -1}, jumps: jumps, steadyFrom: steadyFrom, recoveries: recoveries}
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
	if p.InInterval() {
		s.InInterval++
	}
	sc.all.add(p)
	switch {
	case p.Outage:
		sc.outage.add(p)
	case slices.ContainsFunc(sc.recoveries, func(w Window) bool { return w.contains(p.At) }):
		sc.recovery.add(p)
	case p.Estimate.Status == estimator.StatusSynchronized && p.At >= sc.steadyFrom:
		sc.steady.add(p)
	}
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
	s.Steady, s.Outage, s.Recovery = sc.steady.result(), sc.outage.result(), sc.recovery.result()
	all := sc.all.result()
	if all.Scored == 0 {
		return s
	}
	s.Median, s.P95, s.Max, s.MeanBound = all.Median, all.P95, all.Max, all.MeanBound
	s.MeanHalfWidth = time.Duration(sc.widthSum / 2 / float64(s.Scored))
	return s
}

// quantile returns the q-quantile of sorted values by nearest rank.
func quantile(sorted []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}
