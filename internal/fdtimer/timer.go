package fdtimer

import "time"

// Timer sends on C when its time passes; Reset sets the time again.
type Timer struct {
	// C receives once for each expiry that nobody has taken yet.
	C <-chan struct{}
	c chan struct{}
	// kernel is the timerfd; fallback is the runtime timer used instead
	// where the system has none.
	kernel   kernelTimer
	fallback *time.Timer
}

// New returns a timer that expires after d; Stop frees it.
func New(d time.Duration) *Timer {
	c := make(chan struct{}, 1)
	t := &Timer{C: c, c: c}
	if !t.kernel.start(d, t.fire) {
		t.fallback = time.AfterFunc(d, t.fire)
	}
	return t
}

// Reset makes the timer expire after d (at least a nanosecond) instead,
// and drops an expiry not taken yet.
func (t *Timer) Reset(d time.Duration) {
	select {
	case <-t.c:
	default:
	}
	if t.fallback != nil {
		t.fallback.Reset(d)
		return
	}
	t.kernel.reset(d)
}

// Stop ends the timer for good.
func (t *Timer) Stop() {
	if t.fallback != nil {
		t.fallback.Stop()
		return
	}
	t.kernel.stop()
}

// fire hands an expiry to C, unless one is waiting there already.
func (t *Timer) fire() {
	select {
	case t.c <- struct{}{}:
	default:
	}
}
