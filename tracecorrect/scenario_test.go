package tracecorrect_test

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/clockwatch/clockwatch/tracecorrect"
	"github.com/clockwatch/clockwatch/tracecorrect/tracegen"
)

// TestCorrectionAgainstTruth corrects every generated scenario and checks
// the result against the true times and against the causality-only
// baseline: no violations left, the mean error at least 5× lower than
// recorded, and closer to the truth than the baseline.
func TestCorrectionAgainstTruth(t *testing.T) {
	for _, sc := range tracegen.Scenarios(300) {
		t.Run(sc.Name, func(t *testing.T) {
			res, err := tracegen.Generate(sc)
			if err != nil {
				t.Fatal(err)
			}
			recorded := meanAbsError(t, res.Truth, res.Traces)
			recordedIn := meanAbsErrorInTrace(t, res.Truth, res.Traces)

			corrected := cloneTraces(res.Traces)
			c, err := tracecorrect.NewCorrector(res.Offsets, tracecorrect.Options{})
			if err != nil {
				t.Fatal(err)
			}
			sum := c.Correct(corrected)
			ours := meanAbsError(t, res.Truth, corrected)
			oursIn := meanAbsErrorInTrace(t, res.Truth, corrected)

			baseline := cloneTraces(res.Traces)
			tracecorrect.AdjustCausalityOnly("", baseline)
			theirs := meanAbsError(t, res.Truth, baseline)
			theirsIn := meanAbsErrorInTrace(t, res.Truth, baseline)

			t.Logf("mean |error| vs true time: recorded %v, clockwatch %v, baseline %v", recorded, ours, theirs)
			t.Logf("mean |error| within the trace: recorded %v, clockwatch %v, baseline %v", recordedIn, oursIn, theirsIn)
			t.Logf("violations: recorded %d, clockwatch %d, baseline %d; unresolved traces %d",
				sum.ViolationsBefore, sum.ViolationsAfter, tracecorrect.Violations(baseline), sum.UnresolvedTraces)
			if got := tracecorrect.Violations(corrected); got != 0 || sum.ViolationsAfter != 0 {
				t.Errorf("violations after correction: %d (summary says %d), want 0", got, sum.ViolationsAfter)
			}
			if ours*5 > recorded {
				t.Errorf("mean error %v is not 5× below the recorded %v", ours, recorded)
			}
			if ours >= theirs {
				t.Errorf("mean error %v is not below the baseline's %v", ours, theirs)
			}
			if oursIn >= theirsIn {
				t.Errorf("mean error within the trace %v is not below the baseline's %v", oursIn, theirsIn)
			}
		})
	}
}

// meanAbsError is the truth's mean error of td, failing the test on error.
func meanAbsError(t *testing.T, truth tracegen.Truth, td ptrace.Traces) time.Duration {
	t.Helper()
	d, err := truth.MeanAbsError(td)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// meanAbsErrorInTrace is the truth's mean error of td within each trace,
// failing the test on error.
func meanAbsErrorInTrace(t *testing.T, truth tracegen.Truth, td ptrace.Traces) time.Duration {
	t.Helper()
	d, err := truth.MeanAbsErrorInTrace(td)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// cloneTraces returns a deep copy of td.
func cloneTraces(td ptrace.Traces) ptrace.Traces {
	out := ptrace.NewTraces()
	td.CopyTo(out)
	return out
}

// TestCausalityAlonePointsTheWrongWay runs fire-and-forget messages between
// hosts whose clocks are right: the recorded times are true, the baseline
// pulls consumers that ran after their producer back into it, and
// clockwatch keeps every span within the measurements' bound.
func TestCausalityAlonePointsTheWrongWay(t *testing.T) {
	const bound = 20 * time.Microsecond
	sc := tracegen.Scenario{Name: "true-clocks", Seed: 9, Traces: 200, AsyncShare: 0.6, Hosts: []tracegen.Host{
		{Name: "orders", ErrorBound: bound}, {Name: "billing", ErrorBound: bound}, {Name: "mailer", ErrorBound: bound},
	}}
	res, err := tracegen.Generate(sc)
	if err != nil {
		t.Fatal(err)
	}
	corrected, baseline := cloneTraces(res.Traces), cloneTraces(res.Traces)
	c, err := tracecorrect.NewCorrector(res.Offsets, tracecorrect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.Correct(corrected)
	tracecorrect.AdjustCausalityOnly("", baseline)
	ours, theirs := meanAbsError(t, res.Truth, corrected), meanAbsError(t, res.Truth, baseline)
	t.Logf("mean |error|: recorded 0, clockwatch %v, baseline %v", ours, theirs)
	if ours > bound {
		t.Errorf("clockwatch's mean error %v exceeds the bound %v", ours, bound)
	}
	if theirs < 10*bound {
		t.Errorf("baseline's mean error %v: expected it misled by asynchronous children", theirs)
	}
}
