package sim

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// limits are the most a scenario's scores may be, summed over the seeds
// (one seed's sub-microsecond medians are noise), as ratios: of
// clockwatch's to the chrony-like reference's (ChronyLike) on the same
// exchanges, and of its steady-state mean bound to the physical limit.
// Zero means not judged.
type limits struct {
	median, p95 float64
	// bound is the mean bound over the reference's.
	bound float64
	// steady is the steady-state mean bound over the physical limit.
	steady float64
	// outageMedian, outageP95 and outageBound judge the estimates while
	// every server is silent (holdover), against the reference's.
	outageMedian, outageP95, outageBound float64
	// recoveryP95 and recoveryMax judge the errors after an outage
	// (Score.Recovery), against the reference's.
	recoveryP95, recoveryMax float64
}

// goals are issue 16's: errors at most 0.8× chronyd's everywhere,
// holdover and the recovery after it included; a mean bound at most 0.8×
// chronyd's and 1.15× the physical limit in steady state; in holdover a
// bound no wider than chronyd's.
var goals = limits{median: 0.8, p95: 0.8, bound: 0.8, steady: 1.15, outageMedian: 0.8, outageP95: 0.8, outageBound: 1, recoveryP95: 0.8, recoveryMax: 0.8}

// TestNewScenarios runs the scenarios issue 16 added on fixed seeds
// beside the chrony-like reference: the bound and the offset interval hold
// on every reading (checkScore), and the scores stay within their gates.
// Where a gate is looser than the goal it says why; the test logs
// every ratio.
func TestNewScenarios(t *testing.T) {
	tests := []struct {
		name string
		gate limits
		why  string
	}{
		{
			name: ShortHoldover,
			gate: limits{median: 0.8, p95: 0.8, bound: 0.98, steady: 1.15, outageMedian: 0.8, outageP95: 0.8, outageBound: 0.93, recoveryP95: 0.7, recoveryMax: 0.5},
			why:  "bound: the reference's is 1.14× the physical limit, so 0.8× of it is below what any client can prove",
		},
		{
			name: RouteChange,
			gate: limits{median: 0.8, p95: 0.8, bound: 0.94, steady: 1.15},
			why:  "bound: the reference's is 1.19× the physical limit, so 0.8× of it is below what any client can prove",
		},
		{
			name: WalkingServer,
			gate: limits{median: 0.8, p95: 0.8, bound: 1, steady: 1.14},
			why:  "bound: as for holdover-60s",
		},
		{
			name: LongOutage,
			gate: limits{median: 0.8, p95: 0.8, bound: 1.36, steady: 1.7, outageMedian: 0.8, outageP95: 0.8, outageBound: 1.12, recoveryP95: 0.45, recoveryMax: 0.45},
			why: "bounds: the wander allowance grows every sample's interval over its whole age (a frequency step " +
				"between polls must stay covered), 32 µs for a sample half a 64 s poll old; the envelopes need 24 " +
				"samples, 25 minutes, before they narrow the drift; the reference grows no sample by the allowance; in " +
				"holdover both bounds grow alike (the allowance plus a narrow drift uncertainty), so the outage bound " +
				"keeps what the bound was wider when the servers fell silent; where the clock walks the point moves " +
				"with the newest 20 minutes' drift (recentDrift), off the region's centre, which widens the symmetric " +
				"bound by about 1 % on these seeds (level over 12)",
		},
		{
			name: ThermalStep,
			gate: limits{median: 0.8, p95: 0.94, bound: 1.27, steady: 2.07, outageMedian: 1, outageP95: 1, outageBound: 1.07, recoveryP95: 0.35, recoveryMax: 0.3},
			why: "errors: across the outage the 2 ppm step makes every client's extrapolation err alike (physics); " +
				"bounds: as for outage-64s with the 2.5 ppm allowance such a clock needs, 80 µs for a sample half a " +
				"poll old, and after the outage the step breaks every source's straight run of samples, so the " +
				"drift is proven again from the new samples alone for minutes; recovery: the sources that answer " +
				"first after the silence set the drift at once (their fits are refitted after the gap, the silent " +
				"ones' widened by the allowance, and the envelopes keep to the straight run), where the drift " +
				"before the step was kept for 3 polls and came back for 2 minutes 7 minutes later",
		},
		{
			name: StableOutage,
			gate: limits{median: 0.6, p95: 0.75, bound: 1.36, steady: 1.69, outageMedian: 0.5, outageP95: 0.47, outageBound: 1.12, recoveryP95: 0.28, recoveryMax: 0.29},
			why: "the clock does not wander, and a sample's weight counts its age by half the drift bound, the wander " +
				"allowance included, unless the sources' pooled residuals' block means scatter no more than neighbouring " +
				"pairs say (clockSteady); over 12 seeds the p95 is 0.96 (1.38 when a runs test judged from 48 samples a " +
				"source), set by the first 20 minutes, where the reference's regression over every sample so far is as " +
				"good; bounds: as for outage-64s, and the point that follows the longer memory sits a little further off " +
				"the region's centre",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc, ok := findTest(tc.name)
			if !ok {
				t.Fatalf("no scenario %s", tc.name)
			}
			var cw, ref Score
			for _, seed := range seeds {
				c, r, err := Compare(sc, seed)
				if err != nil {
					t.Fatal(err)
				}
				checkScore(t, sc.withDefaults(), seed, c)
				t.Logf("seed %d: %+v", seed, ratios(c, r))
				cw, ref = addScores(cw, c), addScores(ref, r)
			}
			checkLimits(t, ratios(cw, ref), tc.gate, tc.why)
		})
	}
}

// findTest returns the scenario of testCatalogue with that name.
func findTest(name string) (Scenario, bool) {
	for _, sc := range testCatalogue() {
		if sc.Name == name {
			return sc, true
		}
	}
	return Scenario{}, false
}

// addScores sums the errors and bounds ratios judges.
func addScores(a, b Score) Score {
	a.Median, a.P95, a.MeanBound = a.Median+b.Median, a.P95+b.P95, a.MeanBound+b.MeanBound
	a.Steady = addSummaries(a.Steady, b.Steady)
	a.Outage = addSummaries(a.Outage, b.Outage)
	a.Recovery = addSummaries(a.Recovery, b.Recovery)
	return a
}

// addSummaries sums two summaries' counts, errors, bounds, limits and
// floors.
func addSummaries(a, b Summary) Summary {
	a.Scored += b.Scored
	a.Median, a.P95, a.Max, a.MeanBound, a.MeanLimit = a.Median+b.Median, a.P95+b.P95, a.Max+b.Max, a.MeanBound+b.MeanBound, a.MeanLimit+b.MeanLimit
	a.MeanFloor, a.MeanFloorHalfWidth = a.MeanFloor+b.MeanFloor, a.MeanFloorHalfWidth+b.MeanFloorHalfWidth
	return a
}

// ratios sets clockwatch's score against the reference's.
func ratios(cw, ref Score) limits {
	r := func(a, b time.Duration) float64 { return float64(a) / float64(b) }
	l := limits{
		median: r(cw.Median, ref.Median), p95: r(cw.P95, ref.P95), bound: r(cw.MeanBound, ref.MeanBound),
		steady: cw.Steady.LimitRatio(),
	}
	if cw.Outage.Scored > 0 {
		l.outageMedian = r(cw.Outage.Median, ref.Outage.Median)
		l.outageP95 = r(cw.Outage.P95, ref.Outage.P95)
		l.outageBound = r(cw.Outage.MeanBound, ref.Outage.MeanBound)
	}
	if cw.Recovery.Scored > 0 {
		l.recoveryP95 = r(cw.Recovery.P95, ref.Recovery.P95)
		l.recoveryMax = r(cw.Recovery.Max, ref.Recovery.Max)
	}
	return l
}

// checkLimits fails where got exceeds the gate, and logs where it misses
// the goal.
func checkLimits(t *testing.T, got, gate limits, why string) {
	t.Helper()
	for _, c := range []struct {
		name            string
		got, gate, goal float64
	}{
		{"median", got.median, gate.median, goals.median},
		{"p95", got.p95, gate.p95, goals.p95},
		{"mean bound", got.bound, gate.bound, goals.bound},
		{"steady bound/limit", got.steady, gate.steady, goals.steady},
		{"outage median", got.outageMedian, gate.outageMedian, goals.outageMedian},
		{"outage p95", got.outageP95, gate.outageP95, goals.outageP95},
		{"outage bound", got.outageBound, gate.outageBound, goals.outageBound},
		{"recovery p95", got.recoveryP95, gate.recoveryP95, goals.recoveryP95},
		{"recovery max", got.recoveryMax, gate.recoveryMax, goals.recoveryMax},
	} {
		switch {
		case c.gate == 0:
		case c.got > c.gate:
			t.Errorf("%s %.2f, gate %.2f", c.name, c.got, c.gate)
		case c.got > c.goal:
			t.Logf("%s %.2f misses the goal %.2f (%s)", c.name, c.got, c.goal, why)
		}
	}
}

// TestChronyLikeReference: the reference tracks the truth and its bound
// mostly holds on a LAN, as chronyd's does.
func TestChronyLikeReference(t *testing.T) {
	sc, _ := Find(20*time.Minute, LAN)
	_, ref, err := Compare(sc, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ref.Coverage() < 0.99 || ref.Median > 10*time.Microsecond || ref.Steady.LimitRatio() > 1.5 {
		t.Errorf("chrony-like reference on LAN: %v, steady bound %.2f× the limit", ref, ref.Steady.LimitRatio())
	}
}

// TestFrequencyStepBetweenPollsKeepsTheBound: a step of the local clock's
// frequency within the wander allowance, at any instant between polls,
// keeps the bound true. No envelope sees such a step until many samples
// after it, so the allowance must cover every sample's whole age: moving
// the older samples with the drift measured before the step made the bound
// miss the truth in 1 % of the readings after a 2 ppm step.
func TestFrequencyStepBetweenPollsKeepsTheBound(t *testing.T) {
	lan, _ := Find(time.Hour, LAN)
	tests := []struct {
		name string
		sc   Scenario
		at   []time.Duration
		by   float64
	}{
		{name: "64s polls, 2ppm of 2.5", sc: longOutage("step-64s", 0), at: []time.Duration{61*time.Minute + 7*time.Second, 75*time.Minute + 40*time.Second}, by: 2e-6},
		{name: "64s polls, -2ppm of 2.5", sc: longOutage("step-64s", 0), at: []time.Duration{61*time.Minute + 7*time.Second, 90*time.Minute + 3*time.Second}, by: -2e-6},
		{name: "1s polls, 0.9ppm of 1", sc: lan, at: []time.Duration{20*time.Minute + 300*time.Millisecond, 40 * time.Minute}, by: 0.9e-6},
	}
	for _, tc := range tests {
		for _, at := range tc.at {
			t.Run(fmt.Sprintf("%s at %v", tc.name, at), func(t *testing.T) {
				t.Parallel()
				sc := tc.sc
				if math.Abs(tc.by) > 1e-6 {
					sc.Config.Wander = thermalWander
				}
				sc.Clock.FrequencySteps = []FrequencyStep{{At: at, By: tc.by}}
				for _, seed := range seeds {
					s, err := Run(sc, seed, nil)
					if err != nil {
						t.Fatal(err)
					}
					if s.Covered != s.Scored || s.InInterval != s.Scored {
						t.Errorf("seed %d: %d of %d estimates outside their bound, %d outside their interval", seed, s.Scored-s.Covered, s.Scored, s.Scored-s.InInterval)
					}
				}
			})
		}
	}
}
