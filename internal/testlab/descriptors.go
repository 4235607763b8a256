package testlab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// OpenDescriptors counts the test process's open file descriptors whose
// target (as /proc/self/fd shows it, e.g. "anon_inode:[timerfd]" or
// "socket:[123]") contains kind; an empty kind counts them all. The test
// skips where /proc/self/fd cannot be read.
func OpenDescriptors(t testing.TB, kind string) int {
	t.Helper()
	links, err := filepath.Glob("/proc/self/fd/*")
	if err != nil || len(links) == 0 {
		t.Skipf("cannot list descriptors in /proc/self/fd: %v", err)
	}
	n := 0
	for _, l := range links {
		if target, err := os.Readlink(l); err == nil && strings.Contains(target, kind) {
			n++
		}
	}
	return n
}
