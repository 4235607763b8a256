package logicaltime

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestTimestampAt(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want Timestamp
	}{
		{"epoch", time.Unix(0, 0), Timestamp{}},
		{"before 1970 clamps to zero", time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), Timestamp{}},
		{"truncated to the tick", time.Unix(0, at(3, Tick-1)), stamp(t0+3, 0)},
		{"end of range", time.Unix(0, math.MaxInt64), Timestamp{bits: maxTimestamp &^ logicalMask}},
		{"after 2262 clamps to the end", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), Timestamp{bits: maxTimestamp &^ logicalMask}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TimestampAt(tt.in); got != tt.want {
				t.Errorf("TimestampAt(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestTimestampParts(t *testing.T) {
	ts := stamp(t0+2, 513)
	if got, want := ts.Time(), time.Unix(0, at(2, 0)).UTC(); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("Time() = %v, want %v in UTC", got, want)
	}
	if got := ts.Logical(); got != 513 {
		t.Errorf("Logical() = %d, want 513", got)
	}
	tests := []struct {
		a, b Timestamp
		want int
	}{
		{stamp(t0, 1), stamp(t0, 2), -1},
		{stamp(t0, 2), stamp(t0, 2), 0},
		{stamp(t0+1, 0), stamp(t0, math.MaxUint16), 1},
	}
	for _, tt := range tests {
		if got := tt.a.Compare(tt.b); got != tt.want {
			t.Errorf("%v.Compare(%v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if tt.a.Before(tt.b) != (tt.want < 0) || tt.a.After(tt.b) != (tt.want > 0) {
			t.Errorf("Before/After of %v and %v disagree with Compare", tt.a, tt.b)
		}
	}
}

func TestTimestampFromUint64(t *testing.T) {
	tests := []struct {
		in      uint64
		wantErr error
	}{
		{0, nil},
		{stamp(t0, 7).Uint64(), nil},
		{math.MaxInt64, nil},
		{1 << 63, ErrTimestampRange},
		{math.MaxUint64, ErrTimestampRange},
	}
	for _, tt := range tests {
		got, err := TimestampFromUint64(tt.in)
		if !errors.Is(err, tt.wantErr) || (err == nil && got.Uint64() != tt.in) {
			t.Errorf("TimestampFromUint64(%#x) = %v, %v; want %#x, %v", tt.in, got, err, tt.in, tt.wantErr)
		}
	}
}
