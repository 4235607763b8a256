package exporters

import (
	"cmp"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

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
	_, reader := publishingWriter(t, path)
	if _, err := reader.Now(); err != nil {
		t.Errorf("Now() after the writer reopened: %v", err)
	}
}

// publishingWriter returns a writer on path that has published once and a
// reader of the file, both closed with the test.
func publishingWriter(t *testing.T, path string) (*ShmWriter, *logicaltime.BoundedClock) {
	t.Helper()
	w, err := NewShmWriter(path)
	if err != nil {
		t.Fatalf("NewShmWriter: %v", err)
	}
	t.Cleanup(func() { w.Close() })
	if err := w.Publish(freshEstimate(0)); err != nil {
		t.Fatal(err)
	}
	reader, err := logicaltime.OpenBounded(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reader.Close() })
	return w, reader
}

// shmWriters are the writers that take a shared memory file the same way:
// the agent's own clock file and ClockBound's segment.
var shmWriters = []struct {
	name    string
	open    func(path string) (io.Closer, error)
	flag    string
	notOurs string
}{
	{"clock file", func(p string) (io.Closer, error) { return NewShmWriter(p) }, "--shm.path", "not a clockwatch shared memory clock file"},
	{"ClockBound", func(p string) (io.Closer, error) { return NewClockBoundWriter(p) }, "--clockbound.shm-path", "not a ClockBound shared memory segment"},
}

func TestShmWriterRefusesOtherFiles(t *testing.T) {
	writeFile := func(contents string) func(string) error {
		return func(path string) error { return os.WriteFile(path, []byte(contents), 0o600) }
	}
	tests := []struct {
		name    string
		make    func(path string) error
		wantMsg string
		root    bool // needs root to make
	}{
		{"short file", writeFile("precious\n"), "", false},
		{"long file", writeFile(strings.Repeat("precious data ", 20)), "", false},
		{"named pipe", func(path string) error { return unix.Mkfifo(path, 0o600) }, "not a regular file", false},
		{"directory", func(path string) error { return os.Mkdir(path, 0o700) }, "is a directory", false},
		{"another user's empty file", func(path string) error {
			return errors.Join(writeFile("")(path), os.Chown(path, 65534, 65534))
		}, "belongs to uid 65534", true},
	}
	for _, writer := range shmWriters {
		for _, tt := range tests {
			t.Run(writer.name+"/"+tt.name, func(t *testing.T) {
				if tt.root && os.Geteuid() != 0 {
					t.Skip("needs root to give a file to another user")
				}
				path := filepath.Join(t.TempDir(), "clock")
				if err := tt.make(path); err != nil {
					t.Fatal(err)
				}
				wantMsg := cmp.Or(tt.wantMsg, writer.notOurs)
				beforeInfo, before := contents(t, path)
				if _, err := writer.open(path); err == nil || !strings.Contains(err.Error(), wantMsg) || !strings.Contains(err.Error(), writer.flag) {
					t.Errorf("opening the writer = %v; want a refusal saying %q and naming %s", err, wantMsg, writer.flag)
				}
				if afterInfo, after := contents(t, path); afterInfo.Mode() != beforeInfo.Mode() || after != before {
					t.Errorf("the file changed: %v, %d bytes; was %v, %d bytes", afterInfo.Mode(), len(after), beforeInfo.Mode(), len(before))
				}
			})
		}
	}
}

// contents returns the contents of the regular file at path, or nothing
// for other files: reading a named pipe would block.
func contents(t *testing.T, path string) (os.FileInfo, string) {
	t.Helper()
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Mode().IsRegular() {
		return info, ""
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return info, string(data)
}

// TestShmWriterLeavesSymlinkTargetAlone: with a symbolic link at the path,
// the agent chmod'ed the link's target to 0644 before refusing it, wrote
// over an empty target and created a missing one. It now refuses the link
// before touching anything.
func TestShmWriterLeavesSymlinkTargetAlone(t *testing.T) {
	tests := []struct {
		name   string
		target *string // contents of the link's target; nil: no target
	}{
		{"to an empty file", ptr("")},
		{"to a file", ptr("precious data\n")},
		{"to a clock file", ptr(string(make([]byte, clockshm.Size)))},
		{"dangling", nil},
	}
	for _, writer := range shmWriters {
		for _, tt := range tests {
			t.Run(writer.name+"/"+tt.name, func(t *testing.T) {
				symlinkUntouched(t, tt.target, writer.open, writer.flag)
			})
		}
	}
}

// symlinkUntouched puts a symbolic link to a target holding target (nil:
// none) at a path, opens a writer there with open, and checks that it is
// refused naming flag and leaves the target as it was.
func symlinkUntouched(t *testing.T, contents *string, open func(string) (io.Closer, error), flag string) {
	t.Helper()
	dir := t.TempDir()
	path, target := filepath.Join(dir, "clock"), filepath.Join(dir, "target")
	if contents != nil {
		if err := os.WriteFile(target, []byte(*contents), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	if _, err := open(path); err == nil || !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(err.Error(), flag) {
		t.Errorf("opening the writer on a symbolic link = %v; want a refusal naming the link and %s", err, flag)
	}
	info, err := os.Stat(target)
	switch {
	case contents == nil && !errors.Is(err, os.ErrNotExist):
		t.Errorf("the dangling link's target was created: %v, %v", info, err)
	case contents == nil:
	case err != nil:
		t.Fatal(err)
	case info.Mode().Perm() != 0o600:
		t.Errorf("target's mode changed to %v", info.Mode())
	}
	if got, _ := os.ReadFile(target); contents != nil && string(got) != *contents {
		t.Errorf("target changed: %d bytes, want %d", len(got), len(*contents))
	}
}

// ptr returns a pointer to s.
func ptr(s string) *string { return &s }
