package testlab

import (
	"os/exec"
	"strings"
	"testing"
)

// logTail is how many lines of a failed test's process output are logged.
const logTail = 20

// Start starts cmd with its output in the Buffer it returns, and kills it
// at the end of the test, logging the last lines of its output, as name,
// if the test failed.
func Start(t testing.TB, name string, cmd *exec.Cmd) *Buffer {
	t.Helper()
	logs := &Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s logs:\n%s", name, tail(logs.String(), logTail))
		}
	})
	return logs
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
