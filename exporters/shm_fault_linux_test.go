package exporters

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/clockwatch/clockwatch/logicaltime"
	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
)

// subprocessEnv names the test the test binary runs alone when it is the
// subprocess of inSubprocess.
const subprocessEnv = "EXPORTERS_TEST_SUBPROCESS"

// inSubprocess runs body in a fresh run of the test binary started with
// attr (nil: none), so that a fault in it (SIGBUS from a shrunk or
// unallocatable mapping) fails the test instead of killing the whole test
// run.
func inSubprocess(t *testing.T, attr *syscall.SysProcAttr, body func(t *testing.T)) {
	if os.Getenv(subprocessEnv) == t.Name() {
		body(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v")
	cmd.Env = append(os.Environ(), subprocessEnv+"="+t.Name())
	cmd.SysProcAttr = attr
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s in a subprocess: %v (a signal is a crash)\n%s", t.Name(), err, out)
	}
}

// wantSize checks the size of the file at path.
func wantSize(t *testing.T, path string, want int64) {
	t.Helper()
	if info, err := os.Stat(path); err != nil || info.Size() != want {
		t.Errorf("%s: %v, %v; want %d bytes", path, info, err, want)
	}
}

// TestShmWriterSurvivesTruncatedFile: truncating the clock file (truncate
// -s 0 /run/clockwatch/clock) killed the agent with SIGBUS in Publish. The
// writer now reports it once, re-sizes the file and publishes again.
func TestShmWriterSurvivesTruncatedFile(t *testing.T) {
	inSubprocess(t, nil, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "clock")
		w, reader := publishingWriter(t, path)

		// A truncation between publishes: the next one notices and re-sizes.
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		if err := w.Publish(freshEstimate(0)); err == nil || !strings.Contains(err.Error(), "shrank to 0 bytes") || !strings.Contains(err.Error(), "re-sized") {
			t.Errorf("Publish to the truncated file = %v, want an error saying it shrank and was re-sized", err)
		}
		wantSize(t, path, clockshm.Size)
		if err := w.Publish(freshEstimate(0)); err != nil {
			t.Errorf("Publish after re-sizing: %v", err)
		}
		if _, err := reader.Now(); err != nil {
			t.Errorf("reader's Now() after the writer re-sized and published: %v", err)
		}

		// A truncation while the writer stores the record: the region
		// reports it instead of faulting.
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		r, err := shmRecord(freshEstimate(0), 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.region.Publish(r); !errors.Is(err, clockshm.ErrFault) {
			t.Errorf("Region.Publish to the truncated mapping = %v, want ErrFault", err)
		}
	})
}

// fillFilesystem writes to a file in dir until the filesystem is full and
// returns the file's path.
func fillFilesystem(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); errors.Is(err, syscall.ENOSPC) {
			return path
		} else if err != nil {
			t.Fatal(err)
		}
	}
}

// mountSmallTmpfs mounts a 64 KiB tmpfs on a temporary directory, in the
// test process's own mount namespace, and returns the directory.
func mountSmallTmpfs(t *testing.T) string {
	t.Helper()
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		t.Fatalf("make mounts private to the test's namespace: %v", err)
	}
	dir := t.TempDir()
	if err := unix.Mount("clockwatch-test", dir, "tmpfs", 0, "size=64k"); err != nil {
		t.Fatalf("mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(dir, 0) })
	return dir
}

// TestShmWriterOnFullFilesystem: on a full filesystem the agent died at
// start with SIGBUS in Claimable (ftruncate made a page that could not be
// allocated). Starting is now an error; a file truncated while the
// filesystem is full is an error of Publish until there is room again.
func TestShmWriterOnFullFilesystem(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs in a mount namespace of its own (CI runs as root)")
	}
	inSubprocess(t, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}, func(t *testing.T) {
		dir := mountSmallTmpfs(t)
		path := filepath.Join(dir, "clock")
		filler := fillFilesystem(t, dir)
		if w, err := NewShmWriter(path); err == nil || !strings.Contains(err.Error(), "no space left on device") {
			t.Fatalf("NewShmWriter on a full filesystem = %v, %v; want an error naming the lack of space", w, err)
		}

		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
		w, reader := publishingWriter(t, path)
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		filler = fillFilesystem(t, dir)
		for range 2 {
			if err := w.Publish(freshEstimate(0)); err == nil || !strings.Contains(err.Error(), "no space left on device") {
				t.Errorf("Publish to a truncated file on a full filesystem = %v, want an error naming the lack of space", err)
			}
		}
		if _, err := reader.Now(); !errors.Is(err, logicaltime.ErrAgentNotRunning) {
			t.Errorf("reader's Now() = %v, want ErrAgentNotRunning", err)
		}
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
		if err := w.Publish(freshEstimate(0)); err == nil || !strings.Contains(err.Error(), "re-sized") {
			t.Errorf("Publish once there is room = %v, want an error saying the file was re-sized", err)
		}
		if err := w.Publish(freshEstimate(0)); err != nil {
			t.Errorf("Publish after re-sizing: %v", err)
		}
		if _, err := reader.Now(); err != nil {
			t.Errorf("reader's Now() after the writer recovered: %v", err)
		}
	})
}
