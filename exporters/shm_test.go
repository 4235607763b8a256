package exporters

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
)

func TestShmRecord(t *testing.T) {
	const mono, wall = int64(5e12), int64(1.7e18)
	estimateAt := time.Unix(0, wall-int64(30*time.Millisecond))
	synced := estimator.Estimate{
		Time: estimateAt, Status: estimator.StatusSynchronized, Synchronized: true,
		Offset: 3 * time.Millisecond, ErrorBound: 50 * time.Microsecond, Drift: -4e-6, DriftBound: 2e-7,
		OffsetMin: 2980 * time.Microsecond, OffsetMax: 3050 * time.Microsecond,
	}
	with := func(change func(*estimator.Estimate)) estimator.Estimate { e := synced; change(&e); return e }
	syncedRecord := clockshm.Record{
		Monotonic: mono - int64(30*time.Millisecond), Local: estimateAt.UnixNano(),
		Offset: int64(3 * time.Millisecond), ErrorBound: int64(50 * time.Microsecond), Drift: -4e-6, DriftBound: 2e-7,
		OffsetMin: int64(2980 * time.Microsecond), OffsetMax: int64(3050 * time.Microsecond),
		Status: clockshm.StatusSynchronized, Published: mono,
	}
	holdover := syncedRecord
	holdover.Status = clockshm.StatusHoldover
	unsynchronized := clockshm.Record{Monotonic: mono, Local: wall, ErrorBound: clockshm.UnknownBound, Status: clockshm.StatusUnsynchronized, Published: mono}
	tests := []struct {
		name    string
		in      estimator.Estimate
		want    clockshm.Record
		wantErr string
	}{
		{name: "synchronized: placed on the monotonic clock", in: synced, want: syncedRecord},
		{name: "holdover", in: with(func(e *estimator.Estimate) { e.Status = estimator.StatusHoldover }), want: holdover},
		{name: "unsynchronized: a heartbeat only", in: with(func(e *estimator.Estimate) { e.Status = estimator.StatusUnsynchronized }), want: unsynchronized},
		{name: "no offset known", in: with(func(e *estimator.Estimate) { e.ErrorBound = estimator.UnknownBound }), want: unsynchronized},
		{name: "zero estimate", in: estimator.Estimate{}, want: unsynchronized},
		{name: "unknown status", in: with(func(e *estimator.Estimate) { e.Status = "fine" }), wantErr: `status "fine" is none of`},
		{name: "no time", in: with(func(e *estimator.Estimate) { e.Time = time.Time{} }), wantErr: "no time"},
		{name: "NaN drift", in: with(func(e *estimator.Estimate) { e.Drift = math.NaN() }), wantErr: "not a finite rate"},
		{name: "negative bound", in: with(func(e *estimator.Estimate) { e.ErrorBound = -1 }), wantErr: "negative error bound"},
		{name: "empty interval", in: with(func(e *estimator.Estimate) { e.OffsetMin = e.OffsetMax + 1 }), wantErr: "interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := shmRecord(tt.in, mono, wall)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("shmRecord error = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("shmRecord = %+v, %v\nwant %+v", got, err, tt.want)
			}
		})
	}
}
