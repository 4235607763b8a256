package filelimit

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, size int) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(strings.Repeat("x", size)), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name     string
		path     string
		limit    int64
		wantLen  int
		wantErr  string
		tooLarge bool
	}{
		{name: "empty", path: write("empty", 0), limit: 10},
		{name: "at the limit", path: write("ten", 10), limit: 10, wantLen: 10},
		{name: "one past", path: write("eleven", 11), limit: 10, wantErr: "eleven is larger than 10 bytes", tooLarge: true},
		{name: "endless", path: "/dev/zero", limit: 1 << 20, wantErr: "/dev/zero is larger than 1 MiB", tooLarge: true},
		{name: "missing", path: filepath.Join(dir, "missing"), limit: 10, wantErr: "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := os.Stat(tc.path); tc.name == "endless" && err != nil {
				t.Skipf("no %s here: %v", tc.path, err)
			}
			data, err := Read(tc.path, tc.limit)
			if tc.wantErr == "" {
				if err != nil || len(data) != tc.wantLen {
					t.Fatalf("%d bytes, %v; want %d", len(data), err, tc.wantLen)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
			if errors.Is(err, ErrTooLarge) != tc.tooLarge {
				t.Errorf("errors.Is(%v, ErrTooLarge) = %v", err, !tc.tooLarge)
			}
		})
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1000: "1000 bytes", 64 << 10: "64 KiB", 1 << 20: "1 MiB", 4 << 20: "4 MiB", 1536 << 10: "1536 KiB"} {
		if got := size(n); got != want {
			t.Errorf("size(%d) = %q, want %q", n, got, want)
		}
	}
}
