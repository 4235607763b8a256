package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestSecureEndpoint runs the agent with --web.config.file (TLS and basic
// auth, as exporter-toolkit reads it) and checks that the metrics, the API
// and the landing page are served over TLS to the right user only, and that
// `clockwatch status` reads the secured API.
func TestSecureEndpoint(t *testing.T) {
	dir := t.TempDir()
	caPool := writeSelfSignedCert(t, dir, "tls.crt", "tls.key")
	const user, password = "prometheus", "correct horse"
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	// Relative paths: exporter-toolkit resolves them against the file's
	// directory.
	webConfig := writeWebFile(t, dir, "web-config.yml", fmt.Sprintf(
		"tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\nbasic_auth_users:\n  %s: %s\n", user, hash))

	agent := startAgent(t, "demo", "--web.config.file", webConfig)
	base := "https://" + strings.TrimPrefix(agent.url, "http://")
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: caPool}},
	}

	tests := []struct {
		name       string
		path       string
		user, pass string
		wantStatus int
		wantBody   []string
	}{
		{name: "metrics without credentials", path: "/metrics", wantStatus: http.StatusUnauthorized},
		{name: "metrics with a wrong password", path: "/metrics", user: user, pass: "wrong", wantStatus: http.StatusUnauthorized},
		{name: "metrics of an unknown user", path: "/metrics", user: "mallory", pass: password, wantStatus: http.StatusUnauthorized},
		{name: "metrics", path: "/metrics", user: user, pass: password, wantStatus: http.StatusOK,
			wantBody: []string{"# TYPE clockwatch_synchronized gauge", "clockwatch_build_info{"}},
		{name: "status without credentials", path: "/api/v1/status", wantStatus: http.StatusUnauthorized},
		{name: "status", path: "/api/v1/status", user: user, pass: password, wantStatus: http.StatusOK,
			wantBody: []string{`"synchronized":`, `"sources":`}},
		{name: "history", path: "/api/v1/history", user: user, pass: password, wantStatus: http.StatusOK,
			wantBody: []string{`"estimates":`}},
		{name: "landing page without credentials", path: "/", wantStatus: http.StatusUnauthorized},
		{name: "landing page links metrics and API", path: "/", user: user, pass: password, wantStatus: http.StatusOK,
			wantBody: []string{`href="/metrics"`, `href="/api/v1/status"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, base+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.user != "" {
				req.SetBasicAuth(tc.user, tc.pass)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("GET %s: %s, want %d", tc.path, resp.Status, tc.wantStatus)
			}
			for _, want := range tc.wantBody {
				if !strings.Contains(string(body), want) {
					t.Errorf("GET %s: body lacks %q:\n%.2000s", tc.path, want, body)
				}
			}
		})
	}

	t.Run("plain HTTP is refused", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, agent.url+"/metrics", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(user, password)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return // the server may just close the connection
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == http.StatusOK || strings.Contains(string(body), "clockwatch_") {
			t.Errorf("plain HTTP got %s with metrics; want TLS only", resp.Status)
		}
	})

	t.Run("clockwatch status reads the secured API", func(t *testing.T) {
		url := "https://" + user + ":" + strings.ReplaceAll(password, " ", "%20") + "@" + strings.TrimPrefix(base, "https://")
		out, err := exec.Command(binary, "status", "--agent.url", url, "--tls.insecure-skip-verify").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "State") {
			t.Errorf("clockwatch status --agent.url https://...: %v\n%s", err, out)
		}
	})
}

// TestBadWebConfig checks that an unusable --web.config.file stops the agent
// before it serves, naming the flag.
func TestBadWebConfig(t *testing.T) {
	dir := t.TempDir()
	writeSelfSignedCert(t, dir, "tls.crt", "tls.key")
	tests := []struct {
		name, config string
	}{
		{"missing certificate file", "tls_server_config:\n  cert_file: nowhere.crt\n  key_file: tls.key\n"},
		{"unknown key", "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\nbasic_auth_user:\n  a: b\n"},
		{"password not hashed", "basic_auth_users:\n  prometheus: plaintext\n"},
		{"not YAML", "tls_server_config: [\n"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeWebFile(t, dir, fmt.Sprintf("web-config-%d.yml", i), tc.config)
			cmd := exec.Command(binary, "demo", "--web.config.file", path, "--web.listen-address", "127.0.0.1:0", "--duration", "10s")
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("clockwatch demo ran with a bad web config:\n%s", out)
			}
			if !strings.Contains(string(out), "--web.config.file") {
				t.Errorf("the error does not name --web.config.file:\n%s", out)
			}
		})
	}
}

// writeSelfSignedCert writes a self-signed certificate for 127.0.0.1 and
// its key into dir, and returns a pool that trusts it.
func writeSelfSignedCert(t *testing.T, dir, certFile, keyFile string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "clockwatch test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeWebFile(t, dir, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeWebFile(t, dir, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})))
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// writeWebFile writes content to dir/name and returns the path.
func writeWebFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
