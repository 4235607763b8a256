package agent

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clockwatch/clockwatch/ntp/symkey"
)

// TestOversizedFilesRefused names, for each file the agent reads whole
// from a flag, a file past its limit: the error names the flag, the file
// and the limit, where the agent used to read it all (from /dev/zero,
// until killed for memory).
func TestOversizedFilesRefused(t *testing.T) {
	dir := t.TempDir()
	big := func(name string, size int) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(strings.Repeat("#\n", size/2+1)), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	ca, keys := big("ca.pem", maxPEMFile), big("keys", symkey.MaxFileSize)
	cert, key := big("cert.pem", maxPEMFile), big("key.pem", maxPEMFile)
	tests := []struct {
		name string
		run  func() error
		want []string
	}{
		{"--nts.ca-file", func() error {
			_, err := newSourceAuth(AuthConfig{CAFile: ca})
			return err
		}, []string{"--nts.ca-file", ca, "larger than 4 MiB"}},
		{"--keys.file", func() error {
			_, err := newSourceAuth(AuthConfig{KeysFile: keys})
			return err
		}, []string{"--keys.file", keys, "larger than 1 MiB"}},
		{"--responder.nts.certificate", func() error {
			_, err := startKeyExchange(context.Background(), ResponderNTSConfig{Certificate: cert, Key: filepath.Join(dir, "none"), Listen: "127.0.0.1:0"}, 123, slog.New(slog.DiscardHandler))
			return err
		}, []string{"--responder.nts.certificate", cert, "larger than 4 MiB"}},
		{"--responder.nts.key", func() error {
			_, err := startKeyExchange(context.Background(), ResponderNTSConfig{Certificate: cert, Key: key, Listen: "127.0.0.1:0"}, 123, slog.New(slog.DiscardHandler))
			return err
		}, []string{"--responder.nts.", "larger than 4 MiB"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if err == nil {
				t.Fatal("read an oversized file")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}
