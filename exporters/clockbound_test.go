package exporters

import (
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/logicaltime/clockbound"
)

func TestClockBoundRecord(t *testing.T) {
	const mono, wall = int64(5e12), int64(1.7e18)
	estimateAt := time.Unix(0, wall-int64(30*time.Millisecond))
	const tick = 4 * time.Millisecond
	monoAt := mono - int64(30*time.Millisecond) - 2*int64(tick) // the estimate's instant, two coarse ticks early
	synced := estimator.Estimate{
		Time: estimateAt, Status: estimator.StatusSynchronized, Synchronized: true,
		Offset: -3 * time.Millisecond, ErrorBound: 50 * time.Microsecond, Drift: -4e-6, DriftBound: 2e-7,
		OffsetMin: -3020 * time.Microsecond, OffsetMax: -2950 * time.Microsecond,
	}
	with := func(change func(*estimator.Estimate)) estimator.Estimate { e := synced; change(&e); return e }
	// |−3 ms| + 50 µs; 4 ppm + 0.2 ppm + 1e-8/s × 5 s / 2 = 4225 ppb.
	syncedBound := clockbound.Bound{
		AsOf: monoAt, VoidAfter: monoAt + int64(5*time.Second),
		Bound: 3_050_000, MaxDriftPPB: 4225, Status: clockbound.StatusSynchronized,
	}
	freeRunning := syncedBound
	freeRunning.Status = clockbound.StatusFreeRunning
	unknown := clockbound.Bound{AsOf: mono - 2*int64(tick), VoidAfter: mono - 2*int64(tick), Bound: int64(24 * time.Hour), Status: clockbound.StatusUnknown}
	tests := []struct {
		name    string
		in      estimator.Estimate
		want    clockbound.Bound
		wantErr string
	}{
		{name: "synchronized: the bound on the system clock", in: synced, want: syncedBound},
		{name: "holdover is free running", in: with(func(e *estimator.Estimate) { e.Status = estimator.StatusHoldover }), want: freeRunning},
		{name: "unsynchronized is unknown", in: with(func(e *estimator.Estimate) { e.Status = estimator.StatusUnsynchronized }), want: unknown},
		{name: "no offset known", in: with(func(e *estimator.Estimate) { e.ErrorBound = estimator.UnknownBound }), want: unknown},
		{name: "a bound wider than a day", in: with(func(e *estimator.Estimate) { e.Offset = 25 * time.Hour }), want: unknown},
		{name: "drift a second a second", in: with(func(e *estimator.Estimate) { e.Drift = 1 }), want: unknown},
		{name: "unknown status", in: with(func(e *estimator.Estimate) { e.Status = "fine" }), wantErr: `status "fine" is none of`},
		{name: "no time", in: with(func(e *estimator.Estimate) { e.Time = time.Time{} }), wantErr: "no time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := clockBoundRecord(tt.in, mono, wall, tick)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("clockBoundRecord error = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("clockBoundRecord = %+v, %v\nwant %+v", got, err, tt.want)
			}
		})
	}
}
