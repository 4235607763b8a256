package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildC compiles the C program source with cc, warnings as errors, as
// logicaltime's own tests do, and returns the binary's path. It skips the
// test without cc (make test installs one).
func buildC(t *testing.T, source string) string {
	t.Helper()
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skipf("no C compiler (cc) to build %s: %v", source, err)
	}
	bin := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(source), ".c"))
	args := []string{"-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-O2", "-o", bin, source, "-lm"}
	if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("cc %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return bin
}

// runC runs a C reader and returns its key=value lines; it fails the test
// when the exit status is not wantExit.
func runC(t *testing.T, wantExit int, bin string, args ...string) map[string]string {
	t.Helper()
	values, exit, stderr := tryC(t, bin, args...)
	if exit != wantExit {
		t.Fatalf("%s %s: exit status %d, want %d\n%v\n%s", bin, strings.Join(args, " "), exit, wantExit, values, stderr)
	}
	return values
}

// tryC runs a C reader and returns its key=value lines, its exit status
// and what it printed on stderr.
func tryC(t *testing.T, bin string, args ...string) (values map[string]string, exit int, stderr string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var errOut strings.Builder
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatalf("%s: %v", bin, err)
	}
	values = map[string]string{}
	for line := range strings.Lines(string(out)) {
		if key, value, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
			values[key] = value
		}
	}
	return values, cmd.ProcessState.ExitCode(), errOut.String()
}
