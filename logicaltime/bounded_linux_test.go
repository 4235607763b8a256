package logicaltime

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
)

func TestOpenBoundedRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	missing := filepath.Join(dir, "missing")
	tests := []struct {
		name    string
		path    string
		wantErr error
		wantMsg string
	}{
		{"absent file: start the agent", missing, ErrAgentNotRunning, "start it: clockwatch run --shm.path " + missing},
		{"short file", write("short", []byte("clock")), clockshm.ErrNotClockFile, "5 bytes, want 256"},
		{"foreign file", write("foreign", []byte(strings.Repeat("x", clockshm.Size))), clockshm.ErrNotClockFile, "magic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := OpenBounded(tt.path)
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("OpenBounded(%s) = %v, %v; want %v mentioning %q", tt.path, b, err, tt.wantErr, tt.wantMsg)
			}
		})
	}
}

func TestOpenBoundedBeforeFirstPublish(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clock")
	if err := os.WriteFile(path, make([]byte, clockshm.Size), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := OpenBounded(path)
	if err != nil {
		t.Fatalf("OpenBounded on a file not yet published to: %v", err)
	}
	if _, err := b.Now(); !errors.Is(err, ErrUnsynchronized) || !errors.Is(err, clockshm.ErrNotPublished) {
		t.Errorf("Now() = %v, want ErrUnsynchronized and ErrNotPublished", err)
	}
	for i := range 2 {
		if err := b.Close(); err != nil {
			t.Errorf("Close #%d: %v", i+1, err)
		}
	}
}

// subprocessEnv names the test the test binary runs alone when it is the
// subprocess of inSubprocess.
const subprocessEnv = "LOGICALTIME_TEST_SUBPROCESS"

// inSubprocess runs body in a fresh run of the test binary, so that a fault
// in it (SIGBUS from a shrunk mapping) fails the test instead of killing
// the whole test run.
func inSubprocess(t *testing.T, body func(t *testing.T)) {
	if os.Getenv(subprocessEnv) == t.Name() {
		body(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v")
	cmd.Env = append(os.Environ(), subprocessEnv+"="+t.Name())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s in a subprocess: %v (a signal is a crash)\n%s", t.Name(), err, out)
	}
}

// publishToFile creates a clock file at path, maps it read-write as the
// agent does, and publishes r to it. It returns the writer's region.
func publishToFile(t *testing.T, path string, r clockshm.Record) *clockshm.Region {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(clockshm.Size); err != nil {
		t.Fatal(err)
	}
	data, err := unix.Mmap(int(f.Fd()), 0, clockshm.Size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(data) })
	region, err := clockshm.NewRegion(data)
	if err != nil {
		t.Fatal(err)
	}
	region.Publish(r)
	return region
}

// TestBoundedClockSurvivesTruncatedFile: truncating the agent's file (e.g.
// truncate -s 0 /run/clockwatch/clock) killed every reader with SIGBUS.
// Now fails instead, as for a missing file, and reads again once the agent
// has re-sized the file and published.
func TestBoundedClockSurvivesTruncatedFile(t *testing.T) {
	inSubprocess(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "clock")
		writer := publishToFile(t, path, syncedRecord)
		b, err := OpenBounded(path)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		b.monotonic = func() int64 { return publishedAt }
		if _, err := b.Now(); err != nil {
			t.Fatalf("Now() before truncation: %v", err)
		}
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		if iv, err := b.Now(); !errors.Is(err, ErrAgentNotRunning) || !errors.Is(err, clockshm.ErrFault) || !strings.Contains(err.Error(), path) {
			t.Errorf("Now() on the truncated file = %v, %v; want ErrAgentNotRunning and clockshm.ErrFault naming %s", iv, err, path)
		}
		if ok, err := b.After(time.Time{}); ok || !errors.Is(err, ErrAgentNotRunning) {
			t.Errorf("After on the truncated file = %v, %v; want false, ErrAgentNotRunning", ok, err)
		}
		// The agent re-sizes the file, then publishes.
		if err := os.Truncate(path, clockshm.Size); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Now(); !errors.Is(err, ErrUnsynchronized) {
			t.Errorf("Now() on the re-sized file = %v, want ErrUnsynchronized until the agent publishes", err)
		}
		writer.Publish(syncedRecord)
		if _, err := b.Now(); err != nil {
			t.Errorf("Now() after the agent published again: %v", err)
		}
	})
}
