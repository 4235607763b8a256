package logicaltime

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUpperBoundSurvivesRestart issues timestamps, "restarts" with the
// system clock stepped back an hour and checks the new clock continues
// above everything issued before.
func TestUpperBoundSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "hlc-bound")
	clock := &ManualClock{}
	clock.Set(time.Unix(0, at(0, 0)))

	file, err := OpenUpperBoundFile(path)
	if err != nil || !file.Bound().IsZero() {
		t.Fatalf("OpenUpperBoundFile on a missing file = %v, %v; want a zero bound", file, err)
	}
	const window = time.Second
	first := NewHLC(WithPhysicalClock(clock.Now), WithUpperBound(file, window))
	var last Timestamp
	for i := range 100 {
		clock.Set(time.Unix(0, at(int64(i), 0)))
		last = first.Now()
	}
	if b := file.Bound(); !last.Before(b) || b.Time().After(last.Time().Add(window)) {
		t.Fatalf("bound %v after issuing %v: want above it, by at most the window", b, last)
	}

	clock.Set(time.Unix(0, at(0, -time.Hour)))
	file, err = OpenUpperBoundFile(path)
	if err != nil {
		t.Fatal(err)
	}
	second := NewHLC(WithPhysicalClock(clock.Now), WithUpperBound(file, window))
	if got := second.Now(); !last.Before(got) {
		t.Errorf("after a restart with the clock an hour back, Now() = %v, want after %v", got, last)
	}
	if err := second.UpperBoundErr(); err != nil {
		t.Errorf("UpperBoundErr() = %v", err)
	}
}

func TestUpperBoundWriteFailure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	file, err := OpenUpperBoundFile(filepath.Join(dir, "bound"))
	if err != nil {
		t.Fatal(err)
	}
	// The directory turns into a file: every write fails, even as root.
	if err := os.WriteFile(dir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	clock := NewHLC(WithUpperBound(file, time.Second))
	a, b := clock.Now(), clock.Now()
	if !a.Before(b) {
		t.Errorf("Now() = %v then %v: the clock must go on when the bound cannot be written", a, b)
	}
	if err := clock.UpperBoundErr(); err == nil || !strings.Contains(err.Error(), "store upper bound") {
		t.Errorf("UpperBoundErr() = %v, want the write error", err)
	}
	if err := NewHLC().UpperBoundErr(); err != nil {
		t.Errorf("UpperBoundErr() without a file = %v, want nil", err)
	}
}

func TestOpenUpperBoundFileRejectsGarbage(t *testing.T) {
	tests := []struct {
		name     string
		contents string
		wantErr  string
	}{
		{"garbage", "hello\n", "repair it by hand"},
		{"number", "12345\n", "want the form"},
		{"valid without newline", "2025-01-01T00:00:00.000000000Z_00003", ""},
		{"valid", "2025-01-01T00:00:00.000000000Z_00003\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bound")
			if err := os.WriteFile(path, []byte(tt.contents), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := OpenUpperBoundFile(path)
			if tt.wantErr == "" {
				if err != nil || f.Bound() != stamp(t0, 3) {
					t.Errorf("OpenUpperBoundFile = %v, %v; want bound %v", f, err, stamp(t0, 3))
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("OpenUpperBoundFile error = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
	if _, err := OpenUpperBoundFile(t.TempDir()); err == nil || errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenUpperBoundFile of a directory = %v, want a read error", err)
	}
}

func FuzzParseUpperBound(f *testing.F) {
	f.Add([]byte("2025-01-01T00:00:00.000000000Z_00003\n"))
	f.Add([]byte("\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := parseUpperBound(data)
		if err == nil && ts.String()+"\n" != string(data) && ts.String() != string(data) {
			t.Errorf("parseUpperBound(%q) = %v, which is not what the file says", data, ts)
		}
	})
}
