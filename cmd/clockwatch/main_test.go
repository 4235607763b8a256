package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestExecuteExitCodes(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"--help"}, 0, "Commands:", ""},
		{[]string{"status", "--help"}, 0, "--agent.url", ""},
		{[]string{"run", "--help"}, 0, "--ntp.server", ""},
		{[]string{"demo", "--help"}, 0, "--web.listen-address", ""},
		{[]string{"--version"}, 0, "clockwatch, version", ""},
		{[]string{"bogus"}, 2, "", "expected command"},
		{[]string{"run", "--poll.interval=soon"}, 2, "", "soon"},
		{[]string{"run", "--state.dir="}, 1, "", "no sources"},
		// An invalid rate limit used to turn limiting off; now it stops the
		// command before anything starts.
		{[]string{"run", "--responder.rate-limit=NaN"}, 2, "", "--responder.rate-limit=NaN is not a rate"},
		{[]string{"run", "--responder.rate-limit=-1"}, 2, "", "--responder.rate-limit=-1 is not a rate"},
		{[]string{"run", "--responder.rate-limit=+Inf"}, 2, "", "--responder.rate-limit=+Inf is not a rate"},
		{[]string{"run", "--responder.rate-limit=1e999"}, 2, "", "--responder.rate-limit=1e999 is not a rate"},
		{[]string{"run", "--responder.burst=0"}, 2, "", "--responder.burst=0 is not a whole number from 1"},
		{[]string{"run", "--responder.leak=0"}, 2, "", "--responder.leak=0 is not a whole number from 1 to 4"},
		{[]string{"run", "--responder.leak=5"}, 2, "", "--responder.leak=5 is not a whole number from 1 to 4"},
		{[]string{"run", "--state.dir=", "--responder.rate-limit=0", "--responder.leak=4"}, 1, "", "no sources"},
		{[]string{"query"}, 1, "", "no server to query: name NTP servers as arguments or NTS servers with --nts.server"},
		{[]string{"query", "--keys.ntp=7", "127.0.0.1"}, 1, "", "keys.ntp and keys.peers need keys.file"},
		{[]string{"query", "--nts.server", "127.0.0.1:99999"}, 1, "", "127.0.0.1:99999"},
		{[]string{"query", "--nts.server", "127.0.0.1", "--nts.ca-file", "/nonexistent/ca.pem"}, 1, "", "--nts.ca-file: open /nonexistent/ca.pem"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := execute(context.Background(), tc.args, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stdout.String(), tc.stdout) || !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, stdout.String(), stderr.String(), tc.code, tc.stdout, tc.stderr)
			}
		})
	}
}
