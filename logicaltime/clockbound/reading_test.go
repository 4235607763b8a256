package clockbound

import (
	"errors"
	"testing"
	"time"
)

func TestReadingAt(t *testing.T) {
	const s = int64(time.Second)
	b := Bound{AsOf: 100 * s, VoidAfter: 200 * s, Bound: 10_000, MaxDriftPPB: 1000, Status: StatusSynchronized}
	realtime := int64(1_750_000_000) * s
	tests := []struct {
		name       string
		b          Bound
		monotonic  int64
		wantBound  int64
		wantStatus Status
		wantErr    error
	}{
		{name: "at as-of", b: b, monotonic: 100 * s, wantBound: 10_000, wantStatus: StatusSynchronized},
		// 1000 ppb over 2 s: 2 µs more.
		{name: "two seconds on", b: b, monotonic: 102 * s, wantBound: 12_000, wantStatus: StatusSynchronized},
		{name: "past the grace period", b: b, monotonic: 106 * s, wantBound: 16_000, wantStatus: StatusFreeRunning},
		{name: "past void-after", b: b, monotonic: 201 * s, wantBound: 111_000, wantStatus: StatusUnknown},
		{name: "within the causality blur", b: b, monotonic: 100*s - 500, wantBound: 10_000, wantStatus: StatusSynchronized},
		{name: "causality breach", b: b, monotonic: 100*s - 2000, wantErr: ErrCausality},
		{name: "unknown stays unknown", b: Bound{AsOf: b.AsOf, VoidAfter: b.VoidAfter, Status: StatusUnknown}, monotonic: 100 * s, wantStatus: StatusUnknown},
		{name: "disrupted stays disrupted", b: Bound{AsOf: b.AsOf, VoidAfter: b.VoidAfter, Status: StatusDisrupted}, monotonic: 300 * s, wantStatus: StatusDisrupted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.b.At(realtime, tt.monotonic)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("At() error = %v, want %v", err, tt.wantErr)
			}
			want := Reading{Earliest: realtime - tt.wantBound, Latest: realtime + tt.wantBound, Status: tt.wantStatus}
			if err == nil && r != want {
				t.Errorf("At() = %+v, want %+v", r, want)
			}
		})
	}
}
