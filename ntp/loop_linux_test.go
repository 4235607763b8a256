//go:build linux

package ntp

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// TestLoopWaiter: a polling loop's waiter sleeps on its timerfd, again
// and again (a zero wait too), and its queries wait on the same timer: a
// query in the loop's context is answered, and one to a silent server
// times out when the timer, not a runtime deadline, expires; a context
// with an end of its own uses a pooled waiter. Once the loop's context
// ends, its sleeps and queries end at once with the context's error.
func TestLoopWaiter(t *testing.T) {
	addr := startResponder(t, &Responder{})
	silent, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	silentAddr := silent.LocalAddr().(*net.UDPAddr).AddrPort()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	loopCtx, sleep, release := newLoop(ctx)
	defer release()
	w := loopWaiter(loopCtx)
	if w == nil {
		t.Skip("no timerfd: the loop sleeps on runtime timers")
	}
	timed, stop := context.WithTimeout(loopCtx, time.Hour)
	defer stop()
	if loopWaiter(timed) != nil {
		t.Error("a context with an end of its own uses the loop's waiter; want a pooled one")
	}

	c := &Client{Timeout: 30 * time.Millisecond}
	for _, d := range []time.Duration{time.Millisecond, 0, 5 * time.Millisecond} {
		start := time.Now()
		if err := sleep(loopCtx, d); err != nil {
			t.Fatalf("sleep %v: %v", d, err)
		}
		if slept := time.Since(start); slept < d {
			t.Errorf("sleep %v returned after %v", d, slept)
		}
		x, err := c.Query(loopCtx, addr)
		if err != nil {
			t.Fatalf("query in the loop: %v", err)
		}
		if x.Timestamping != StampKernel {
			t.Errorf("timestamps %q, want %q", x.Timestamping, StampKernel)
		}
		w.expired = false
		if _, err := c.Query(loopCtx, silentAddr); ResultOf(err) != ResultTimeout {
			t.Fatalf("silent server: %v, want a timeout", err)
		}
		if !w.expired {
			t.Error("the silent server's query timed out, but not on the loop's timer")
		}
	}

	time.AfterFunc(20*time.Millisecond, cancel)
	if err := sleep(loopCtx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled sleep: %v, want %v", err, context.Canceled)
	}
	c.Timeout = time.Hour
	if _, err := c.Query(loopCtx, silentAddr); !errors.Is(err, context.Canceled) {
		t.Errorf("query after the loop's end: %v, want %v", err, context.Canceled)
	}
}
