package clockbound

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/clockwatch/clockwatch/logicaltime/internal/ctest"
)

// publishToFile creates a segment file at path and publishes b to it, as
// the agent's writer does; it returns the writer's segment.
func publishToFile(t *testing.T, path string, b Bound) *Segment {
	t.Helper()
	if err := os.WriteFile(path, make([]byte, Size), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := unix.Mmap(int(f.Fd()), 0, Size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(data) })
	s, err := NewSegment(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Publish(b); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCReaderReadsTheSegment runs logicaltime/c's ClockBound reader, written
// from the protocol's description, on a segment this package wrote: it
// reads every field, and computes the client's interval and status as
// Bound.At does, before and after the grace period and void-after.
func TestCReaderReadsTheSegment(t *testing.T) {
	bin := ctest.Build(t, filepath.Join("..", "c", "clockbound_read.c"))
	realtime, monotonic, err := Clocks()
	if err != nil {
		t.Fatal(err)
	}
	b := Bound{
		AsOf: monotonic, VoidAfter: monotonic + int64(10*time.Second),
		Bound: 3_250_000, MaxDriftPPB: 15_225, Status: StatusSynchronized,
	}
	path := filepath.Join(t.TempDir(), "shm0")
	publishToFile(t, path, b)

	tests := []struct {
		name       string
		after      time.Duration // from as-of
		wantExit   int
		wantStatus Status
	}{
		{"within the grace period", 2 * time.Second, 0, StatusSynchronized},
		{"past the grace period", 6 * time.Second, 0, StatusFreeRunning},
		{"past void-after", 11 * time.Second, 2, StatusUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := realtime + int64(tt.after)
			got := ctest.Run(t, tt.wantExit, bin, path, "--at", strconv.FormatInt(at, 10))
			raw := map[string]string{
				"layout": "clockbound-v2", "generation": "2", "as_of_ns": strconv.FormatInt(b.AsOf, 10),
				"void_after_ns": strconv.FormatInt(b.VoidAfter, 10), "bound_ns": "3250000", "max_drift_ppb": "15225",
				"published_status": "synchronized", "disruption_support": "0", "status": tt.wantStatus.String(),
			}
			for key, value := range raw {
				if got[key] != value {
					t.Errorf("%s = %q, want %q", key, got[key], value)
				}
			}
			// The C reader places the instant on the coarse clock from its
			// own readings; a coarse tick (4 ms) of max drift is 61 ns.
			cMono, _ := strconv.ParseInt(got["at_monotonic_ns"], 10, 64)
			goReading, err := b.At(at, cMono)
			if err != nil {
				t.Fatal(err)
			}
			if got["earliest_ns"] != strconv.FormatInt(goReading.Earliest, 10) || got["latest_ns"] != strconv.FormatInt(goReading.Latest, 10) {
				t.Errorf("C interval [%s, %s], Go [%d, %d] for the same instants", got["earliest_ns"], got["latest_ns"], goReading.Earliest, goReading.Latest)
			}
			bound, _ := strconv.ParseInt(got["bound_at_ns"], 10, 64)
			if want := b.Bound + int64(tt.after.Seconds()*float64(b.MaxDriftPPB)); time.Duration(bound-want).Abs() > 200 {
				t.Errorf("bound at +%v = %d ns, want %d ± 200", tt.after, bound, want)
			}
		})
	}
}

// TestCReaderRefusesOtherSegments: the C reader refuses what a ClockBound
// client refuses.
func TestCReaderRefusesOtherSegments(t *testing.T) {
	bin := ctest.Build(t, filepath.Join("..", "c", "clockbound_read.c"))
	dir := t.TempDir()
	version3 := filepath.Join(dir, "v3")
	publishToFile(t, version3, Bound{Status: StatusSynchronized}).words[wordHeader] = packHeader(Size, 3, 2)
	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte("AMZNCB"), 0o644); err != nil {
		t.Fatal(err)
	}
	unpublished := filepath.Join(dir, "zero")
	if err := os.WriteFile(unpublished, make([]byte, Size), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{version3, short, unpublished, filepath.Join(dir, "missing")} {
		ctest.Run(t, 1, bin, path)
	}
}
