//go:build linux

package fdtimer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTimerIsATimerfd: on Linux the timer is a timerfd, not a runtime
// timer, and Stop closes it.
func TestTimerIsATimerfd(t *testing.T) {
	before := timerfds(t)
	timer := New(time.Hour)
	if timer.fallback != nil {
		t.Skip("no timerfd in this kernel: the timer is a runtime timer")
	}
	if got := timerfds(t); got != before+1 {
		t.Errorf("%d timerfds open with the timer, %d before; want one more", got, before)
	}
	timer.Stop()
	if got := timerfds(t); got != before {
		t.Errorf("%d timerfds open after Stop, %d before", got, before)
	}
}

// timerfds counts the process's open timerfds.
func timerfds(t *testing.T) int {
	t.Helper()
	links, err := filepath.Glob("/proc/self/fd/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range links {
		if target, err := os.Readlink(l); err == nil && strings.Contains(target, "timerfd") {
			n++
		}
	}
	return n
}
