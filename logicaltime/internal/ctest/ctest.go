// Package ctest builds the C readers of logicaltime/c for the tests that
// run them against files the Go writers made.
package ctest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Flags are the compiler flags the C readers must build with, warnings
// as errors.
var Flags = []string{"-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-O2"}

// Build compiles the C program source with cc into the test's temporary
// directory and returns the binary's path. It skips the test when there is
// no cc (make test installs one).
func Build(t testing.TB, source string) string {
	t.Helper()
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skipf("no C compiler (cc) to build %s: %v", source, err)
	}
	bin := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(source), ".c"))
	args := append(append([]string{}, Flags...), "-o", bin, source, "-lm")
	if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("cc %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return bin
}

// Run runs bin with args and returns its key=value lines as a map; it
// fails the test when bin exits with another status than wantExit.
func Run(t testing.TB, wantExit int, bin string, args ...string) map[string]string {
	t.Helper()
	out, err := exec.Command(bin, args...).Output()
	exit := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		exit = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	if exit != wantExit {
		stderr := ""
		if exitErr, ok := err.(*exec.ExitError); ok {
			stderr = string(exitErr.Stderr)
		}
		t.Fatalf("%s %s: exit status %d, want %d\n%s%s", bin, strings.Join(args, " "), exit, wantExit, out, stderr)
	}
	values := map[string]string{}
	for line := range strings.Lines(string(out)) {
		if key, value, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
			values[key] = value
		}
	}
	return values
}
