package tracecorrect_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/tracecorrect"
)

func TestDecodeOffsetsFile(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 500, time.UTC)
	tests := []struct {
		name    string
		in      string
		want    tracecorrect.Offsets
		wantErr string
	}{
		{
			name: "two hosts",
			in: `{"hosts": {"web-1": [{"time": "2026-01-01T00:00:00.0000005Z", "offset_seconds": 0.0015, "error_bound_seconds": 0.0001}],
			               "db-1": [{"time": "2026-01-01T00:00:00.0000005Z", "offset_seconds": -2, "error_bound_seconds": 0}]}}`,
			want: tracecorrect.Offsets{
				"web-1": {{Time: t0, Offset: 1500 * time.Microsecond, ErrorBound: 100 * time.Microsecond}},
				"db-1":  {{Time: t0, Offset: -2 * time.Second}},
			},
		},
		{name: "a host without points", in: `{"hosts": {"web-1": []}}`, want: tracecorrect.Offsets{"web-1": {}}},
		{name: "not JSON", in: `hosts: web-1`, wantErr: "offsets file: invalid character"},
		{name: "no hosts", in: `{"host": {}}`, wantErr: `no "hosts" object`},
		{name: "missing bound", in: `{"hosts": {"a": [{"time": "2026-01-01T00:00:00Z", "offset_seconds": 1}]}}`, wantErr: `host "a", point 0: "time", "offset_seconds" and "error_bound_seconds" are all required`},
		{name: "negative bound", in: `{"hosts": {"a": [{"time": "2026-01-01T00:00:00Z", "offset_seconds": 1, "error_bound_seconds": -1}]}}`, wantErr: "is negative"},
		{name: "offset in nanoseconds by mistake", in: `{"hosts": {"a": [{"time": "2026-01-01T00:00:00Z", "offset_seconds": 1e19, "error_bound_seconds": 1}]}}`, wantErr: "not a finite number within ±146 years"},
		{name: "bad time", in: `{"hosts": {"a": [{"time": "yesterday", "offset_seconds": 1, "error_bound_seconds": 1}]}}`, wantErr: "cannot parse"},
		{name: "time before 1970", in: `{"hosts": {"a": [{"time": "1960-01-01T00:00:00Z", "offset_seconds": 1, "error_bound_seconds": 1}]}}`, wantErr: "outside the years 1970–2261"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tracecorrect.DecodeOffsetsFile(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOffsetsFileRoundTrip(t *testing.T) {
	want := tracecorrect.Offsets{
		"web-1": {
			{Time: time.Date(2026, 1, 1, 0, 0, 0, 123456789, time.UTC), Offset: -1234567 * time.Nanosecond, ErrorBound: 89 * time.Microsecond},
			{Time: time.Date(2026, 1, 1, 0, 0, 16, 0, time.UTC), Offset: 3 * time.Millisecond, ErrorBound: time.Millisecond},
		},
	}
	var buf bytes.Buffer
	if err := tracecorrect.EncodeOffsetsFile(&buf, want); err != nil {
		t.Fatal(err)
	}
	got, err := tracecorrect.DecodeOffsetsFile(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip: got %v, want %v", got, want)
	}
}

func FuzzDecodeOffsetsFile(f *testing.F) {
	f.Add(`{"hosts": {"web-1": [{"time": "2026-01-01T00:00:00Z", "offset_seconds": 0.001, "error_bound_seconds": 0.0001}]}}`)
	f.Add(`{"hosts": {"a": [{"time": "2262-01-01T00:00:00Z", "offset_seconds": -1e10, "error_bound_seconds": 1e300}]}}`)
	f.Add(`{"hosts": null}`)
	f.Fuzz(func(t *testing.T, in string) {
		offsets, err := tracecorrect.DecodeOffsetsFile(strings.NewReader(in))
		if err != nil {
			return
		}
		if err := offsets.Validate(); err != nil {
			t.Errorf("decoded offsets do not validate: %v", err)
		}
		if _, err := tracecorrect.NewCorrector(offsets, tracecorrect.Options{}); err != nil {
			t.Errorf("decoded offsets rejected by NewCorrector: %v", err)
		}
	})
}
