//go:build linux

package fdtimer

import (
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/internal/testlab"
)

// TestTimerIsATimerfd: on Linux the timer is a timerfd, not a runtime
// timer, and Stop closes it.
func TestTimerIsATimerfd(t *testing.T) {
	before := testlab.OpenDescriptors(t, "timerfd")
	timer := New(time.Hour)
	if timer.fallback != nil {
		t.Skip("no timerfd in this kernel: the timer is a runtime timer")
	}
	if got := testlab.OpenDescriptors(t, "timerfd"); got != before+1 {
		t.Errorf("%d timerfds open with the timer, %d before; want one more", got, before)
	}
	timer.Stop()
	if got := testlab.OpenDescriptors(t, "timerfd"); got != before {
		t.Errorf("%d timerfds open after Stop, %d before", got, before)
	}
}
