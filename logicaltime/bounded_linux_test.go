package logicaltime

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
