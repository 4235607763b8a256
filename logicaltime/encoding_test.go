package logicaltime

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestTextEncoding(t *testing.T) {
	tests := []struct {
		ts   Timestamp
		text string
	}{
		{Timestamp{}, "1970-01-01T00:00:00.000000000Z_00000"},
		{stamp(t0, 17), "2025-01-01T00:00:00.000000000Z_00017"},
		{stamp(t0+1, math.MaxUint16), "2025-01-01T00:00:00.000065536Z_65535"},
		{Timestamp{bits: maxTimestamp}, "2262-04-11T23:47:16.854710272Z_65535"},
	}
	for _, tt := range tests {
		if got := tt.ts.String(); got != tt.text {
			t.Errorf("String() = %q, want %q", got, tt.text)
		}
		got, err := ParseTimestamp(tt.text)
		if err != nil || got != tt.ts {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want %v", tt.text, got, err, tt.ts)
		}
	}
}

func TestParseTimestampRejects(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
	}{
		{"", "want the form"},
		{"2025-01-01T00:00:00.000000000Z-00017", "want the form"},
		{"2025-01-01T00:00:00.000000000Z_0017", "want the form"},
		{"2025-01-01 00:00:00.000000000Z_00017", "cannot parse"},
		{"2025-01-01T00:00:00.000000001Z_00017", "multiple of 65.536µs"},
		{"1969-12-31T23:59:59.999934464Z_00000", "between 1970 and 2262"},
		{"2263-01-01T00:00:00.000000000Z_00000", "between 1970 and 2262"},
		{"2025-01-01T00:00:00.000000000Z_65536", "logical counter"},
		{"2025-01-01T00:00:00.000000000Z_+1234", "logical counter"},
		{"2025-02-30T00:00:00.000000000Z_00000", "out of range"},
	}
	for _, tt := range tests {
		_, err := ParseTimestamp(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseTimestamp(%q) error = %v, want one mentioning %q", tt.in, err, tt.wantErr)
		}
	}
}

func TestBinaryEncoding(t *testing.T) {
	ts := stamp(t0, 258)
	data, err := ts.MarshalBinary()
	if err != nil || len(data) != BinaryLen {
		t.Fatalf("MarshalBinary() = %x, %v", data, err)
	}
	var got Timestamp
	if err := got.UnmarshalBinary(data); err != nil || got != ts {
		t.Errorf("UnmarshalBinary(%x) = %v, %v; want %v", data, got, err, ts)
	}
	for _, bad := range [][]byte{nil, make([]byte, 7), make([]byte, 9), {0x80, 0, 0, 0, 0, 0, 0, 0}} {
		if err := got.UnmarshalBinary(bad); err == nil {
			t.Errorf("UnmarshalBinary(%x) succeeded, want an error", bad)
		}
	}
}

func TestJSONEncoding(t *testing.T) {
	type event struct {
		At Timestamp `json:"at"`
	}
	in := event{At: stamp(t0, 3)}
	data, err := json.Marshal(in)
	if want := `{"at":"2025-01-01T00:00:00.000000000Z_00003"}`; err != nil || string(data) != want {
		t.Fatalf("json.Marshal = %s, %v; want %s", data, err, want)
	}
	var out event
	if err := json.Unmarshal(data, &out); err != nil || out != in {
		t.Errorf("json.Unmarshal(%s) = %v, %v; want %v", data, out, err, in)
	}
	if err := json.Unmarshal([]byte(`{"at":12345}`), &out); err == nil {
		t.Error("json.Unmarshal of a number succeeded, want an error")
	}
}

// TestEncodingsSortLikeTimestamps checks on random pairs that both byte
// encodings compare like the timestamps.
func TestEncodingsSortLikeTimestamps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		a, b := Timestamp{bits: rng.Uint64N(maxTimestamp)}, Timestamp{bits: rng.Uint64N(maxTimestamp)}
		if rng.IntN(2) == 0 {
			b.bits = a.bits&^logicalMask | rng.Uint64N(1<<LogicalBits) // same tick
		}
		ab, _ := a.MarshalBinary()
		bb, _ := b.MarshalBinary()
		if got := bytes.Compare(ab, bb); got != a.Compare(b) {
			t.Fatalf("binary of %v and %v compares %d, want %d", a, b, got, a.Compare(b))
		}
		if got := strings.Compare(a.String(), b.String()); got != a.Compare(b) {
			t.Fatalf("text of %v and %v compares %d, want %d", a, b, got, a.Compare(b))
		}
	}
}

func FuzzParseTimestamp(f *testing.F) {
	f.Add("2025-01-01T00:00:00.000065536Z_00017")
	f.Add("1970-01-01T00:00:00.000000000Z_00000")
	f.Add("2262-04-11T23:47:16.854710272Z_65535")
	f.Add("2025-13-01T00:00:00.000065536Z_00017")
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ParseTimestamp(s)
		if err != nil {
			return
		}
		if got := ts.String(); got != s {
			t.Errorf("ParseTimestamp(%q) prints back as %q", s, got)
		}
		var fromJSON Timestamp
		if err := json.Unmarshal([]byte(`"`+s+`"`), &fromJSON); err != nil || fromJSON != ts {
			t.Errorf("JSON %q decodes to %v, %v; want %v", s, fromJSON, err, ts)
		}
	})
}

func FuzzUnmarshalBinary(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x18, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		var ts Timestamp
		if err := ts.UnmarshalBinary(data); err != nil {
			return
		}
		if again, _ := ts.MarshalBinary(); !bytes.Equal(again, data) {
			t.Errorf("UnmarshalBinary(%x) marshals back as %x", data, again)
		}
		if back, err := ParseTimestamp(ts.String()); err != nil || back != ts {
			t.Errorf("text of %x does not round-trip: %v, %v", data, back, err)
		}
	})
}
