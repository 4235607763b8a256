package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestTraceArgs(t *testing.T) {
	tests := []struct {
		args []string
		want []string
		ok   bool
	}{
		{args: []string{"trace", "correct", "--in", "x"}, want: []string{"correct", "--in", "x"}, ok: true},
		{args: []string{"trace"}, want: []string{}, ok: true},
		{args: []string{"--log.level", "debug", "trace", "correct"}, want: []string{"--log.level", "debug", "correct"}, ok: true},
		{args: []string{"--log.format=json", "trace", "--help"}, want: []string{"--log.format=json", "--help"}, ok: true},
		{args: []string{"run", "--ntp.server", "trace"}},
		{args: []string{"help", "trace"}},
		{args: nil},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			got, ok := traceArgs(tc.args)
			if ok != tc.ok || !slices.Equal(got, tc.want) {
				t.Errorf("traceArgs = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// fakeTrace installs a clockwatch-trace on an otherwise empty PATH that
// prints its arguments and standard input and exits 3.
func fakeTrace(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\necho \"args: $*\"\nwhile read -r line; do echo \"$line\"; done\nexit 3\n"
	if err := os.WriteFile(filepath.Join(dir, traceProgram), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
}

func TestTraceRunsClockwatchTrace(t *testing.T) {
	fakeTrace(t)
	var stdout, stderr bytes.Buffer
	code := runTrace([]string{"correct", "--in", "-"}, strings.NewReader("spans\n"), &stdout, &stderr)
	if code != 3 || stdout.String() != "args: correct --in -\nspans\n" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 3 and the arguments and input passed through", code, stdout.String(), stderr.String())
	}
}

func TestTraceSaysHowToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var stdout, stderr bytes.Buffer
	code := execute(context.Background(), []string{"trace", "correct"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), traceInstall) {
		t.Errorf("exit %d, stderr %q; want 1 and how to install %s", code, stderr.String(), traceProgram)
	}
}
