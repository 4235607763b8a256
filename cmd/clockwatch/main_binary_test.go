package main

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestBinaryHelpAndVersion runs the built binary as a user would: help is
// printed once and exits 0, --version prints the version alone and exits
// 0, and no flag that is off by default looks as if it had a default.
func TestBinaryHelpAndVersion(t *testing.T) {
	tests := []struct {
		args   []string
		usages int      // times "usage: clockwatch" appears on stdout
		want   []string // on stdout
		absent []string // not on stdout
	}{
		{args: []string{"--help"}, usages: 1, want: []string{"Commands:", "run [<flags>]"}},
		{args: []string{"-h"}, usages: 1, want: []string{"Commands:"}},
		{args: []string{"help"}, usages: 1, want: []string{"Commands:"}},
		{args: []string{"help", "run"}, usages: 1, want: []string{"--ntp.server"}},
		{args: []string{"run", "--help"}, usages: 1, want: []string{"--ntp.server", "--responder.listen-address=[HOST]:PORT", "Off by default"},
			absent: []string{"=:9123"}},
		{args: []string{"status", "--help"}, usages: 1, want: []string{"--agent.url"}},
		{args: []string{"--version"}, usages: 0, want: []string{"clockwatch, version", "go version:"}, absent: []string{"Commands:", "Flags:"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(binary, tt.args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				var exit *exec.ExitError
				if !errors.As(err, &exit) {
					t.Fatal(err)
				}
				t.Errorf("exit status %d, want 0; stderr %q", exit.ExitCode(), stderr.String())
			}
			out := stdout.String()
			if n := strings.Count(out, "usage: clockwatch"); n != tt.usages {
				t.Errorf("usage printed %d times, want %d:\n%s", n, tt.usages, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(out, a) {
					t.Errorf("stdout has %q:\n%s", a, out)
				}
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr %q, want nothing", stderr.String())
			}
		})
	}
}
