//go:build linux

package agent

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/testlab"
)

// TestIdleWaitIsATimerfd: on Linux the running agent waits for its next
// idle publication on a timerfd, not on a runtime timer (which the
// runtime's monitor thread would wake for at every report), and closes it
// when it stops.
func TestIdleWaitIsATimerfd(t *testing.T) {
	before := testlab.OpenDescriptors(t, "timerfd")
	sink := &countingSink{maxAge: time.Hour}
	a := New(time.Now, estimator.New(estimator.Config{}), Sources{}, MeasureOnly{}, []Sink{sink}, nil, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	waitFor(t, 10*time.Second, "a timerfd opened by the running agent", func() bool { return testlab.OpenDescriptors(t, "timerfd") == before+1 })
	cancel()
	<-done
	if after := testlab.OpenDescriptors(t, "timerfd"); after != before {
		t.Errorf("%d timerfds open after the agent stopped, %d before", after, before)
	}
}
