//go:build linux

package agent

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// TestIdleWaitIsATimerfd: on Linux the running agent waits for its next
// idle publication on a timerfd, not on a runtime timer (which the
// runtime's monitor thread would wake for at every report), and closes it
// when it stops.
func TestIdleWaitIsATimerfd(t *testing.T) {
	before := openTimerfds(t)
	sink := &countingSink{maxAge: time.Hour}
	a := New(time.Now, estimator.New(estimator.Config{}), Sources{}, MeasureOnly{}, []Sink{sink}, nil, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	waitFor(t, 10*time.Second, "a timerfd opened by the running agent", func() bool { return openTimerfds(t) == before+1 })
	cancel()
	<-done
	if after := openTimerfds(t); after != before {
		t.Errorf("%d timerfds open after the agent stopped, %d before", after, before)
	}
}

// openTimerfds counts the process's open timerfds.
func openTimerfds(t *testing.T) int {
	t.Helper()
	links, err := filepath.Glob("/proc/self/fd/*")
	if err != nil || len(links) == 0 {
		t.Skipf("cannot list descriptors in /proc/self/fd: %v", err)
	}
	n := 0
	for _, l := range links {
		if target, err := os.Readlink(l); err == nil && strings.Contains(target, "timerfd") {
			n++
		}
	}
	return n
}
