package exporters

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/logicaltime/clockbound"
)

// clockBoundClient maps the segment at path read-only, as a ClockBound
// client does, for the test's duration.
func clockBoundClient(t *testing.T, path string) *clockbound.Segment {
	t.Helper()
	s, err := clockbound.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// readClockBound reads the segment and computes a client's interval now,
// with the system clock just before and after.
func readClockBound(t *testing.T, s *clockbound.Segment) (clockbound.Reading, time.Time, time.Time) {
	t.Helper()
	var b clockbound.Bound
	if err := s.Read(&b); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	realtime, monotonic, err := clockbound.Clocks()
	after := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	r, err := b.At(realtime, monotonic)
	if err != nil {
		t.Fatal(err)
	}
	return r, before, after
}

func TestClockBoundWriterPublishesToClients(t *testing.T) {
	path := filepath.Join(t.TempDir(), "var", "run", "clockbound", "shm0")
	w, err := NewClockBoundWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o644 || info.Size() != clockbound.Size {
		t.Fatalf("segment file: %v, %v; want mode 0644 and %d bytes", info, err, clockbound.Size)
	}
	client := clockBoundClient(t, path)
	if err := client.Read(&clockbound.Bound{}); err != clockbound.ErrNotPublished {
		t.Errorf("Read() before the first publish = %v, want ErrNotPublished", err)
	}

	// The system clock is 3 ms ahead of true time by the estimate.
	const offset = 3 * time.Millisecond
	for range 3 {
		if err := w.Publish(freshEstimate(offset)); err != nil {
			t.Fatal(err)
		}
		r, before, after := readClockBound(t, client)
		if r.Status != clockbound.StatusSynchronized {
			t.Errorf("status %v, want synchronized", r.Status)
		}
		// True time by the estimate was system time − offset at some
		// instant between before and after.
		if r.Earliest > after.Add(-offset).UnixNano() || r.Latest < before.Add(-offset).UnixNano() {
			t.Errorf("client interval [%v, %v] misses true time in [%v, %v]",
				time.Unix(0, r.Earliest), time.Unix(0, r.Latest), before.Add(-offset), after.Add(-offset))
		}
		if width := time.Duration(r.Latest - r.Earliest); width < 2*offset {
			t.Errorf("client interval is %v wide, want at least twice the offset", width)
		}
	}
}

// TestClockBoundWriterSurvivesTruncatedFile: as the agent's own clock
// file, the segment is re-sized after a truncation and published again.
func TestClockBoundWriterSurvivesTruncatedFile(t *testing.T) {
	inSubprocess(t, nil, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "shm0")
		w, err := NewClockBoundWriter(path)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if err := w.Publish(freshEstimate(0)); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		if err := w.Publish(freshEstimate(0)); err == nil || !strings.Contains(err.Error(), "shrank to 0 bytes") {
			t.Errorf("Publish to the truncated file = %v, want an error saying it shrank", err)
		}
		wantSize(t, path, clockbound.Size)
		if err := w.Publish(freshEstimate(0)); err != nil {
			t.Errorf("Publish after re-sizing: %v", err)
		}
		readClockBound(t, clockBoundClient(t, path))

		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		if err := w.segment.Publish(clockbound.Bound{}); err != clockbound.ErrFault {
			t.Errorf("Segment.Publish to the truncated mapping = %v, want ErrFault", err)
		}
	})
}
