package sim

import (
	"testing"
	"time"
)

// TestStartupBurstCarriesToTheFirstPoll: at 64 s polls the estimate
// carries the drift the start-up burst measured until the first regular
// poll. With the burst over 6 s (ntp.BurstSpacing) the error stays within
// a few hundred microseconds on every seed; over 0.75 s (250 ms apart) it
// reached milliseconds (757 µs on average over 12 seeds, up to 3.5 ms in
// the estimator's own test).
func TestStartupBurstCarriesToTheFirstPoll(t *testing.T) {
	const most = 500 * time.Microsecond
	sc, ok := findTest(LongOutage)
	if !ok {
		t.Fatalf("no scenario %s", LongOutage)
	}
	sc.Duration = 3 * sc.Poll
	for _, seed := range seeds {
		var worst time.Duration
		_, err := Run(sc, seed, func(p Point) {
			if p.At > 10*time.Second && p.At < sc.Poll && !p.Blind {
				worst = max(worst, (p.Estimate.Offset - p.Truth).Abs())
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("seed %d: worst %v", seed, worst)
		if worst > most {
			t.Errorf("seed %d: error up to %v before the first regular poll, want at most %v", seed, worst, most)
		}
	}
}
