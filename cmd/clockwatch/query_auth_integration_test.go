package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/exporters"
	"github.com/clockwatch/clockwatch/internal/testlab"
)

// TestQueryAuthenticatedChronyd runs `clockwatch query` once against a
// real chronyd serving NTS and one sharing symmetric key 7, both on
// loopback: each authenticated query is a sample within its bound of the
// true offset 0, shown with its authentication in the JSON and in the
// table; a CA that did not sign chronyd's certificate and a key chronyd
// does not hold are refused, with an error that names the cause.
func TestQueryAuthenticatedChronyd(t *testing.T) {
	nts := testlab.ChronydNTSServer(t)
	untrusted := testlab.NewPKI(t, t.TempDir(), "127.0.0.1")
	dir := t.TempDir()
	keys, outsiderKeys := filepath.Join(dir, "chrony.keys"), filepath.Join(dir, "outsider.keys")
	for file, key := range map[string]string{keys: fleetKey, outsiderKeys: outsiderKey} {
		if err := os.WriteFile(file, []byte(key), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	keyed := testlab.ChronydKeyedServer(t, keys)
	waitFor(t, 10*time.Second, "the keyed chronyd to answer", func() bool {
		return exec.Command(binary, "query", "--count=1", "--timeout=200ms", keyed).Run() == nil
	})

	tests := []struct {
		name           string
		args           []string
		source, auth   string // the source and its authentication, when the query succeeds
		keyExchanges   uint64
		failureMention string // else what its error must say
	}{
		{name: "nts", args: []string{"--nts.server", nts.KE, "--nts.ca-file", nts.PKI.CAFile},
			source: nts.KE, auth: "nts", keyExchanges: 1},
		{name: "symmetric key", args: []string{"--keys.file", keys, "--keys.ntp=7", keyed},
			source: keyed, auth: "symmetric"},
		{name: "untrusted CA", args: []string{"--nts.server", nts.KE, "--nts.ca-file", untrusted.CAFile},
			failureMention: "--nts.ca-file"},
		{name: "key chronyd does not share", args: []string{"--keys.file", outsiderKeys, "--keys.ntp=7", "--timeout=300ms", keyed},
			failureMention: "key 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(binary, append([]string{"query", "--json"}, tt.args...)...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if tt.failureMention != "" {
				if err == nil || !strings.Contains(stderr.String(), tt.failureMention) {
					t.Errorf("query %v: %v, stderr:\n%s\nwant a failure that mentions %q", tt.args, err, stderr.String(), tt.failureMention)
				}
				t.Logf("stderr: %s", stderr.String())
				return
			}
			if err != nil {
				t.Fatalf("query %v: %v\n%s", tt.args, err, stderr.String())
			}
			var q exporters.Status
			if err := json.Unmarshal(stdout.Bytes(), &q); err != nil {
				t.Fatalf("query --json: %v\n%s", err, stdout.String())
			}
			src, _ := sourceByName(q, tt.source)
			if src.Authentication != tt.auth || src.Auth == nil || src.Results["ok"] != 4 ||
				src.Auth.BadMACs != 0 || src.Auth.KeyExchanges != tt.keyExchanges {
				t.Errorf("source %s: authentication %q, results %v, auth %+v; want %s, 4 samples, %d key exchanges",
					tt.source, src.Authentication, src.Results, src.Auth, tt.auth, tt.keyExchanges)
			}
			if !q.Synchronized || math.Abs(q.OffsetSeconds) > q.ErrorBoundSeconds {
				t.Errorf("query says %gs ± %gs (synchronized %v); the true offset is 0", q.OffsetSeconds, q.ErrorBoundSeconds, q.Synchronized)
			}
			t.Logf("%s: offset %+.1fµs ± %.1fµs, auth %+v", tt.name, q.OffsetSeconds*1e6, q.ErrorBoundSeconds*1e6, *src.Auth)

			table, err := exec.Command(binary, append([]string{"query"}, tt.args...)...).CombinedOutput()
			if err != nil || !strings.Contains(string(table), "KEY EXCHANGES") || !strings.Contains(string(table), tt.auth) {
				t.Errorf("query %v: %v; want the authentication table:\n%s", tt.args, err, table)
			}
			t.Logf("clockwatch query:\n%s", table)
		})
	}
}
