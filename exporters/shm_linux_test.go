package exporters

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/logicaltime"
	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
)

// freshEstimate is an estimate taken now: this host is ahead by offset.
func freshEstimate(offset time.Duration) estimator.Estimate {
	return estimator.Estimate{
		Time: time.Now(), Status: estimator.StatusSynchronized, Synchronized: true,
		Offset: offset, ErrorBound: 50 * time.Microsecond, Drift: 1e-6, DriftBound: 1e-7,
	}
}

func TestShmWriterPublishesToReaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "dir", "clock")
	w, err := NewShmWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o644 {
		t.Fatalf("clock file: %v, %v; want mode 0644", info, err)
	}
	reader, err := logicaltime.OpenBounded(path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if _, err := reader.Now(); !errors.Is(err, logicaltime.ErrUnsynchronized) {
		t.Errorf("Now() before the first publish = %v, want ErrUnsynchronized", err)
	}

	const offset = 3 * time.Millisecond
	for range 3 {
		if err := w.Publish(freshEstimate(offset)); err != nil {
			t.Fatal(err)
		}
		before := time.Now()
		iv, err := reader.Now()
		after := time.Now()
		if err != nil {
			t.Fatal(err)
		}
		// True time by the estimate was system time − offset at some
		// instant between before and after.
		if iv.Earliest.After(after.Add(-offset)) || iv.Latest.Before(before.Add(-offset)) {
			t.Errorf("Now() = [%v, %v], want it to meet [%v, %v]", iv.Earliest, iv.Latest, before.Add(-offset), after.Add(-offset))
		}
	}

	if err := w.Publish(estimator.Estimate{Time: time.Now(), Status: "bogus", ErrorBound: time.Second}); err == nil {
		t.Error("Publish of a bogus status succeeded, want an error")
	}
	if _, err := reader.Now(); err != nil {
		t.Errorf("Now() after a refused publish = %v, want the previous estimate", err)
	}
}

func TestShmWriterOneWriterPerFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clock")
	first, err := NewShmWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	if second, err := NewShmWriter(path); err == nil || !strings.Contains(err.Error(), "another clockwatch agent") {
		t.Fatalf("second NewShmWriter = %v, %v; want an error naming the other agent", second, err)
	}
	if err := first.Publish(freshEstimate(0)); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Errorf("second Close: %v, want nil", err)
	}
	if err := first.Publish(freshEstimate(0)); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Publish after Close = %v, want an error saying the writer is closed", err)
	}
	again, err := NewShmWriter(path)
	if err != nil {
		t.Fatalf("NewShmWriter after Close: %v", err)
	}
	defer again.Close()
	if err := again.Publish(freshEstimate(0)); err != nil {
		t.Fatal(err)
	}
	reader, err := logicaltime.OpenBounded(path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if _, err := reader.Now(); err != nil {
		t.Errorf("Now() after the writer reopened: %v", err)
	}
}

func TestShmWriterRefusesOtherFiles(t *testing.T) {
	for _, contents := range []string{"precious\n", strings.Repeat("precious data ", 20)} {
		path := filepath.Join(t.TempDir(), "clock")
		if err := os.WriteFile(path, []byte(contents), 0o600); err != nil {
			t.Fatal(err)
		}
		if w, err := NewShmWriter(path); !errors.Is(err, clockshm.ErrNotClockFile) || !strings.Contains(err.Error(), "choose another --shm.path") {
			t.Errorf("NewShmWriter on a %d-byte foreign file = %v, %v; want a refusal", len(contents), w, err)
		}
		if got, _ := os.ReadFile(path); string(got) != contents {
			t.Errorf("foreign file changed to %q", got)
		}
	}
}
