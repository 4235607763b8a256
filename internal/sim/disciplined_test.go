package sim

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// disciplinedSeeds are the runs every closed-loop scenario is judged on.
var disciplinedSeeds = []uint64{1, 2}

func disciplinedScenario(t *testing.T, name string) DisciplinedScenario {
	t.Helper()
	sc, ok := FindDisciplined(name)
	if !ok {
		t.Fatalf("no closed-loop scenario %q", name)
	}
	return sc
}

// TestClosedLoop checks the claims on every scenario: the estimate
// stays true while its own clock is steered, the kernel is never told a
// maximum error below the truth, the initial 1 s error is stepped once and
// the clock converges within the estimate's bound in bounded time; an
// outage is held within the holdover bound and a later 20 ms jump is
// slewed, not stepped.
func TestClosedLoop(t *testing.T) {
	tests := []struct {
		scenario string
		// converge is the latest convergence allowed; recover the latest
		// recovery after the disturbance (zero: no disturbance).
		converge, recover time.Duration
		// steady bounds the true |offset| once converged.
		steady time.Duration
	}{
		{scenario: Converge, converge: 5 * time.Minute, steady: 100 * time.Microsecond},
		{scenario: Outage, converge: 5 * time.Minute, recover: time.Minute, steady: 100 * time.Microsecond},
		{scenario: Slew, converge: 5 * time.Minute, recover: 10 * time.Minute, steady: 100 * time.Microsecond},
		{scenario: Internet, converge: 10 * time.Minute, steady: time.Millisecond},
	}
	for _, tc := range tests {
		for _, seed := range disciplinedSeeds {
			t.Run(fmt.Sprintf("%s/seed%d", tc.scenario, seed), func(t *testing.T) {
				sc := disciplinedScenario(t, tc.scenario)
				points, err := RunDisciplined(sc, seed)
				if err != nil {
					t.Fatal(err)
				}
				r := SummarizeDisciplined(sc, points)
				t.Logf("\n%s", r)
				checkSteps(t, r, sc.Clock.Offset)
				if r.Misses != 0 || r.KernelMisses != 0 {
					t.Errorf("bound missed the truth at %d points (worst by %v), kernel maximum error at %d", r.Misses, r.WorstMiss, r.KernelMisses)
				}
				if r.ConvergedAt < 0 || r.ConvergedAt > tc.converge {
					t.Errorf("converged after %v, want within %v", r.ConvergedAt, tc.converge)
				}
				if r.SteadyMax > tc.steady {
					t.Errorf("steady |true offset| up to %v, want at most %v", r.SteadyMax, tc.steady)
				}
				if tc.recover > 0 && (!r.HeldWithin || r.RecoveredAfter < 0 || r.RecoveredAfter > tc.recover || r.StepsAfterDisturbance != 0) {
					t.Errorf("disturbance: held within |offset|+bound %v, recovered after %v (want within %v), %d steps (want none)",
						r.HeldWithin, r.RecoveredAfter, tc.recover, r.StepsAfterDisturbance)
				}
			})
		}
	}
}

// checkSteps wants exactly one step, correcting the initial offset.
func checkSteps(t *testing.T, r DisciplinedResult, initial time.Duration) {
	t.Helper()
	if len(r.Steps) != 1 {
		t.Fatalf("%d steps, want exactly one", len(r.Steps))
	}
	if s := r.Steps[0]; (s.Step+initial).Abs() > time.Millisecond || s.At > 5*time.Second {
		t.Errorf("stepped %v at %v, want about %v within the first seconds", s.Step, s.At, -initial)
	}
}

func TestDisciplinedSlewStaysWithinLimits(t *testing.T) {
	sc := disciplinedScenario(t, Slew)
	points, err := RunDisciplined(sc, disciplinedSeeds[0])
	if err != nil {
		t.Fatal(err)
	}
	limit := sc.Clock.Drift + 260e-6 // the drift correction, the slew and some wander
	for _, p := range points {
		if p.Frequency < -limit || p.Frequency > limit {
			t.Fatalf("at %v the kernel frequency was %.1f ppm, beyond ±%.1f ppm", p.At, p.Frequency*1e6, limit*1e6)
		}
	}
}

func TestDisciplinedRunIsDeterministic(t *testing.T) {
	sc := disciplinedScenario(t, Internet)
	sc.Duration = 20 * time.Minute
	a, errA := RunDisciplined(sc, 7)
	b, errB := RunDisciplined(sc, 7)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if !slices.Equal(a, b) {
		t.Fatal("two runs with one seed differ")
	}
}
