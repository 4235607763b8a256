package chronylab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLoopbackIPsAreDistinct: every server needs a loopback address of its
// own, or the chronyd client would poll fewer servers than clockwatch.
func TestLoopbackIPsAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for i := range 254 {
		ip := LoopbackIP(i)
		if !ip.IsLoopback() || seen[ip.String()] {
			t.Fatalf("server %d: %v is not a loopback address of its own", i, ip)
		}
		seen[ip.String()] = true
	}
}

func TestWaitForSources(t *testing.T) {
	tests := []struct {
		name    string
		log     string
		wantErr string
	}{
		{"selected", "chronyd version 4.3 starting\nSelected source 127.0.0.2\n", ""},
		{"refused", "Could not add source 127.0.0.1\nSelected source 127.0.0.1\n", "refused a server"},
		{"none", "chronyd version 4.3 starting\n", "selected no source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "chronyd.log")
			if err := os.WriteFile(path, []byte(tt.log), 0o600); err != nil {
				t.Fatal(err)
			}
			err := WaitForSources(path, 200*time.Millisecond)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("WaitForSources = %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}
