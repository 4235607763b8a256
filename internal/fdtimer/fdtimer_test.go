package fdtimer_test

import (
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/internal/fdtimer"
)

// TestTimer: the timer expires after its time, again after each Reset
// (a zero time too), and a Reset drops an expiry nobody took.
func TestTimer(t *testing.T) {
	timer := fdtimer.New(time.Millisecond)
	defer timer.Stop()
	for _, d := range []time.Duration{time.Millisecond, 0, 5 * time.Millisecond} {
		start := time.Now()
		timer.Reset(d)
		<-timer.C
		if waited := time.Since(start); waited < d {
			t.Errorf("Reset(%v) expired after %v", d, waited)
		}
	}
	timer.Reset(0)
	time.Sleep(20 * time.Millisecond)
	timer.Reset(time.Hour)
	select {
	case <-timer.C:
		t.Error("an expiry from before Reset(1h) was delivered after it")
	default:
	}
}

// Example: a loop that does its work when something arrives and at the
// latest every interval, restarting the wait after each piece of work.
func Example() {
	work := make(chan int)
	go func() {
		for i := range 3 {
			work <- i
		}
		close(work)
	}()
	idle := fdtimer.New(time.Hour)
	defer idle.Stop()
	for {
		select {
		case _, ok := <-work:
			if !ok {
				return
			}
		case <-idle.C:
			// Nothing arrived for an hour.
		}
		idle.Reset(time.Hour)
	}
	// Output:
}
