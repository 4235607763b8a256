//go:build linux

package ntp

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestTimerSleeper: the timerfd sleep returns once its time has passed,
// again and again on the same timer (a zero wait too), and at once with
// the context's error when the context ends.
func TestTimerSleeper(t *testing.T) {
	ts, err := newTimerSleeper()
	if err != nil {
		t.Skipf("no timerfd: %v", err)
	}
	defer ts.close()
	for _, d := range []time.Duration{time.Millisecond, 0, 5 * time.Millisecond} {
		start := time.Now()
		if err := ts.sleep(context.Background(), d); err != nil {
			t.Fatalf("sleep %v: %v", d, err)
		}
		if slept := time.Since(start); slept < d {
			t.Errorf("sleep %v returned after %v", d, slept)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	if err := ts.sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled sleep: %v, want %v", err, context.Canceled)
	}
}
