package sim

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// steadyAfter is how long after convergence the steady-state statistics
// start.
const steadyAfter = 10 * time.Minute

// DisciplinedResult summarizes a closed-loop run.
type DisciplinedResult struct {
	Scenario DisciplinedScenario
	// Points counts the points with a known bound, except blind ones;
	// Misses those whose bound did not hold, WorstMiss the largest excess.
	Points, Misses int
	WorstMiss      time.Duration
	// KernelMisses counts the points at which the kernel was told the
	// clock is synchronized with a maximum error below its true offset.
	KernelMisses int
	// Steps are the discipline's steps, by true time.
	Steps []DisciplinedPoint
	// ConvergedAt is when the clock's true offset came within the
	// estimate's bound to stay until the first disturbance; −1 if never.
	ConvergedAt time.Duration
	// SteadyMax and SteadyP95 are of the clock's true |offset| from
	// steadyAfter past convergence until the first disturbance;
	// SteadyBound is the mean bound then.
	SteadyMax, SteadyP95, SteadyBound time.Duration
	// Disturbed is the first outage or jump; zero if none.
	Disturbed Window
	// DisturbedMax is the clock's largest true |offset| from the start of
	// the disturbance until it is corrected, DisturbedBound the largest
	// |offset| + bound reported meanwhile (the kernel's maximum error).
	// HeldWithin reports whether the clock stayed within it.
	DisturbedMax, DisturbedBound time.Duration
	HeldWithin                   bool
	// RecoveredAfter is how long after the disturbance ended the true
	// offset came within the bound to stay; −1 if never.
	RecoveredAfter time.Duration
	// StepsAfterDisturbance counts steps at or after the disturbance.
	StepsAfterDisturbance int
}

// SummarizeDisciplined scores a closed-loop run's points.
func SummarizeDisciplined(sc DisciplinedScenario, points []DisciplinedPoint) DisciplinedResult {
	r := DisciplinedResult{Scenario: sc, Disturbed: disturbance(sc), HeldWithin: true}
	end := sc.Duration
	if r.Disturbed != (Window{}) {
		end = r.Disturbed.From
	}
	for _, p := range points {
		r.score(p)
	}
	r.ConvergedAt = settledFrom(points, 0, end)
	if r.ConvergedAt >= 0 {
		r.SteadyMax, r.SteadyP95, r.SteadyBound = steady(points, r.ConvergedAt+steadyAfter, end)
	}
	if r.Disturbed != (Window{}) {
		settled := settledFrom(points, r.Disturbed.To, sc.Duration)
		r.RecoveredAfter = settled - r.Disturbed.To
		if settled < 0 {
			r.RecoveredAfter = -1
		}
		r.disturbed(points, settled)
	}
	return r
}

// score counts one point's coverage and step.
func (r *DisciplinedResult) score(p DisciplinedPoint) {
	if p.Step != 0 {
		r.Steps = append(r.Steps, p)
		if r.Disturbed != (Window{}) && p.At >= r.Disturbed.From {
			r.StepsAfterDisturbance++
		}
	}
	if p.Bound == estimator.UnknownBound || p.Blind {
		return
	}
	r.Points++
	if p.Kernel.Synchronized && p.Truth.Abs() > p.Kernel.MaxError {
		r.KernelMisses++
	}
	if !p.Covered() {
		r.Misses++
		r.WorstMiss = max(r.WorstMiss, (p.Offset-p.Truth).Abs()-p.Bound)
	}
}

// disturbed scores the points from the start of the disturbance until the
// clock settled again (the end of the run if it never did).
func (r *DisciplinedResult) disturbed(points []DisciplinedPoint, settled time.Duration) {
	for _, p := range points {
		if p.At < r.Disturbed.From || (settled >= 0 && p.At >= settled) || p.Bound == estimator.UnknownBound || p.Blind {
			continue
		}
		limit := p.Offset.Abs() + p.Bound
		r.DisturbedMax = max(r.DisturbedMax, p.Truth.Abs())
		r.DisturbedBound = max(r.DisturbedBound, limit)
		if p.Truth.Abs() > limit {
			r.HeldWithin = false
		}
	}
}

// disturbance returns the scenario's first outage or jump of the clock.
func disturbance(sc DisciplinedScenario) Window {
	switch {
	case len(sc.Outages) > 0:
		return sc.Outages[0]
	case len(sc.Clock.Steps) > 0:
		return Window{From: sc.Clock.Steps[0].At, To: sc.Clock.Steps[0].At}
	}
	return Window{}
}

// settledFrom returns the earliest time at or after from from which every
// point before end is synchronized with the true offset within its bound;
// −1 if there is none.
func settledFrom(points []DisciplinedPoint, from, end time.Duration) time.Duration {
	settled := time.Duration(-1)
	for _, p := range points {
		if p.At < from || p.At >= end {
			continue
		}
		ok := p.Status == estimator.StatusSynchronized && p.Truth.Abs() <= p.Bound
		switch {
		case !ok:
			settled = -1
		case settled < 0:
			settled = p.At
		}
	}
	return settled
}

// steady returns the maximum and 95th percentile of the true |offset| and
// the mean bound of the points in [from, end).
func steady(points []DisciplinedPoint, from, end time.Duration) (worst, p95, meanBound time.Duration) {
	var abs []time.Duration
	var bounds time.Duration
	for _, p := range points {
		if p.At >= from && p.At < end {
			abs = append(abs, p.Truth.Abs())
			bounds += p.Bound
		}
	}
	if len(abs) == 0 {
		return 0, 0, 0
	}
	slices.Sort(abs)
	return abs[len(abs)-1], abs[len(abs)*95/100], bounds / time.Duration(len(abs))
}

// String is the result as a few lines of text.
func (r DisciplinedResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", r.Scenario.Name, r.Scenario.Description)
	var steps []string
	for _, s := range r.Steps {
		steps = append(steps, fmt.Sprintf("%v at %v", s.Step, s.At.Round(time.Millisecond)))
	}
	fmt.Fprintf(&b, "  steps: %d [%s]\n", len(r.Steps), strings.Join(steps, ", "))
	fmt.Fprintf(&b, "  converged (|true offset| ≤ bound from then on) after %v\n", r.ConvergedAt.Round(time.Second))
	fmt.Fprintf(&b, "  steady |true offset|: max %v, p95 %v; mean bound %v\n", r.SteadyMax, r.SteadyP95, r.SteadyBound)
	fmt.Fprintf(&b, "  estimate coverage: %d of %d points (worst miss %v); kernel maximum error below the truth: %d points\n", r.Points-r.Misses, r.Points, r.WorstMiss, r.KernelMisses)
	if r.Disturbed != (Window{}) {
		fmt.Fprintf(&b, "  disturbance %v–%v: max |true offset| %v, max |offset|+bound %v, held within: %v; steps after: %d; recovered %v after\n",
			r.Disturbed.From, r.Disturbed.To, r.DisturbedMax, r.DisturbedBound, r.HeldWithin, r.StepsAfterDisturbance, r.RecoveredAfter.Round(time.Second))
	}
	return b.String()
}
