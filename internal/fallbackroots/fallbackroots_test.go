package fallbackroots

import (
	"crypto/x509"
	"os"
	"os/exec"
	"testing"
)

// TestInstallOnHostWithoutRoots runs in a child process that sees no
// system roots (SSL_CERT_FILE and SSL_CERT_DIR name an empty directory):
// there the system pool is the bundle once Install has run, and Install
// may run twice (x509.SetFallbackRoots panics on a second call).
func TestInstallOnHostWithoutRoots(t *testing.T) {
	if os.Getenv("FALLBACKROOTS_CHILD") == "1" {
		Install()
		Install()
		p, err := x509.SystemCertPool()
		if err != nil {
			t.Fatalf("system pool after Install: %v", err)
		}
		if p.Equal(x509.NewCertPool()) {
			t.Fatal("system pool after Install is empty: the fallback roots are not used")
		}
		return
	}
	empty := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestInstallOnHostWithoutRoots$", "-test.v")
	cmd.Env = append(os.Environ(), "FALLBACKROOTS_CHILD=1", "SSL_CERT_FILE="+empty+"/none.pem", "SSL_CERT_DIR="+empty)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
